# Do not edit: the template owns this file (make template-update brings its changes).
"""Bounded retries with backoff, shared by every client of a remote service (KFP, Polyaxon)."""

from __future__ import annotations

import random
from dataclasses import dataclass


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
