"""The test's handles on the Vertex AI test server (mixed into `VertexApiServer`).

Time: `clock` (set/advance; schedules catch up on the next request or control call),
`advance_to`/`advance` (move it and return the runs schedules started). Runs:
`set_job_state`, `finish_jobs_after`. Refusals: `deny`, `fail_next`. Looking: `requests`,
`jobs`, `schedules`, `contexts`, `job(...)`, `schedule(...)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tests.servers.vertex_backend.clock import Clock, aware
from tests.servers.vertex_backend.firing import RunRule, Simulation
from tests.servers.vertex_backend.gateway import Fault, Gateway, RecordedRequest
from tests.servers.vertex_backend.pipeline_jobs import FAILED_DAG
from tests.servers.vertex_backend.state import (
    PIPELINE_STATES,
    TERMINAL_STATES,
    ContextRecord,
    PipelineJobRecord,
    ScheduleRecord,
    State,
)


class VertexControl:
    state: State
    gateway: Gateway
    simulation: Simulation

    @property
    def clock(self) -> Clock:
        return self.gateway.clock

    # -- time --------------------------------------------------------------------------------

    def advance_to(self, moment: dt.datetime) -> list[PipelineJobRecord]:
        """Set the clock to `moment` and play everything due by then; the runs schedules
        started, oldest first."""
        self.clock.set(moment)
        return self._settle()

    def advance(self, delta: dt.timedelta) -> list[PipelineJobRecord]:
        return self.advance_to(self.clock.now() + delta)

    def _settle(self) -> list[PipelineJobRecord]:
        with self.state.lock:
            return self.simulation.settle(self.clock.now())

    # -- runs ----------------------------------------------------------------------------------

    def set_job_state(
        self,
        job: str,
        state: str,
        end_time: dt.datetime | None = None,
        error: str | None = None,
    ) -> PipelineJobRecord:
        """Put a job (id or resource name) in `state` now (a terminal state at `end_time` if
        given); the simulated runner leaves it there. FAILED carries `error` as its message."""
        if state not in PIPELINE_STATES:
            raise ValueError(f"unknown pipeline state {state!r}; one of {sorted(PIPELINE_STATES)}")
        with self.state.lock:
            self._settle()
            record = self.job(job)
            at = aware(end_time) if end_time and state in TERMINAL_STATES else self.clock.now()
            record.pinned = True
            if state not in TERMINAL_STATES:  # back to work: no end, no error
                record.end_time, record.error = None, None
            record.set_state(state, at)
            if state == "PIPELINE_STATE_FAILED":
                record.error = {"code": 9, "message": error or FAILED_DAG}
            self.simulation.slot_freed(record, at)
            return record

    def finish_jobs_after(
        self,
        duration: dt.timedelta,
        state: str = "PIPELINE_STATE_SUCCEEDED",
        where: Callable[[PipelineJobRecord], bool] | None = None,
    ) -> None:
        """From now on, running jobs (those `where` selects; all when None) end in `state`
        `duration` after they started. The latest matching rule wins; `duration` may be long
        (an over-long run) and `state` FAILED or CANCELLED."""
        if state not in TERMINAL_STATES:
            raise ValueError(f"{state!r} is not a terminal state")
        with self.state.lock:
            self.simulation.rules.append(RunRule(duration, state, where))

    def keep_jobs_running(self) -> None:
        """Forget every finishing rule: jobs run until a test ends them."""
        with self.state.lock:
            self.simulation.rules.clear()

    # -- refusals --------------------------------------------------------------------------------

    def deny(self, permission: str, principal: str | None = None) -> None:
        """IAM refuses `permission` (to `principal` only, when given): 403 PERMISSION_DENIED.
        Also "iam.serviceAccounts.getAccessToken" for the impersonation endpoint."""
        with self.state.lock:
            self.gateway.denied.add((permission, principal))

    def allow(self, permission: str, principal: str | None = None) -> None:
        with self.state.lock:
            self.gateway.denied.discard((permission, principal))

    def fail_next(
        self,
        status: int,
        count: int = 1,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next `count` Vertex AI calls (or requests whose path contains
        `path_contains`, token endpoints included; of `method` only, when given) with
        `status`: 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 500 INTERNAL..."""
        with self.state.lock:
            self.gateway.faults.append(Fault(status, count, path_contains, method))

    # -- looking ---------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, token requests included (subject tokens left out)."""
        return self.gateway.requests()

    def clear_requests(self) -> None:
        self.gateway.clear_requests()

    @property
    def jobs(self) -> list[PipelineJobRecord]:
        """Pipeline jobs in creation order, as of now (schedules caught up first)."""
        with self.state.lock:
            self._settle()
            return sorted(self.state.jobs.values(), key=lambda job: job.seq)

    @property
    def schedules(self) -> list[ScheduleRecord]:
        with self.state.lock:
            self._settle()
            return sorted(self.state.schedules.values(), key=lambda schedule: schedule.seq)

    @property
    def contexts(self) -> list[ContextRecord]:
        with self.state.lock:
            return sorted(self.state.contexts.values(), key=lambda context: context.seq)

    def job(self, job: str) -> PipelineJobRecord:
        """A job by id or resource name; KeyError if there is none."""
        return self.state.jobs[job.rsplit("/", 1)[-1]]

    def schedule(self, schedule: str) -> ScheduleRecord:
        """A schedule by id or resource name; KeyError if there is none."""
        return self.state.schedules[schedule.rsplit("/", 1)[-1]]

    def token_for(self, principal: str) -> str:
        """A bearer token for `principal`, for tests that call the API without google-auth."""
        return self.gateway.tokens.issue_for(principal)
