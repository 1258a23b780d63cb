"""Time on the Vertex AI test server: a clock tests can stop and move, and RFC 3339 text.

The clock follows the wall clock until a test calls `set`; from then on it stands where it was
put. Schedules fire by this clock (see `firing`), so "it is now 03:00 in Amsterdam" is one call.
Access tokens are NOT checked against it: clients judge token expiry by the wall clock, so the
server must too, or setting the clock a day ahead would log everyone out.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

UTC = dt.UTC


def aware(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Clock:
    """UTC now: the wall clock, or the moment a test set."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._fixed or dt.datetime.now(UTC)

    def set(self, moment: dt.datetime) -> None:
        """Stop the clock at `moment` (it may go backwards; nothing already done is undone)."""
        with self._lock:
            self._fixed = aware(moment)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Stop the clock `delta` after now; returns the new now."""
        with self._lock:
            self._fixed = (self._fixed or dt.datetime.now(UTC)) + delta
            return self._fixed

    @property
    def stopped(self) -> bool:
        return self._fixed is not None


def rfc3339(moment: dt.datetime) -> str:
    """As Google's JSON writes a Timestamp: UTC, 'Z', fractional seconds only when non-zero."""
    moment = aware(moment)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# Up to nine fractional digits (protobuf's nanoseconds); Python keeps six.
_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_rfc3339(text: str) -> dt.datetime:
    """An RFC 3339 timestamp with an offset or 'Z'; ValueError for anything else."""
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", text
    ):
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    return aware(dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text.upper())))
