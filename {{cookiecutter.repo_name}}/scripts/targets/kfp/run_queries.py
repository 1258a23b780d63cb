# Do not edit: the template owns this file (make template-update brings its changes).
"""The run queries a monitor pass needs: filtered and paged, never a scan of every run.

Two queries per chunk of recurring runs (``recurring_run_id IN [...]``, 40 ids a chunk so the
twice-encoded filter stays a short URL):

- every run created in the window (``created_at >= start``, as a ``timestamp_value``: a string
  would be compared with an integer column and match nearly everything), *whatever its state*:
  the states are classified here, so rows of older servers, whose ``state`` column is empty and
  invisible to any ``state`` filter, are still seen (their GET maps the v1 condition to a v2
  state, and both spellings are accepted anyway);
- the runs still active however old (``state IN`` the active states): a run started before the
  window can be the one running for nine hours.

Newest first (``created_at desc``), page by page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scripts.core.timestamps import EPOCH, set_time
from scripts.targets.kfp.api import KfpApi, list_filter, predicate

PAGE_SIZE = 200
CHUNK = 40
ACTIVE_STATES = ("PENDING", "RUNNING", "CANCELING", "PAUSED")
# Both spellings: v2 states, and the v1 / legacy conditions an older server stored.
STATE_NAMES = {
    "failed": "FAILED",
    "error": "FAILED",
    "succeeded": "SUCCEEDED",
    "done": "SUCCEEDED",
    "running": "RUNNING",
    "enabled": "RUNNING",
    "ready": "RUNNING",
    "pending": "PENDING",
    "skipped": "SKIPPED",
    "terminating": "CANCELING",
    "canceling": "CANCELING",
    "canceled": "CANCELED",
    "disabled": "CANCELED",
    "paused": "PAUSED",
}


@dataclass(frozen=True)
class RunRow:
    """A run, typed: its state in v2 spelling, times as aware datetimes (None when unset: the
    server sends 1970-01-01 for a run that has not finished)."""

    run_id: str
    recurring_run_id: str
    display_name: str
    state: str
    created_at: datetime | None
    scheduled_at: datetime | None
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES or self.state == "RUNTIME_STATE_UNSPECIFIED"


def normal_state(value: Any) -> str:
    text = str(value or "").rpartition(".")[2]
    return STATE_NAMES.get(text.lower(), text.upper() or "RUNTIME_STATE_UNSPECIFIED")


def run_row(run: Any) -> RunRow:
    return RunRow(
        run_id=run.run_id or "",
        recurring_run_id=run.recurring_run_id or "",
        display_name=run.display_name or "",
        state=normal_state(run.state),
        created_at=set_time(run.created_at),
        scheduled_at=set_time(run.scheduled_at),
        finished_at=set_time(run.finished_at),
    )


class RunQueries:
    def __init__(self, api: KfpApi):
        self.api = api
        self.requests = 0

    def runs_of(self, recurring_run_ids: Sequence[str], start: datetime) -> list[RunRow]:
        """Every run of these recurring runs created since ``start``, and every one still
        active, each once."""
        found: dict[str, RunRow] = {}
        for index in range(0, len(recurring_run_ids), CHUNK):
            ids = tuple(recurring_run_ids[index : index + CHUNK])
            since = predicate("created_at", "GREATER_THAN_EQUALS", start)
            active = predicate("state", "IN", ACTIVE_STATES)
            for extra in (since, active):
                for run in self._pages(list_filter(_ids(ids), extra)):
                    found[run.run_id] = run
        return sorted(found.values(), key=lambda r: (r.created_at or EPOCH, r.run_id))

    def _pages(self, filter_text: str) -> Iterator[RunRow]:
        token = ""
        while True:
            self.requests += 1
            response = self.api.call(
                "list runs",
                self.api.client.list_runs,
                page_token=token,
                page_size=PAGE_SIZE,
                sort_by="created_at desc",
                filter=filter_text,
                **({"namespace": self.api.namespace} if self.api.namespace else {}),
            )
            yield from (run_row(run) for run in response.runs or [])
            token = response.next_page_token or ""
            if not token:
                return


def _ids(ids: tuple[str, ...]) -> dict[str, Any]:
    if len(ids) == 1:
        return predicate("recurring_run_id", "EQUALS", ids[0])
    return predicate("recurring_run_id", "IN", ids)
