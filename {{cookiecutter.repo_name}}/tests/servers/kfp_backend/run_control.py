"""The test hooks of `KfpApiServer` for runs and schedules: what Argo, the persistence agent and
the scheduled-workflow controller would do on a cluster, done when a test asks.

Everything is thread-safe and may be called while clients talk to the server. Times are the
server clock's (`server.clock`); a `moment` may be an aware datetime, a naive one (taken as UTC)
or Unix seconds.
"""

from __future__ import annotations

import datetime as dt

from .backend import Backend
from .clock import epoch
from .run_records import V2_STATES, RunRecord, known_state, to_v2
from .scheduler import Controller, set_state

Moment = dt.datetime | float | int


class RunControl:
    """Mixed into `KfpApiServer`; needs its `backend`."""

    backend: Backend

    def __init__(self, backend: Backend) -> None:
        self.controller = Controller(backend)

    # -- the scheduled-workflow controller ---------------------------------------------------

    def fire_schedules(self) -> list[RunRecord]:
        """Run the controller at the current second: every recurring run fires what is due,
        one slot per sync, syncs repeating until none fires (so catch-up walks every missed
        slot). Terminated runs are reported CANCELED first. Returns the runs created."""
        return self.controller.fire_schedules()

    def advance(self, delta: dt.timedelta | float) -> list[RunRecord]:
        """Move the clock forward by `delta`, running the controller at every second on the
        way at which a slot falls due or a run finishes (see `finish_runs_after`), and at the
        end: a controller that was up all along. To play one that was down, `clock.set()` or
        `clock.advance()` first and `fire_schedules()` after. Returns the runs created."""
        seconds = delta.total_seconds() if isinstance(delta, dt.timedelta) else delta
        if seconds < 0:
            raise ValueError("advance() only moves forward; use clock.set() to go back")
        return self.controller.advance(int(seconds))

    def advance_to(self, moment: Moment) -> list[RunRecord]:
        """`advance` up to `moment` (which must not be in the clock's past)."""
        return self.advance(epoch(moment) - self.backend.store.clock.reading())

    def finish_runs_after(
        self, duration: dt.timedelta | float | None, state: str = "SUCCEEDED"
    ) -> None:
        """From now on, active runs end in `state` `duration` after their creation (checked
        whenever the controller runs); None turns this off (runs stay as they are)."""
        if duration is None:
            self.controller.finish_after = None
            return
        seconds = duration.total_seconds() if isinstance(duration, dt.timedelta) else duration
        self.controller.finish_state = _v2_state(state)
        self.controller.finish_after = int(seconds)

    @property
    def controller_errors(self) -> list[str]:
        """Submissions the controller could not make (e.g. an unpinned recurring run whose
        pipeline has no version left); their slots stay due."""
        return list(self.controller.errors)

    # -- runs ---------------------------------------------------------------------------------

    def set_run_state(self, run_id: str, state: str, at: Moment | None = None) -> RunRecord:
        """Report `state` for a run as the persistence agent would: both state columns, the
        history, and `finished_at` for a final state (SUCCEEDED, FAILED, SKIPPED, CANCELED...),
        all at `at` (default: now). A run whose workflow was garbage-collected with its
        recurring run cannot change any more: that raises `RuntimeError`."""
        store = self.backend.store
        with store.lock:
            run = store.get_run(run_id)
            if run.workflow_gone:
                raise RuntimeError(
                    f"run {run_id}'s workflow was garbage-collected when its recurring run was "
                    "deleted; nothing reports a state for it any more"
                )
            set_state(run, _v2_state(state), store.clock.now() if at is None else epoch(at))
            return run

    def insert_legacy_run(
        self,
        *,
        conditions: str = "Failed",
        display_name: str = "legacy-run",
        experiment_id: str = "",
        recurring_run_id: str = "",
        created_at: Moment | None = None,
        finished_at: Moment | None = None,
    ) -> RunRecord:
        """A row written before the `State` column existed: `State` NULL, `Conditions` a v1
        string such as "Failed" or "Running". GET shows the mapped v2 state; no `state` filter
        matches it (not even NOT_EQUALS), a `status` filter does; terminate refuses it."""
        store = self.backend.store
        with store.lock:
            if not experiment_id:
                if self.backend.multi_user:
                    raise ValueError("multi-user mode: give the legacy run an experiment_id")
                experiment_id = store.ensure_default_experiment("")
            namespace = store.get_experiment(experiment_id).namespace
            run = store.insert_run(
                RunRecord(
                    uuid="",
                    display_name=display_name,
                    description="",
                    experiment_id=experiment_id,
                    namespace=namespace,
                    pipeline_id="",
                    pipeline_version_id="",
                    pipeline_spec={"pipelineInfo": {"name": display_name}},
                    runtime_config=None,
                    service_account="pipeline-runner",
                    created_at=0,
                    state=None,
                    conditions=conditions,
                    recurring_run_id=recurring_run_id,
                )
            )
            if created_at is not None:
                run.created_at = run.scheduled_at = epoch(created_at)
            if finished_at is not None:
                run.finished_at = epoch(finished_at)
            return run

    def runs_of(self, recurring_run_id: str) -> list[RunRecord]:
        """The runs a recurring run created (its `JobUUID`), oldest first."""
        with self.backend.store.lock:
            runs = [
                r
                for r in self.backend.store.runs.values()
                if r.recurring_run_id == recurring_run_id
            ]
        return sorted(runs, key=lambda r: (r.created_at, r.uuid))

    @property
    def killed_by_delete(self) -> list[RunRecord]:
        """Runs that were active when their recurring run was deleted without
        `propagation_policy=ORPHAN`: Kubernetes garbage-collected their workflows, so they keep
        their last state (RUNNING, PENDING...) forever. A client that deletes a recurring run
        while its runs are active shows up here."""
        with self.backend.store.lock:
            gone = [r for r in self.backend.store.runs.values() if r.workflow_gone]
        return sorted(gone, key=lambda r: (r.created_at, r.uuid))

    def now(self) -> dt.datetime:
        """The server clock's current second, as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.backend.store.clock.now(), tz=dt.UTC)


def _v2_state(state: str) -> str:
    """A v2 state name, or a legacy spelling the server maps to one ("Failed", "Error")."""
    if not known_state(state):
        raise ValueError(f"unknown run state {state!r}; expected one of {', '.join(V2_STATES)}")
    return to_v2(state)
