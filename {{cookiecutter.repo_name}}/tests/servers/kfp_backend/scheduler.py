"""The scheduled-workflow controller and the persistence agent, run when a test says so.

On a cluster the SWF controller syncs each recurring run and fires at most one run per sync,
resyncing soon after a submission; the persistence agent reports workflow states back. Here
`fire_schedules()` plays both at the server clock's current second (syncs repeat until one fires
nothing), and `advance(delta)` moves the clock to every moment something is due in between (a
slot, a run finishing) and syncs there, as a controller that never stopped would.

Which slot is due follows `crd/controller/scheduledworkflow/util` at backend tag 2.17.0
(`scheduled_workflow.go`, `cron_schedule.go`, `periodic_schedule.go`):

- Reference point: the last trigger, else the schedule's `start_time`, else the SWF's creation.
  Cron: the first cron time strictly after the later of that and `start_time`, in the one
  configured time zone. Periodic: reference + interval, but `start_time` itself when it is later
  than the last trigger. Neither fires after `end_time`. No trigger at all: once, at creation.
- Catch-up (the default) fires the next slot after the last one, however old, one per sync.
  `no_catchup`: cron jumps to the last slot not after now; periodic reschedules to now when more
  than one interval was missed.
- Disabled: nothing fires. At or above `max_concurrency` active runs: nothing fires and the slot
  is not consumed.
- A pinned recurring run (version or inline spec) starts its workflow directly: the run carries
  the frozen spec, `scheduled_at` = the slot, `created_at` = now. An unpinned one goes through
  CreateRun with the pipeline id only, so it runs the latest version at trigger time, with
  `scheduled_at` = `created_at`; if that fails (no version left) the slot stays due and the
  error is logged in `errors`.
- Fired runs are named `<swf-name>-<index>-<fnv32a>` and carry `recurring_run_id`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from . import cron
from .backend import Backend
from .errors import ApiError
from .run_records import JobRecord, RunRecord, to_v1
from .runs import submit_run

MAX_SYNCS = 10_000


def workflow_name(swf_name: str, index: int) -> str:
    """`NextResourceName`: `<swf>-<index>-<fnv32a of "<swf>-<index>">`."""
    resource_id = f"{swf_name}-{index}"
    digest = 2166136261
    for byte in resource_id.encode():
        digest = ((digest ^ byte) * 16777619) & 0xFFFFFFFF
    return f"{resource_id}-{digest}"


def next_scheduled(job: JobRecord, now: int, zone: dt.tzinfo) -> int | None:
    """`ScheduledWorkflow.getNextScheduledEpoch`; None for "never again"."""
    catchup = not job.no_catchup
    reference = job.last_triggered
    if reference is None:
        reference = job.start_time if job.start_time is not None else job.created_at
    if job.interval_second is not None:
        return _periodic(job, reference, now, catchup)
    if job.cron is not None:
        return _cron(job, reference, now, zone, catchup)
    return job.created_at if job.last_triggered is None else None


def _periodic(job: JobRecord, reference: int, now: int, catchup: bool) -> int | None:
    interval = job.interval_second or 1
    if job.start_time is not None and job.start_time > reference:
        following: int | None = job.start_time
    else:
        following = reference + interval
        if job.end_time is not None and job.end_time < following:
            following = None
    if catchup or following is None or now < following + interval:
        return following
    return job.end_time if job.end_time is not None and job.end_time < now else now


def _cron(job: JobRecord, reference: int, now: int, zone: dt.tzinfo, catchup: bool) -> int | None:
    schedule = cron.parse(job.cron or "")
    start = max(reference, job.start_time) if job.start_time is not None else reference
    result = schedule.next(start, zone)
    if result is None or (job.end_time is not None and job.end_time < result):
        return None
    if catchup:
        return result
    bound = now if job.end_time is None else min(now, job.end_time)
    return cron.latest_slot(schedule, result, bound, zone)


@dataclass
class Controller:
    backend: Backend
    errors: list[str] = field(default_factory=list)  # failed submissions, oldest first
    # The persistence agent's stand-in for workflows finishing: active runs reach
    # `finish_state` this many seconds after creation (None: runs stay as they are).
    finish_after: int | None = None
    finish_state: str = "SUCCEEDED"

    def fire_schedules(self, max_syncs: int = MAX_SYNCS) -> list[RunRecord]:
        """Sync every recurring run at the current second until a pass fires nothing."""
        fired: list[RunRecord] = []
        for _ in range(max_syncs):
            self.report_states()
            new = [run for job in self._jobs() if (run := self._sync(job)) is not None]
            fired += new
            if not new:
                break
        return fired

    def advance(self, seconds: int) -> list[RunRecord]:
        """Move the clock forward, syncing at each moment something falls due on the way."""
        clock = self.backend.store.clock
        target = clock.reading() + seconds
        fired: list[RunRecord] = []
        while (moment := self._next_event(clock.now(), target)) is not None:
            clock.move_to(moment)
            fired += self.fire_schedules()
        clock.move_to(target)
        return fired + self.fire_schedules()

    def report_states(self) -> None:
        """The persistence agent: terminated runs end CANCELED; with `finish_after`, active
        runs end in `finish_state`. Runs whose workflow is gone never change again."""
        store = self.backend.store
        now = store.clock.now()
        with store.lock:
            for run in store.runs.values():
                if run.workflow_gone or run.state is None:
                    continue
                if run.state == "CANCELING":
                    set_state(run, "CANCELED", now)
                elif (finish := self._finish_time(run)) is not None and finish <= now:
                    set_state(run, self.finish_state, finish)

    def _finish_time(self, run: RunRecord) -> int | None:
        if (
            self.finish_after is None
            or run.workflow_gone
            or run.state in (None, "CANCELING")
            or not run.active
        ):
            return None
        return run.created_at + self.finish_after

    def _jobs(self) -> list[JobRecord]:
        with self.backend.store.lock:
            return sorted(self.backend.store.jobs.values(), key=lambda j: (j.created_at, j.uuid))

    def _next_event(self, now: int, target: int) -> int | None:
        """The earliest moment in (now, target] at which a slot falls due or a run finishes."""
        store = self.backend.store
        with store.lock:
            moments = [
                next_scheduled(job, now, self.backend.zone)
                for job in store.jobs.values()
                if job.enabled
            ]
            moments += [self._finish_time(run) for run in store.runs.values()]
        due = [m for m in moments if m is not None and now < m <= target]
        return min(due, default=None)

    def _sync(self, job: JobRecord) -> RunRecord | None:
        """One `syncHandler` pass for one recurring run: fire its due slot, if any."""
        store = self.backend.store
        with store.lock:
            if job.uuid not in store.jobs:
                return None  # deleted meanwhile
            now = store.clock.now()
            slot = next_scheduled(job, now, self.backend.zone)
            active = sum(
                1
                for run in store.runs.values()
                if run.recurring_run_id == job.uuid and run.active and not run.workflow_gone
            )
            if not job.enabled or active >= job.max_concurrency or slot is None or slot > now:
                return None
            run = self._submit(job, slot, workflow_name(job.k8s_name, job.last_index + 1))
            if run is None:
                return None
            job.last_triggered, job.last_index = slot, job.last_index + 1
            job.updated_at = now  # the persistence agent reports the SWF's new status
            return run

    def _submit(self, job: JobRecord, slot: int, name: str) -> RunRecord | None:
        if not job.pinned:
            body = {
                "experiment_id": job.experiment_id,
                "display_name": name,
                "recurring_run_id": job.uuid,
                "runtime_config": job.runtime_config or {},
                "pipeline_version_reference": {"pipeline_id": job.pipeline_id},
                "service_account": job.service_account,
            }
            try:
                return submit_run(self.backend, body)
            except ApiError as exc:
                self.errors.append(
                    f"failed to create a run from the scheduled workflow "
                    f"({job.namespace}/{job.k8s_name}): {exc.internal}"
                )
                return None
        run_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{job.uuid}/{name}"))
        store = self.backend.store
        if run_id in store.runs:
            return store.runs[run_id]  # already submitted by an earlier sync
        return store.insert_run(
            RunRecord(
                uuid=run_id,
                display_name=name,
                description="",
                experiment_id=job.experiment_id,
                namespace=job.namespace,
                pipeline_id=job.pipeline_id,
                pipeline_version_id=job.pipeline_version_id,
                pipeline_spec=job.pipeline_spec,
                runtime_config=job.runtime_config,
                service_account=job.service_account,
                created_at=0,
                scheduled_at=slot,
                recurring_run_id=job.uuid,
            )
        )


def set_state(run: RunRecord, state: str, moment: int) -> None:
    """A state change as the persistence agent reports it: both columns, the history, and
    `finished_at` for a final state."""
    run.state, run.conditions = state, to_v1(state)
    if not run.state_history or run.state_history[-1][1] != state:
        run.state_history.append((moment, state))
    if not run.active:
        run.finished_at = moment
