"""The parts of Vertex AI no HTTP call shows: the scheduler and the pipeline runner, played
against the server's clock.

`Simulation.settle(until)` replays every event up to `until` in time order: a job starting
(PENDING -> RUNNING after `start_delay`), a job ending (after the duration of the last matching
`RunRule`, in its state), a schedule firing (its cron in its zone), a schedule completing
(`endTime` passed). Jobs a test pinned with `set_job_state` stay where they were put.

A firing follows the v1 Schedule reference: no run while PAUSED (the fire time is remembered,
and `resume` with `catchUp` backfills those runs, "new runs will be scheduled after the backfill
is complete"); at most `maxConcurrentRunCount` unfinished runs, a firing beyond that skipped or,
with `allowQueueing`, queued until a run ends; COMPLETED after `maxRunCount` runs or at `endTime`.
A run copies `createPipelineJobRequest.pipelineJob` and carries `scheduleName`.

Assumptions: "concurrent runs" are the schedule's jobs not yet in a terminal state; a run's id
is `<pipeline name>-<yyyymmddhhmmss>`; backfilled runs queue rather than skip.
Deliberately stricter than Google: a run whose `templateUri` is an Artifact Registry URL ending
in a tag is created FAILED. The real service resolves the tag each time the schedule fires, so
moving the tag silently changes what a schedule runs; tests make that visible.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.servers.vertex_backend import pipeline_jobs
from tests.servers.vertex_backend.clock import rfc3339
from tests.servers.vertex_backend.cron import parse_cron
from tests.servers.vertex_backend.state import PipelineJobRecord, ScheduleRecord, State

SUCCEEDED = "PIPELINE_STATE_SUCCEEDED"


@dataclass(frozen=True)
class RunRule:
    """Jobs that `where` selects (all when None) run for `duration`, then end in `state`."""

    duration: dt.timedelta
    state: str = SUCCEEDED
    where: Callable[[PipelineJobRecord], bool] | None = None


class Simulation:
    def __init__(
        self, state: State, *, start_delay: dt.timedelta, run_duration: dt.timedelta | None
    ) -> None:
        self.state = state
        self.start_delay = start_delay
        self.rules: list[RunRule] = [RunRule(run_duration)] if run_duration is not None else []

    # -- the event loop ----------------------------------------------------------------------

    def settle(self, until: dt.datetime) -> list[PipelineJobRecord]:
        """Play every event up to `until`; returns the jobs schedules created meanwhile."""
        created: list[PipelineJobRecord] = []
        while True:
            job_event = self._next_job_event(until)
            schedule_event = self._next_schedule_event(until)
            if job_event and (not schedule_event or job_event[0] <= schedule_event[0]):
                at, job, new_state = job_event
                job.set_state(new_state, at)
                if new_state == "PIPELINE_STATE_FAILED":
                    job.error = {"code": 9, "message": pipeline_jobs.FAILED_DAG}
                created += self.slot_freed(job, at)
            elif schedule_event:
                created += self._fire(schedule_event[1], schedule_event[0])
            else:
                return created

    def _next_job_event(
        self, until: dt.datetime
    ) -> tuple[dt.datetime, PipelineJobRecord, str] | None:
        best = None
        for job in self.state.jobs.values():
            if job.pinned or job.terminal:
                continue
            if job.state == "PIPELINE_STATE_PENDING":
                event = (job.create_time + self.start_delay, job, "PIPELINE_STATE_RUNNING")
            elif job.state == "PIPELINE_STATE_RUNNING" and job.start_time:
                rule = self._rule_for(job)
                if rule is None:
                    continue
                event = (job.start_time + rule.duration, job, rule.state)
            else:
                continue
            if event[0] <= until and (best is None or (event[0], job.seq) < (best[0], best[1].seq)):
                best = event
        return best

    def _rule_for(self, job: PipelineJobRecord) -> RunRule | None:
        for rule in reversed(self.rules):
            if rule.where is None or rule.where(job):
                return rule
        return None

    def _next_schedule_event(self, until: dt.datetime) -> tuple[dt.datetime, ScheduleRecord] | None:
        best = None
        for schedule in self.state.schedules.values():
            if schedule.state == "COMPLETED" or schedule.next_run_time is None:
                continue
            at = schedule.next_run_time
            if schedule.end_time and schedule.end_time < at:
                at = schedule.end_time
            if at <= until and (best is None or (at, schedule.seq) < (best[0], best[1].seq)):
                best = (at, schedule)
        return best

    # -- schedules -------------------------------------------------------------------------------

    def restart(self, schedule: ScheduleRecord, at: dt.datetime) -> None:
        """Start counting fire times after `at` (creation, update): earlier ones never run."""
        schedule.queued.clear()
        schedule.missed.clear()
        first_possible = max(at, schedule.start_time or at)
        schedule.next_run_time = parse_cron(schedule.cron).next_after(first_possible)

    def _fire(self, schedule: ScheduleRecord, at: dt.datetime) -> list[PipelineJobRecord]:
        if schedule.end_time and schedule.end_time < (schedule.next_run_time or at):
            self._complete(schedule, schedule.end_time)
            return []
        schedule.next_run_time = parse_cron(schedule.cron).next_after(at)
        if schedule.state == "PAUSED":
            schedule.missed.append(at)
            return []
        if self._active_runs(schedule) < schedule.max_concurrent_run_count:
            return [self._start_run(schedule, at, at)]
        (schedule.queued if schedule.allow_queueing else schedule.skipped).append(at)
        return []

    def backfill(self, schedule: ScheduleRecord, at: dt.datetime) -> list[PipelineJobRecord]:
        """Resume with catch-up: the runs missed while paused go first in the queue."""
        schedule.queued[:0] = schedule.missed
        schedule.missed.clear()
        return self._drain(schedule, at)

    def slot_freed(self, job: PipelineJobRecord, at: dt.datetime) -> list[PipelineJobRecord]:
        """A job ended: its schedule may start a queued run."""
        schedule = self.state.schedule_by_name(job.schedule_name) if job.terminal else None
        return self._drain(schedule, at) if schedule else []

    def _drain(self, schedule: ScheduleRecord, at: dt.datetime) -> list[PipelineJobRecord]:
        created = []
        while (
            schedule.queued
            and schedule.state == "ACTIVE"
            and self._active_runs(schedule) < schedule.max_concurrent_run_count
        ):
            created.append(self._start_run(schedule, schedule.queued.pop(0), at))
        return created

    def _active_runs(self, schedule: ScheduleRecord) -> int:
        return sum(
            1
            for job in self.state.jobs.values()
            if job.schedule_name == schedule.name and not job.terminal
        )

    def _start_run(
        self, schedule: ScheduleRecord, scheduled_for: dt.datetime, at: dt.datetime
    ) -> PipelineJobRecord:
        body = schedule.create_pipeline_job_request["pipelineJob"]
        job = pipeline_jobs.new_job(self.state, body, self._run_id(body, at), at, schedule.name)
        tag = pipeline_jobs.template_tag(job.template_uri)
        if tag:
            job.pinned = True
            job.set_state("PIPELINE_STATE_FAILED", at)
            job.error = {
                "code": 3,
                "message": f"templateUri {job.template_uri} names the tag {tag!r}, not a "
                "version: a scheduled run must reference a template version "
                "(.../sha256:<digest>), or moving the tag changes what the schedule runs.",
            }
        schedule.started_run_count += 1
        schedule.last_scheduled_run_response = {
            "scheduledRunTime": rfc3339(scheduled_for),
            "runResponse": job.name,
        }
        if schedule.max_run_count and schedule.started_run_count >= schedule.max_run_count:
            self._complete(schedule, at)
        return job

    def _run_id(self, body: dict, at: dt.datetime) -> str:
        name = body["pipelineSpec"]["pipelineInfo"]["name"]
        base = f"{re.sub('[^a-z0-9-]+', '-', name.lower()).strip('-')[:100]}-{at:%Y%m%d%H%M%S}"
        candidate, suffix = base, 1
        while candidate in self.state.jobs:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        return candidate

    def _complete(self, schedule: ScheduleRecord, at: dt.datetime) -> None:
        schedule.state = "COMPLETED"
        schedule.update_time = at
        schedule.next_run_time = None
        schedule.queued.clear()
