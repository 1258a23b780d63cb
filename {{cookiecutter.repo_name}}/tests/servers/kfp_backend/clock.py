"""The server's clock: whole seconds that tests can stop, set and move.

Every record the server writes is stamped in whole seconds, as the real server stores
`CreatedAtInSec`. A stamp is never the same second twice: on a real server two creations in one
second tie and list in UUID order, which would make "the latest version" random in tests that
publish twice within a second.

The clock follows the wall clock until a test calls `set` (or `advance`); from then on it stands
still at that moment, and only stamps move it, one second each. That is what lets a test say
"it is now 03:00 Berlin time" and watch the scheduled-workflow controller fire.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable


def epoch(moment: dt.datetime | float | int) -> int:
    """Whole Unix seconds of an aware datetime (a naive one is taken as UTC) or a number."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return int(moment.timestamp())
    return int(moment)


class TickingClock:
    """Whole seconds, strictly increasing across stamps; see the module docstring."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._base: int | None = None  # the stopped time, once a test took control
        self._last = 0  # the last stamp handed out
        self._lock = threading.Lock()

    def __call__(self) -> int:
        """A stamp for a new record: now, but later than every earlier stamp."""
        with self._lock:
            self._last = max(self._reading(), self._last + 1)
            return self._last

    def now(self) -> int:
        """The current second (never before a stamp already handed out); takes no stamp."""
        with self._lock:
            return max(self._reading(), self._last)

    def set(self, moment: dt.datetime | float | int) -> None:
        """Stop the clock at `moment`. It may move backwards: records written before keep
        their times, later stamps start at `moment`."""
        with self._lock:
            self._base = epoch(moment)
            self._last = min(self._last, self._base - 1)

    def advance(self, delta: dt.timedelta | float | int) -> int:
        """Move the (stopped) clock forward by `delta` from where it stood; returns the new
        second. Only moves the clock: `KfpApiServer.advance` also runs the controllers."""
        seconds = delta.total_seconds() if isinstance(delta, dt.timedelta) else delta
        if seconds < 0:
            raise ValueError("the clock only moves forward; use set() to go back")
        with self._lock:
            self._base = self._reading() + int(seconds)
            return max(self._base, self._last)

    def move_to(self, second: int) -> None:
        """Stop the clock at `second`, never behind where it stands (the controller's steps)."""
        with self._lock:
            self._base = max(self._reading(), second)

    def reading(self) -> int:
        """Where the clock stands, not counting the seconds stamps ran ahead of it."""
        with self._lock:
            return self._reading()

    @property
    def stopped(self) -> bool:
        return self._base is not None

    def _reading(self) -> int:
        return self._base if self._base is not None else int(self._wall())
