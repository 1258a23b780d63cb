"""Everything the Vertex AI test server holds: pipeline jobs, schedules, metadata, operations.

One `State` per server, guarded by `lock` (every request and control call holds it). Resource
names use the project NUMBER, as Vertex AI returns them (`projects/123.../locations/...`), while
requests may name the project by id or number: `location_name` and `resolve_project` are where
that translation lives.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

# PipelineState values (google.cloud.aiplatform.v1.PipelineState), wire names to numbers.
PIPELINE_STATES = {
    "PIPELINE_STATE_UNSPECIFIED": 0,
    "PIPELINE_STATE_QUEUED": 1,
    "PIPELINE_STATE_PENDING": 2,
    "PIPELINE_STATE_RUNNING": 3,
    "PIPELINE_STATE_SUCCEEDED": 4,
    "PIPELINE_STATE_FAILED": 5,
    "PIPELINE_STATE_CANCELLING": 6,
    "PIPELINE_STATE_CANCELLED": 7,
    "PIPELINE_STATE_PAUSED": 8,
}
TERMINAL_STATES = frozenset(
    {"PIPELINE_STATE_SUCCEEDED", "PIPELINE_STATE_FAILED", "PIPELINE_STATE_CANCELLED"}
)
# Schedule.State
SCHEDULE_STATES = {"STATE_UNSPECIFIED": 0, "ACTIVE": 1, "PAUSED": 2, "COMPLETED": 3}


@dataclass
class PipelineJobRecord:
    job_id: str
    name: str
    display_name: str
    pipeline_spec: dict[str, Any]
    runtime_config: dict[str, Any]
    labels: dict[str, str]
    service_account: str
    create_time: dt.datetime
    update_time: dt.datetime
    seq: int
    state: str = "PIPELINE_STATE_PENDING"
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    template_uri: str = ""
    template_version: str = ""
    schedule_name: str = ""
    network: str = ""
    error: dict[str, Any] | None = None
    # Set by a test (set_job_state): the simulated runner no longer moves this job.
    pinned: bool = False

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def set_state(self, state: str, at: dt.datetime) -> None:
        """Move to `state` at `at`, stamping start and end the way Vertex AI fills them."""
        self.state = state
        self.update_time = at
        if state in ("PIPELINE_STATE_RUNNING", *TERMINAL_STATES) and self.start_time is None:
            self.start_time = at
        if state in TERMINAL_STATES:
            self.end_time = at


@dataclass
class ScheduleRecord:
    schedule_id: str
    name: str
    display_name: str
    cron: str
    create_pipeline_job_request: dict[str, Any]
    create_time: dt.datetime
    update_time: dt.datetime
    seq: int
    max_concurrent_run_count: int
    state: str = "ACTIVE"
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    max_run_count: int = 0
    allow_queueing: bool = False
    catch_up: bool = False
    started_run_count: int = 0
    last_pause_time: dt.datetime | None = None
    last_resume_time: dt.datetime | None = None
    last_scheduled_run_response: dict[str, Any] | None = None
    # Firing bookkeeping (firing.py): `queued` fire times wait for a free slot, `missed` ones
    # passed while PAUSED (catch-up material), `skipped` ones found the schedule full.
    next_run_time: dt.datetime | None = None
    queued: list[dt.datetime] = field(default_factory=list)
    missed: list[dt.datetime] = field(default_factory=list)
    skipped: list[dt.datetime] = field(default_factory=list)


@dataclass
class ContextRecord:
    store: str
    context_id: str
    name: str
    schema_title: str
    create_time: dt.datetime
    update_time: dt.datetime
    seq: int
    display_name: str = ""
    schema_version: str = ""
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    etag: int = 1


@dataclass
class MetadataStoreRecord:
    name: str
    create_time: dt.datetime
    description: str = ""


class State:
    """All resources of one project and location."""

    def __init__(self, *, project_id: str, project_number: str, location: str) -> None:
        self.project_id = project_id
        self.project_number = project_number
        self.location = location
        self.lock = threading.RLock()
        self.jobs: dict[str, PipelineJobRecord] = {}
        self.schedules: dict[str, ScheduleRecord] = {}
        self.metadata_stores: dict[str, MetadataStoreRecord] = {}
        self.contexts: dict[tuple[str, str], ContextRecord] = {}
        self.operations: dict[str, dict[str, Any]] = {}
        self._sequence = itertools.count(1)

    @property
    def location_name(self) -> str:
        return f"projects/{self.project_number}/locations/{self.location}"

    def resolve_project(self, project: str) -> bool:
        """Whether `project` (an id or a number, as requests may use either) is ours."""
        return project in (self.project_id, self.project_number)

    def next_seq(self) -> int:
        """A number never handed out before: creation order, and the tail of generated ids."""
        return next(self._sequence)

    def numeric_id(self) -> str:
        """A server-assigned id, shaped like Vertex AI's long decimal ones."""
        return str(4_870_000_000_000_000_000 + self.next_seq())

    def schedule_by_name(self, name: str) -> ScheduleRecord | None:
        return self.schedules.get(name.rsplit("/", 1)[-1])
