"""Rows of the `run_details` and `jobs` tables, and the run-state spellings they carry.

A run row has two state columns (`model/run.go` at backend tag 2.17.0): `State` holds the v2
name (`FAILED`) and `Conditions` the v1 one (`Failed`); new rows write both. Rows written before
the `State` column existed have it NULL: reads fall back to `Conditions` (so GET shows
`FAILED`), while a `state` filter, being SQL, never matches NULL. A recurring run is a "job" row
plus the ScheduledWorkflow that fires it; the fields the controller keeps in the SWF's status
(`last_triggered`, `last_index`) live on the row here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

V2_STATES = (
    "RUNTIME_STATE_UNSPECIFIED",
    "PENDING",
    "RUNNING",
    "SUCCEEDED",
    "SKIPPED",
    "FAILED",
    "CANCELING",
    "CANCELED",
    "PAUSED",
)
ACTIVE_STATES = frozenset({"PENDING", "RUNNING", "CANCELING", "PAUSED"})
# `RuntimeState.ToV2`: every spelling the server has ever stored, upper-cased.
_TO_V2 = {
    "": "RUNTIME_STATE_UNSPECIFIED",
    "UNKNOWN": "RUNTIME_STATE_UNSPECIFIED",
    "NO_STATUS": "RUNTIME_STATE_UNSPECIFIED",
    "ENABLED": "RUNNING",
    "READY": "RUNNING",
    "DONE": "SUCCEEDED",
    "ERROR": "FAILED",
    "TERMINATING": "CANCELING",
    "DISABLED": "CANCELED",
    **{state: state for state in V2_STATES},
}
# `RuntimeState.ToV1`, what the `Conditions` column gets.
_TO_V1 = {
    "RUNTIME_STATE_UNSPECIFIED": "Unknown",
    "PENDING": "Pending",
    "PAUSED": "Pending",
    "RUNNING": "Running",
    "SUCCEEDED": "Succeeded",
    "SKIPPED": "Skipped",
    "FAILED": "Failed",
    "CANCELED": "Failed",
    "CANCELING": "Terminating",
}


def known_state(state: str) -> bool:
    return state.upper() in _TO_V2


def to_v2(state: str) -> str:
    return _TO_V2.get(state.upper(), "RUNTIME_STATE_UNSPECIFIED")


def to_v1(state: str) -> str:
    return _TO_V1[to_v2(state)]


@dataclass
class RunRecord:
    uuid: str
    display_name: str
    description: str
    experiment_id: str
    namespace: str
    pipeline_id: str
    pipeline_version_id: str
    pipeline_spec: dict | None
    runtime_config: dict | None
    service_account: str
    created_at: int
    state: str | None = "PENDING"  # the `State` column; None on a legacy row
    conditions: str = "Pending"  # the `Conditions` column
    scheduled_at: int = 0
    finished_at: int = 0
    recurring_run_id: str = ""  # the `JobUUID` column
    storage_state: str = "AVAILABLE"
    state_history: list[tuple[int, str]] = field(default_factory=list)
    # The Argo workflow behind the run was garbage-collected with its recurring run's SWF
    # (DELETE without ORPHAN): nothing will ever report a final state for it.
    workflow_gone: bool = False
    tags: dict[str, str] = field(default_factory=dict)  # runs have none; for listing

    @property
    def effective_state(self) -> str:
        """What the API shows: `Run.ToV2()` falls back to `Conditions` when `State` is empty."""
        return to_v2(self.state or self.conditions)

    @property
    def active(self) -> bool:
        return self.effective_state in ACTIVE_STATES

    def field_value(self, column: str) -> object:
        history = [{"UpdateTimeInSec": t, "State": s} for t, s in self.state_history]
        return {
            "UUID": self.uuid,
            "DisplayName": self.display_name,
            "CreatedAtInSec": self.created_at,
            "FinishedAtInSec": self.finished_at,
            "ScheduledAtInSec": self.scheduled_at,
            "Description": self.description,
            "StorageState": self.storage_state,
            "Conditions": self.conditions,
            "Namespace": self.namespace,
            "ExperimentUUID": self.experiment_id,
            "State": self.state,
            "StateHistory": json.dumps(history) if history else None,
            "PipelineRuntimeManifest": "",
            "JobUUID": self.recurring_run_id,
        }[column]


@dataclass
class JobRecord:
    """A recurring run: the `jobs` row and its ScheduledWorkflow's spec and status."""

    uuid: str
    display_name: str
    description: str
    k8s_name: str  # the SWF's name, which fired runs are named after
    namespace: str
    experiment_id: str
    service_account: str
    pipeline_id: str
    pipeline_version_id: str
    # The frozen spec of a pinned recurring run (a version's, or an inline one); None when
    # only a pipeline id was given and each trigger takes the latest version.
    pipeline_spec: dict | None
    runtime_config: dict | None
    max_concurrency: int
    no_catchup: bool
    enabled: bool
    cron: str | None = None
    interval_second: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    created_at: int = 0
    updated_at: int = 0
    last_triggered: int | None = None  # SWF status.trigger.lastTriggeredTime
    last_index: int = 0  # SWF status.trigger.lastIndex
    tags: dict[str, str] = field(default_factory=dict)  # jobs have none; for listing

    @property
    def pinned(self) -> bool:
        return self.pipeline_spec is not None

    def field_value(self, column: str) -> object:
        return {
            "UUID": self.uuid,
            "DisplayName": self.display_name,
            "CreatedAtInSec": self.created_at,
            "UpdatedAtInSec": self.updated_at,
            "Description": self.description,
            "Namespace": self.namespace,
            "ExperimentUUID": self.experiment_id,
        }[column]
