"""Cron expressions as `github.com/robfig/cron` v1.2.0 reads them (the version KFP pins).

robfig's default parser (`cron.Parse`, parser.go) takes a seconds field first and an optional
day-of-week: `sec min hour dom month [dow]`. Five fields therefore mean "no day-of-week", not
"no seconds": `0 3 * * *` is second 0 of minute 3 of every hour. Day of week is 0-6 (7 is out of
range), names (`jan`, `mon`) are accepted in any case, `?` is `*`, `a/n` means `a-max/n`, and
descriptors (`@daily`, `@every 1h30m`) are recognised when the spec starts with `@`. The day
fields combine the classic way (spec.go, `dayMatches`): when either was written with `*` or `?`
(the "star bit", which `*/2` sets too) both must match, otherwise either may.

Parsing and its error messages are robfig's own, written out here. The arithmetic (the next
time a schedule fires, in a time zone) is `croniter`'s: each parsed field is handed over as an
explicit list of values, with `day_or` set from the star bits, so croniter's own reading of
ranges, steps and names never comes into play. Not modelled: robfig's `Next` gives up after five
years and returns the zero time, which the KFP controller would then fire at once (a cron that
can never match, such as `0 0 0 31 2 *`); here such a schedule simply never fires. Around a
daylight-saving change croniter's answer may differ from Go's `time.Date` normalisation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from croniter import croniter

CRON_FORMAT_ERROR = (
    "Schedule cron is not a supported format(https://godoc.org/github.com/robfig/cron). Error: "
)


class CronError(ValueError):
    """robfig's parse error; `str()` is its message."""


@dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    names: dict[str, int] | None = None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# second, minute, hour, day of month, month, day of week
_FIELDS = (
    _Bounds(0, 59),
    _Bounds(0, 59),
    _Bounds(0, 23),
    _Bounds(1, 31),
    _Bounds(1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    _Bounds(0, 6, {name: i for i, name in enumerate(_DAYS)}),
)
_DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}


@dataclass(frozen=True)
class Field:
    values: frozenset[int]
    star: bool  # written with `*` or `?` somewhere (robfig's starBit)


class Schedule:
    """When a parsed expression fires. `next(t)` is the first firing strictly after `t`."""

    def next(self, after: int, zone: ZoneInfo) -> int | None:
        raise NotImplementedError

    def last_at_or_before(self, bound: int, zone: ZoneInfo) -> int | None:
        raise NotImplementedError


@dataclass(frozen=True)
class EverySchedule(Schedule):
    """`@every <duration>`: a constant delay from the previous firing, not a wall-clock time."""

    delay: int  # whole seconds, at least 1

    def next(self, after: int, zone: ZoneInfo) -> int | None:
        return after + self.delay

    def last_at_or_before(self, bound: int, zone: ZoneInfo) -> int | None:
        return None  # only meaningful relative to an anchor; see `latest_slot`


@dataclass(frozen=True)
class SpecSchedule(Schedule):
    fields: tuple[Field, ...]

    def next(self, after: int, zone: ZoneInfo) -> int | None:
        return self._walk(after, zone, backwards=False)

    def last_at_or_before(self, bound: int, zone: ZoneInfo) -> int | None:
        return self._walk(bound + 1, zone, backwards=True)

    def _walk(self, start: int, zone: ZoneInfo, *, backwards: bool) -> int | None:
        if any(not f.values for f in self.fields):
            return None  # an empty field (e.g. ",") never matches
        second, minute, hour, dom, month, dow = (
            ",".join(str(v) for v in sorted(f.values)) for f in self.fields
        )
        # croniter's six-field form puts the seconds last.
        expression = f"{minute} {hour} {dom} {month} {dow} {second}"
        day_or = not (self.fields[3].star or self.fields[5].star)
        moment = dt.datetime.fromtimestamp(start, tz=zone)
        try:
            iterator = croniter(expression, moment, day_or=day_or, max_years_between_matches=5)
            found = iterator.get_prev(dt.datetime) if backwards else iterator.get_next(dt.datetime)
        except Exception:  # croniter's "no match within the limit" errors
            return None
        return int(found.timestamp())


def parse(spec: str) -> Schedule:
    """`cron.Parse(spec)`: raises `CronError` with robfig's message."""
    if not spec:
        raise CronError("Empty spec string")
    if spec[0] == "@":
        return _descriptor(spec)
    fields = spec.split()
    if not 5 <= len(fields) <= 6:
        raise CronError(f"Expected 5 to 6 fields, found {len(fields)}: {spec}")
    fields = fields + ["*"] * (6 - len(fields))
    return SpecSchedule(
        tuple(_field(text, bounds) for text, bounds in zip(fields, _FIELDS, strict=True))
    )


