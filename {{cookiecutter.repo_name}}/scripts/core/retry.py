# Do not edit: the template owns this file (make template-update brings its changes).
"""Bounded retries with backoff, shared by every client of a remote service (KFP, Vertex AI,
Artifact Registry, Polyaxon): the policy, and ``call_with_retries``, the one loop they run."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by both attempts and total time."""

    attempts: int = 6
    total_seconds: float = 60.0
    base_delay: float = 0.25
    max_delay: float = 8.0

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(self.max_delay, max(0.0, retry_after))
        ceiling = min(self.max_delay, self.base_delay * (2**retry_number))
        return random.uniform(ceiling / 2, ceiling)


class Failed(Exception):
    """``call_with_retries`` stopped: ``error`` is the last failure, ``attempts`` how many tries
    it took (1: not retried, the failure was not transient). Callers translate it into their
    own one-line error."""

    def __init__(self, error: BaseException, attempts: int):
        super().__init__(str(error))
        self.error = error
        self.attempts = attempts


def call_with_retries(
    function: Callable[[], Any],
    policy: RetryPolicy,
    *,
    transient: Callable[[BaseException], bool | float],
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[], None] = lambda: None,
) -> Any:
    """``function()``, retried while ``transient(error)`` says so, within the policy's attempts
    and total time. ``transient`` returns False (give up now), True (retry with backoff) or a
    number of seconds (the server's Retry-After). An error ``transient`` raises itself (an
    unexpected kind, a bug) propagates unchanged; any other end is ``Failed``."""
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return function()
        except Exception as error:
            verdict = transient(error)
            if verdict is False:
                raise Failed(error, attempt) from error
            retry_after = None if verdict is True else float(verdict)
            delay = policy.delay(attempt - 1, retry_after)
            if attempt >= policy.attempts or time.monotonic() - started + delay > (
                policy.total_seconds
            ):
                raise Failed(error, attempt) from error
        on_retry()
        sleep(delay)
