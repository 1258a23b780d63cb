# Do not edit: the template owns this file (make template-update brings its changes).
"""What is wrong with a schedule's runs in a window: pure, from runs already fetched.

- **failed**: a run created in the window that ended FAILED (v1 "Failed"/"Error" too);
- **over max_duration**: a run still going, or one that finished, longer than the SLO allows
  (measured from its creation);
- **missed**: a trigger of the cron (in the environment's time zone) at which no run appeared
  within ``start_within``. Expected only from enabled recurring runs, only after one was
  created, and only once ``start_within`` has passed. A pinned recurring run's runs carry the
  slot as ``scheduled_at``; otherwise a run created within ``start_within`` of the slot counts.

Each finding has an ``id`` stable across monitor passes (``failed:<run id>``,
``missed:<slot>``...): reports remember which ids they told, so overlapping windows report
nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scripts.core.cron import triggers
from scripts.core.durations import format_duration
from scripts.repo.schedules import Schedule
from scripts.targets.kfp.run_queries import RunRow
from scripts.targets.schedules.model import RemoteSchedule

FAILED, OVER, MISSED = "failed", "over max_duration", "missed"
SLOT_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True)
class Finding:
    kind: str
    id: str
    at: datetime  # when it happened: the run's creation, or the missed slot
    run_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Health:
    """One schedule over one window."""

    findings: tuple[Finding, ...]
    runs: int  # runs seen in the window
    last_state: str  # of the newest finished run in the window ("" when none)

    @property
    def healthy(self) -> bool:
        """No breach, and the newest finished run succeeded: a breach before is over."""
        return not self.findings and self.last_state == "SUCCEEDED"


def assess(
    schedule: Schedule,
    recurring_runs: Sequence[RemoteSchedule],
    runs: Sequence[RunRow],
    *,
    start: datetime,
    now: datetime,
    timezone: str,
) -> Health:
    ids = {rr.recurring_run_id for rr in recurring_runs}
    mine = [run for run in runs if run.recurring_run_id in ids]
    in_window = [run for run in mine if run.created_at and run.created_at >= start]
    findings = [*_failures(in_window), *_overruns(mine, schedule, start, now)]
    findings += _missed(schedule, recurring_runs, mine, start, now, timezone)
    # A success puts what came before it right: those findings are over, not news.
    successes = [run.created_at for run in in_window if run.state == "SUCCEEDED"]
    if successes:
        findings = [f for f in findings if f.at > max(successes)]
    finished = [run for run in in_window if run.finished_at and not run.active]
    last = max(finished, key=lambda run: run.finished_at, default=None)
    return Health(
        tuple(sorted(findings, key=lambda f: (f.at, f.id))),
        len(in_window),
        last.state if last else "",
    )


def _failures(runs: Sequence[RunRow]) -> list[Finding]:
    return [
        Finding(FAILED, f"failed:{run.run_id}", run.created_at, run.run_id, "failed")
        for run in runs
        if run.state == "FAILED" and run.created_at
    ]


def _overruns(runs: Sequence[RunRow], schedule: Schedule, start: datetime, now: datetime):
    limit = schedule.slo.max_duration
    if limit is None:
        return []
    found = []
    for run in runs:
        if run.created_at is None:
            continue
        end = now if run.active else run.finished_at
        if end is None or end - run.created_at <= limit or end < start:
            continue
        took = format_duration(end - run.created_at)
        detail = f"running for {took}" if run.active else f"took {took}"
        detail += f" (max_duration {format_duration(limit)})"
        found.append(Finding(OVER, f"over:{run.run_id}", run.created_at, run.run_id, detail))
    return found


def _missed(
    schedule: Schedule,
    recurring_runs: Sequence[RemoteSchedule],
    runs: Sequence[RunRow],
    start: datetime,
    now: datetime,
    timezone: str,
) -> list[Finding]:
    if not schedule.enabled:
        return []
    due_by = now - schedule.slo.start_within  # later slots may still start in time
    found = []
    for rr in recurring_runs:
        if not rr.enabled:
            continue
        runs_of = [run for run in runs if run.recurring_run_id == rr.recurring_run_id]
        created = rr.created_at or start
        begin = max(start, created if created.tzinfo else created.replace(tzinfo=UTC))
        for slot in triggers(schedule.cron, timezone, begin):
            if slot > due_by:
                break
            if not any(_started_for(run, slot, schedule.slo.start_within) for run in runs_of):
                at = slot.astimezone(UTC)
                detail = f"no run within {format_duration(schedule.slo.start_within)}"
                found.append(Finding(MISSED, f"missed:{at:%Y-%m-%dT%H:%MZ}", at, "", detail))
    return found


def _started_for(run: RunRow, slot: datetime, start_within: timedelta) -> bool:
    if run.scheduled_at and abs(run.scheduled_at - slot) <= SLOT_TOLERANCE:
        return True
    return bool(run.created_at and slot <= run.created_at <= slot + start_within)
