# Do not edit: the template owns this file (make template-update brings its changes).
"""Which pull requests are closed, and since when: what ``cleanup --closed-before`` asks GitHub.

Two listings instead of one request per pull request: the open ones (usually a page or two),
then the closed ones, most recently updated first, until every number asked about is found.
A number found in neither (a deleted pull request) is not reported closed: its versions stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any


def closed_before(gh_repo: Any, numbers: Iterable[int], cutoff: datetime) -> frozenset[int]:
    """The pull requests among ``numbers`` closed (merged or not) at or before ``cutoff``."""
    wanted = set(numbers)
    if not wanted:
        return frozenset()
    for pull in gh_repo.get_pulls(state="open"):
        wanted.discard(pull.number)
    closed = set()
    if wanted:
        for pull in gh_repo.get_pulls(state="closed", sort="updated", direction="desc"):
            if pull.number not in wanted:
                continue
            wanted.discard(pull.number)
            closed_at = pull.closed_at
            if closed_at is not None and _aware(closed_at) <= cutoff:
                closed.add(pull.number)
            if not wanted:
                break
    return frozenset(closed)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
