# Do not edit: the template owns this file (make template-update brings its changes).
"""Schedules' cron expressions: the form manifests use, the form KFP needs, and trigger times.

Manifests take the standard 5-field cron (``minute hour day-of-month month day-of-week``) or a
macro (``@hourly``, ``@daily``, ``@weekly``, ``@monthly``). KFP parses cron with robfig/cron
v1.2.0, whose first field is *seconds*: sent as written, ``0 3 * * *`` would mean "hourly at
:03". So ``kfp_cron`` always sends six fields, ``0`` seconds first; a 6-field cron in a manifest
is refused rather than shifted a second time. The checks here accept only what both the standard
reading and robfig accept, so what validates is what fires: numbers, ``*``, ranges, steps, lists
and month/weekday names; no ``L``, ``W``, ``#`` or ``?``, and day-of-week 0-6 (robfig rejects 7).

Trigger times come from ``croniter``, evaluated in the environment's time zone (KFP has one
time zone for the whole cluster, ``cronScheduleTimezone``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (what the field is, lowest, highest, names standing for lowest, lowest+1, ...)
_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_PART = re.compile(r"^(?P<range>\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(?P<step>[0-9]+))?$")
EXAMPLE = "e.g. '0 3 * * *' (daily at 03:00) or @daily"


def cron_problem(cron: object) -> str | None:
    """Why ``cron`` is not a schedule a manifest may use, or None when it is."""
    if not isinstance(cron, str) or not cron.strip():
        return f"cron must be a 5-field cron or a macro — {EXAMPLE}"
    text = cron.strip()
    if text.startswith("@"):
        if text.lower() in MACROS:
            return None
        return f"cron {text!r} is not a known macro — use one of {', '.join(MACROS)}"
    fields = text.split()
    if len(fields) == 6:
        return (
            f"cron {text!r} has 6 fields — write the standard 5 (minute hour day month "
            "weekday); the seconds field KFP reads first is added for you"
        )
    if len(fields) != 5:
        return f"cron {text!r} has {len(fields)} field(s), not 5 — {EXAMPLE}"
    for value, rule in zip(fields, _FIELDS, strict=True):
        if problem := _field_problem(value.lower(), *rule):
            return f"cron {text!r}: {problem}"
    return None


def _field_problem(value: str, what: str, low: int, high: int, names: tuple[str, ...]) -> str:
    for part in value.split(","):
        match = _PART.match(part)
        if not match:
            return f"{what} {value!r} is not a number, range, step, list or * — {EXAMPLE}"
        if match["step"] is not None and int(match["step"]) < 1:
            return f"{what} step in {part!r} must be at least 1"
        if match["range"] == "*":
            continue
        bounds = [_number(item, names) for item in match["range"].split("-")]
        if None in bounds:
            return f"{what} {part!r} is not a number" + (
                f" or a name ({names[0]}..{names[-1]})" if names else ""
            )
        if what == "day of week" and 7 in bounds:
            return "day of week 7 — KFP's cron reads days 0-6 (Sunday is 0): write 0"
        if any(number < low or number > high for number in bounds):  # type: ignore[operator]
            return f"{what} {part!r} is outside {low}-{high}"
        if len(bounds) == 2 and bounds[0] > bounds[1]:  # type: ignore[operator]
            return f"{what} range {part!r} runs backwards — write the lower bound first"
    return ""


def _number(item: str, names: tuple[str, ...]) -> int | None:
    if item.isdigit():
        return int(item)
    if item in names:
        return names.index(item) + (1 if names is _MONTHS else 0)
    return None


def standard_cron(cron: str) -> str:
    """The 5-field form of a valid manifest cron (macros expanded, spacing normalised)."""
    text = cron.strip()
    return MACROS.get(text.lower(), " ".join(text.split()))


def kfp_cron(cron: str) -> str:
    """What KFP's parser (seconds first) needs for the same schedule: ``0 `` plus 5 fields."""
    return f"0 {standard_cron(cron)}"


def timezone_problem(name: object) -> str | None:
    """Why ``name`` is not an IANA time zone name (as the cluster's cronScheduleTimezone must
    be), or None."""
    if not isinstance(name, str) or not name:
        return "timezone must be an IANA time zone name, e.g. UTC or Europe/Berlin"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"timezone {name!r} is not an IANA time zone name — e.g. UTC or Europe/Berlin"
    return None


def triggers(cron: str, timezone: str, after: datetime) -> Iterator[datetime]:
    """The trigger times of a valid manifest ``cron`` strictly after ``after`` (an aware
    datetime), in ``timezone``, as aware datetimes, forever."""
    from croniter import croniter

    start = after.astimezone(ZoneInfo(timezone))
    iterator = croniter(standard_cron(cron), start)
    while True:
        yield iterator.get_next(datetime)


def next_trigger(cron: str, timezone: str, after: datetime) -> datetime:
    return next(triggers(cron, timezone, after))


def previous_triggers(cron: str, timezone: str, before: datetime) -> Iterator[datetime]:
    """The trigger times of ``cron`` at or before ``before``, newest first, forever."""
    from croniter import croniter

    start = before.astimezone(ZoneInfo(timezone))
    iterator = croniter(standard_cron(cron), start)
    if croniter.match(standard_cron(cron), start):
        yield start
    while True:
        yield iterator.get_prev(datetime)
