# Do not edit: the template owns this file (make template-update brings its changes).
"""The window a monitor pass looks at: ``--since 2h``, or ``--since auto``.

``auto`` needs no stored state: it reads the monitor's own schedule (``monitor_cron`` in
environments.yml, in UTC as GitHub runs schedules) and looks back two of its intervals, so
each pass overlaps the one before by a whole interval. GitHub starts scheduled workflows late,
sometimes by many minutes, and the overlap absorbs that; what overlapping passes both see is
reported once, because reports remember the ids they told.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice

from scripts.core.cron import previous_triggers
from scripts.core.durations import parse_duration
from scripts.core.errors import ConfigError, UsageError
from scripts.repo.environments import ENVIRONMENTS_FILE, Environment

MINIMUM_OVERLAP = timedelta(minutes=15)


def window_start(since: str, environment: Environment, now: datetime) -> datetime:
    if since != "auto":
        try:
            return now - parse_duration(since)
        except ValueError as error:
            raise UsageError(f"--since {error}, or auto") from None
    if not environment.monitor_cron:
        raise ConfigError(
            f"--since auto needs environments.{environment.name}.monitor_cron (the monitor's "
            "schedule, e.g. '*/30 * * * *') — set it, or pass --since 2h",
            path=ENVIRONMENTS_FILE,
        )
    last, before = islice(previous_triggers(environment.monitor_cron, "UTC", now), 2)
    interval = last - before
    return now - max(2 * interval, interval + MINIMUM_OVERLAP)
