"""Schedule.cron: five-field Unix cron with an optional `TZ=` or `CRON_TZ=` IANA zone prefix.

The v1 `Schedule.cron` reference documents the prefix ("CRON_TZ=America/New_York 1 * * * *");
without it the schedule runs in UTC. The arithmetic, including daylight-saving changes, is
croniter's. Assumption: the service accepts only the five standard fields (no seconds field,
no @-macros); anything else is INVALID_ARGUMENT.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from tests.servers.vertex_backend.errors import invalid_argument

_PREFIX = re.compile(r"^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$")


@dataclass(frozen=True)
class CronSpec:
    expression: str
    zone: ZoneInfo

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first fire time strictly after `moment`, in UTC."""
        fire = croniter(self.expression, moment.astimezone(self.zone)).get_next(dt.datetime)
        return fire.astimezone(dt.UTC)


def parse_cron(text: str) -> CronSpec:
    """The schedule `text` describes, or ApiError 400 INVALID_ARGUMENT saying what is wrong."""
    text = text.strip()
    zone_name, expression = "UTC", text
    prefixed = _PREFIX.match(text)
    if prefixed:
        zone_name, expression = prefixed.group(1), prefixed.group(2).strip()
    elif text.startswith(("TZ=", "CRON_TZ=")):
        raise invalid_argument(f"Invalid cron {text!r}: a time zone prefix needs an expression.")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid_argument(
            f"Invalid cron {text!r}: {zone_name!r} is not an IANA time zone."
        ) from None
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise invalid_argument(
            f"Invalid cron {text!r}: expected five fields (minute hour day-of-month month "
            "day-of-week)."
        )
    return CronSpec(expression=expression, zone=zone)