def _descriptor(spec: str) -> Schedule:
    if spec in _DESCRIPTORS:
        return parse(_DESCRIPTORS[spec])
    if spec.startswith("@every "):
        try:
            nanoseconds = parse_go_duration(spec[len("@every ") :])
        except CronError as exc:
            raise CronError(f"Failed to parse duration {spec}: {exc}") from None
        # `Every`: under a second becomes a second; anything below a second is dropped.
        return EverySchedule(max(nanoseconds, 10**9) // 10**9)
    raise CronError(f"Unrecognized descriptor: {spec}")


def _field(text: str, bounds: _Bounds) -> Field:
    """`getField`: a comma list of ranges (empty items skipped, as FieldsFunc does)."""
    values: set[int] = set()
    star = False
    for expression in (part for part in text.split(",") if part):
        more, starred = _range(expression, bounds)
        values |= more
        star = star or starred
    return Field(frozenset(values), star)


def _range(expression: str, bounds: _Bounds) -> tuple[set[int], bool]:
    """`getRange`: `*`, `?`, `n`, `a-b`, each optionally `/step`."""
    range_and_step = expression.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    star = low_and_high[0] in ("*", "?")
    if star:
        start, end = bounds.low, bounds.high
    else:
        start = _int_or_name(low_and_high[0], bounds.names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], bounds.names)
        else:
            raise CronError(f"Too many hyphens: {expression}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:  # "N/step" means "N-max/step"
            end = bounds.high
    else:
        raise CronError(f"Too many slashes: {expression}")
    if start < bounds.low:
        raise CronError(f"Beginning of range ({start}) below minimum ({bounds.low}): {expression}")
    if end > bounds.high:
        raise CronError(f"End of range ({end}) above maximum ({bounds.high}): {expression}")
    if start > end:
        raise CronError(f"Beginning of range ({start}) beyond end of range ({end}): {expression}")
    if step == 0:
        raise CronError(f"Step of range should be a positive number: {expression}")
    return set(range(start, end + 1, step)), star


def _int_or_name(text: str, names: dict[str, int] | None) -> int:
    if names and text.lower() in names:
        return names[text.lower()]
    return _must_parse_int(text)


def _must_parse_int(text: str) -> int:
    """`mustParseInt`, whose error quotes Go's `strconv.Atoi`."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise CronError(
            f"Failed to parse int from {text}: strconv.Atoi: parsing {json.dumps(text)}: "
            "invalid syntax"
        )
    number = int(text)
    if not -(2**63) <= number < 2**63:
        raise CronError(
            f"Failed to parse int from {text}: strconv.Atoi: parsing {json.dumps(text)}: "
            "value out of range"
        )
    if number < 0:
        raise CronError(f"Negative number ({number}) not allowed: {text}")
    return number


_UNITS = {
    "ns": 1,
    "us": 10**3,
    "µs": 10**3,  # U+00B5
    "μs": 10**3,  # U+03BC
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def parse_go_duration(text: str) -> int:
    """Go's `time.ParseDuration` in nanoseconds (`-1h30m`, `1.5s`, `300ms`), same errors."""
    original, rest, negative = text, text, False
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise CronError(f"time: invalid duration {json.dumps(original)}")
    total = 0
    while rest:
        match = _DURATION_PART.match(rest)
        whole, fraction, unit = match.group(1), match.group(2), match.group(3)
        if not whole and not fraction:
            raise CronError(f"time: invalid duration {json.dumps(original)}")
        if not unit:
            raise CronError(f"time: missing unit in duration {json.dumps(original)}")
        if unit not in _UNITS:
            raise CronError(
                f"time: unknown unit {json.dumps(unit)} in duration {json.dumps(original)}"
            )
        scale = _UNITS[unit]
        total += int(whole or 0) * scale
        if fraction:
            total += int(int(fraction) * scale / 10 ** len(fraction))
        if total > 2**63 - 1:
            raise CronError(f"time: invalid duration {json.dumps(original)}")
        rest = rest[match.end() :]
    return -total if negative else total


def latest_slot(schedule: Schedule, first: int, bound: int, zone: ZoneInfo) -> int:
    """The last firing not after `bound`, counting from the firing `first` (itself when the
    next one is already past `bound`): what the controller's no-catch-up loop arrives at."""
    if isinstance(schedule, EverySchedule):
        if bound < first:
            return first
        return first + (bound - first) // schedule.delay * schedule.delay
    following = schedule.next(first, zone)
    if following is None or following > bound:
        return first
    last = schedule.last_at_or_before(bound, zone)
    return max(first, last) if last is not None else first
