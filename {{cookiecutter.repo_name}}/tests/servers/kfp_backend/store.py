"""The server's state: pipelines, versions, experiments, runs and recurring runs, with the
database's rules.

What the MySQL schema enforces on the real server is enforced here, under one lock:
uniqueness of `(namespace, name)` for pipelines and experiments (archived experiments included)
and of `(pipeline_id, name)` for versions, compared case-insensitively as the default collation
does; versions deleted with their pipeline. Messages are the storage layer's own
(`storage/*_store.go` at backend tag 2.17.0). Which checks run before a write, and the wrapping of
the messages, belong to the handlers.

`created_at` is whole seconds from the server's `TickingClock` (clock.py), which tests can stop
and move. Runs and recurring runs (`RunRecord`, `JobRecord`) are defined in run_records.py.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from . import errors
from .clock import TickingClock
from .filters import fold
from .run_records import JobRecord, RunRecord
from .spec import Template

__all__ = [
    "ExperimentRecord",
    "JobRecord",
    "PipelineRecord",
    "RunRecord",
    "Store",
    "TickingClock",
    "VersionRecord",
]

STORAGE_AVAILABLE = "AVAILABLE"
DEFAULT_EXPERIMENT_NAME = "Default"
DEFAULT_EXPERIMENT_DESCRIPTION = (
    "All runs created without specifying an experiment will be grouped here."
)


@dataclass
class PipelineRecord:
    uuid: str
    name: str
    display_name: str
    description: str
    namespace: str
    created_at: int
    tags: dict[str, str] = field(default_factory=dict)

    def field_value(self, column: str) -> object:
        return {
            "UUID": self.uuid,
            "Name": self.name,
            "DisplayName": self.display_name,
            "CreatedAtInSec": self.created_at,
            "Description": self.description,
            "Namespace": self.namespace,
        }[column]


@dataclass
class VersionRecord:
    uuid: str
    pipeline_id: str
    name: str
    display_name: str
    description: str
    created_at: int
    template: Template
    code_source_url: str = ""
    package_url: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "READY"

    def field_value(self, column: str) -> object:
        return {
            "UUID": self.uuid,
            "Name": self.name,
            "DisplayName": self.display_name,
            "CreatedAtInSec": self.created_at,
            "Status": self.status,
            "Description": self.description,
            "PipelineSpec": str(self.template.pipeline_spec),
        }[column]


@dataclass
class ExperimentRecord:
    uuid: str
    name: str
    description: str
    namespace: str
    created_at: int
    last_run_created_at: int = 0
    storage_state: str = STORAGE_AVAILABLE
    tags: dict[str, str] = field(default_factory=dict)  # experiments have none; for listing

    def field_value(self, column: str) -> object:
        return {
            "UUID": self.uuid,
            "Name": self.name,
            "CreatedAtInSec": self.created_at,
            "LastRunCreatedAtInSec": self.last_run_created_at,
            "Description": self.description,
            "Namespace": self.namespace,
            "StorageState": self.storage_state,
        }[column]


class Store:
    """All records, keyed by UUID. Every public method takes the lock."""

    def __init__(self, clock: TickingClock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or TickingClock()
        self.pipelines: dict[str, PipelineRecord] = {}
        self.versions: dict[str, VersionRecord] = {}
        self.experiments: dict[str, ExperimentRecord] = {}
        self.runs: dict[str, RunRecord] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.default_experiment_id = ""

    # -- pipelines -------------------------------------------------------------------------

    def insert_pipeline(self, pipeline: PipelineRecord) -> PipelineRecord:
        with self.lock:
            self._check_pipeline_name_free(pipeline, "exist")
            pipeline.uuid = pipeline.uuid or str(uuid.uuid4())
            pipeline.created_at = self.clock()
            self.pipelines[pipeline.uuid] = pipeline
            return pipeline

    def insert_pipeline_and_version(
        self, pipeline: PipelineRecord, version: VersionRecord
    ) -> tuple[PipelineRecord, VersionRecord]:
        """One transaction: both rows or neither (`CreatePipelineAndPipelineVersion`)."""
        with self.lock:
            self._check_pipeline_name_free(pipeline, "exists")
            pipeline.uuid = str(uuid.uuid4())
            pipeline.created_at = self.clock()
            version.uuid = str(uuid.uuid4())
            version.pipeline_id = pipeline.uuid
            version.created_at = pipeline.created_at
            self.pipelines[pipeline.uuid] = pipeline
            self.versions[version.uuid] = version
            return pipeline, version

    def _check_pipeline_name_free(self, pipeline: PipelineRecord, verb: str) -> None:
        for existing in self.pipelines.values():
            if existing.namespace == pipeline.namespace and fold(existing.name) == fold(
                pipeline.name
            ):
                # The two store functions really differ by "exist"/"exists" at tag 2.17.0.
                raise errors.already_exists(
                    f"Failed to create a new pipeline. The name {pipeline.name} already {verb}. "
                    "Please specify a new name"
                )

    def get_pipeline(self, pipeline_id: str) -> PipelineRecord:
        with self.lock:
            if pipeline_id not in self.pipelines:
                raise errors.not_found("Pipeline", pipeline_id)
            return self.pipelines[pipeline_id]

    def get_pipeline_by_name(self, name: str, namespace: str) -> PipelineRecord:
        with self.lock:
            for pipeline in self.pipelines.values():
                if pipeline.namespace == namespace and fold(pipeline.name) == fold(name):
                    return pipeline
            raise errors.not_found("Namespace/Pipeline", f"{namespace}/{name}")

    def pipelines_in(self, namespace: str) -> list[PipelineRecord]:
        with self.lock:
            return [p for p in self.pipelines.values() if p.namespace == namespace]

    def delete_pipeline(self, pipeline_id: str) -> None:
        with self.lock:
            self.pipelines.pop(pipeline_id, None)
            for version_id in [v.uuid for v in self.versions_of(pipeline_id)]:
                del self.versions[version_id]

    # -- versions --------------------------------------------------------------------------

    def insert_version(self, version: VersionRecord) -> VersionRecord:
        with self.lock:
            for existing in self.versions_of(version.pipeline_id):
                if fold(existing.name) == fold(version.name):
                    raise errors.already_exists(
                        f"Failed to create a new pipeline version. The name {version.name} "
                        "already exist. Specify a new name"
                    )
            version.uuid = str(uuid.uuid4())
            version.created_at = self.clock()
            self.versions[version.uuid] = version
            return version

    def versions_of(self, pipeline_id: str) -> list[VersionRecord]:
        with self.lock:
            return [v for v in self.versions.values() if v.pipeline_id == pipeline_id]

    def get_version(self, version_id: str) -> VersionRecord:
        with self.lock:
            if version_id not in self.versions:
                raise errors.not_found("PipelineVersion", version_id)
            return self.versions[version_id]

    def latest_version(self, pipeline_id: str) -> VersionRecord | None:
        with self.lock:
            versions = self.versions_of(pipeline_id)
            return max(versions, key=lambda v: (v.created_at, v.uuid)) if versions else None

    def delete_version(self, version_id: str) -> None:
        with self.lock:
            self.versions.pop(version_id, None)

    # -- experiments -----------------------------------------------------------------------

    def insert_experiment(self, experiment: ExperimentRecord) -> ExperimentRecord:
        with self.lock:
            for existing in self.experiments.values():
                if existing.namespace == experiment.namespace and fold(existing.name) == fold(
                    experiment.name
                ):
                    raise errors.already_exists(
                        f"Failed to create a new experiment. The name {experiment.name} already "
                        "exists. Please specify a new name"
                    )
            experiment.uuid = str(uuid.uuid4())
            experiment.created_at = self.clock()
            self.experiments[experiment.uuid] = experiment
            return experiment

    def get_experiment(self, experiment_id: str) -> ExperimentRecord:
        with self.lock:
            if experiment_id not in self.experiments:
                raise errors.not_found("Experiment", experiment_id)
            return self.experiments[experiment_id]

    def experiments_in(self, namespace: str) -> list[ExperimentRecord]:
        with self.lock:
            return [e for e in self.experiments.values() if e.namespace == namespace]

    def ensure_default_experiment(self, namespace: str) -> str:
        """`CreateDefaultExperiment`: the experiment runs without one land in."""
        with self.lock:
            if self.default_experiment_id in self.experiments:
                return self.default_experiment_id
            for experiment in self.experiments_in(namespace):
                if experiment.name == DEFAULT_EXPERIMENT_NAME:
                    self.default_experiment_id = experiment.uuid
                    return experiment.uuid
            created = self.insert_experiment(
                ExperimentRecord(
                    uuid="",
                    name=DEFAULT_EXPERIMENT_NAME,
                    description=DEFAULT_EXPERIMENT_DESCRIPTION,
                    namespace=namespace,
                    created_at=0,
                )
            )
            self.default_experiment_id = created.uuid
            return created.uuid

    # -- runs ------------------------------------------------------------------------------

    def insert_run(self, run: RunRecord) -> RunRecord:
        """A new row stamped now: `scheduled_at` defaults to `created_at`, the history starts
        with the row's state, and its experiment's `last_run_created_at` moves. Keeps a uuid
        the caller derived (runs of recurring runs), else draws one."""
        with self.lock:
            run.uuid = run.uuid or str(uuid.uuid4())
            run.created_at = self.clock()
            run.scheduled_at = run.scheduled_at or run.created_at
            if run.state is not None:
                run.state_history = [(run.created_at, run.state)]
            self.runs[run.uuid] = run
            experiment = self.experiments.get(run.experiment_id)
            if experiment is not None:
                experiment.last_run_created_at = run.created_at
            return run

    def get_run(self, run_id: str) -> RunRecord:
        with self.lock:
            if run_id not in self.runs:
                raise errors.not_found("Run", run_id)
            return self.runs[run_id]

    # -- recurring runs ("jobs") ----------------------------------------------------------

    def insert_job(self, job: JobRecord) -> JobRecord:
        with self.lock:
            job.created_at = job.updated_at = self.clock()
            self.jobs[job.uuid] = job
            return job

    def get_job(self, job_id: str) -> JobRecord:
        with self.lock:
            if job_id not in self.jobs:
                raise errors.not_found("Job", job_id)
            return self.jobs[job_id]
