# Do not edit: the template owns this file (make template-update brings its changes).
"""The one interface every command reaches a pipeline service through.

``publish``, ``schedules``, ``run``, ``monitor`` and ``cleanup`` hold the logic (plans, swaps,
findings, what to spare); a ``Target`` holds what differs between services. ``select.py`` picks
the implementation from the environment's ``target:``; nothing else asks which one it is.

| what | KFP (``kfp/target.py``) | Vertex AI (``vertex/target.py``) |
|---|---|---|
| version | pipeline + named version | Artifact Registry package, tag -> ``sha256:`` version |
| experiment | ``<project>/<experiment>`` | Vertex AI Experiment ``<project>-<experiment>`` |
| schedule | recurring run, cluster time zone | schedule, ``TZ=`` per schedule |
| namespace | per project (multi-user KFP) | none (one project and region) |

A ``ScheduleScope`` is the part of a target that schedules and monitor use, in one namespace;
the ``RemoteSchedule`` and ``RunRow`` values it returns are the same for every target, so the
plan of a schedule swap and the findings of a monitor pass are computed once for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from scripts.repo.environments import Environment


class ScheduleScope(Protocol):
    """Schedules and their runs in one namespace (None: the target has no namespaces)."""

    namespace: str | None
    writes: int  # write requests sent, for the report
    requests: int  # run-listing requests sent, for the monitor's report

    def recurring_runs(self, repository: str) -> list[Any]: ...  # RemoteSchedule
    def pipelines_by_name(self) -> Mapping[str, Any]: ...  # name -> .pipeline_id
    def experiments_by_name(self) -> Mapping[str, Any]: ...  # <project>/<exp> -> .experiment_id
    def pinned_version(self, pipeline_id: str, version_name: str) -> Any | None: ...
    def cron_for(self, cron: str, timezone: str) -> str: ...  # the cron as the service reads it
    def spec_of(self, version: Any) -> dict[str, Any]: ...  # a pinned version's pipeline spec
    def ensure_experiment(self, name: str) -> str: ...  # <project>/<exp> -> experiment id
    def create_disabled(self, desired: Any) -> Any: ...  # DesiredSchedule -> RemoteSchedule
    def enable(self, schedule_id: str) -> None: ...
    def disable(self, schedule_id: str) -> None: ...
    def delete(self, schedule_id: str) -> None: ...
    def has_active_runs(self, schedule_id: str) -> bool: ...
    def link(self, schedule_id: str) -> str: ...
    def runs_of(self, schedule_ids: Iterable[str], start: datetime) -> list[Any]: ...  # RunRow
    def run_link(self, run_id: str) -> str: ...


class Target(ABC):
    """A pipeline service for one environment. ``connect()`` first: it checks that the service
    answers and that the credentials are accepted (one line when not), before any work."""

    kind: str = ""

    def __init__(self, environment: Environment):
        self.environment = environment

    @property
    def address(self) -> str:
        return self.environment.address

    @abstractmethod
    def connect(self) -> None: ...

    @property
    def retries_done(self) -> int:
        """Transient failures retried so far (a note at the end of publish)."""
        return 0

    # publish -------------------------------------------------------------------------------
    @abstractmethod
    def publisher(
        self, plan: Any, *, version: str, dry_run: bool, always_upload: bool, mark: Any
    ) -> Any:
        """What ``publish`` applies its plan with: ``publish_pipeline(PipelineTarget)`` and
        ``ensure_experiment(ExperimentTarget)`` (``scripts.targets.publish.apply``)."""

    # schedules and monitor -----------------------------------------------------------------
    @abstractmethod
    def schedule_scope(self, namespace: str | None) -> ScheduleScope: ...

    # run -----------------------------------------------------------------------------------
    @abstractmethod
    def start_run(
        self,
        pipeline: Any,
        project: Any,
        given: Mapping[str, str],
        *,
        version: str | None,
        experiment: str | None,
        repository: str = "",
    ) -> Any:
        """Start one run of a published version (``RemoteRun``); ``repository`` (owner/name)
        labels it where the target has labels."""

    # pull-request commands (/kfp run, /kfp runs) ---------------------------------------------
    @abstractmethod
    def has_pipeline(self, namespace: str | None, name: str) -> bool:
        """Whether ``name`` (``<project>-<pipeline>``) was ever published here."""

    @abstractmethod
    def start_pr_run(self, namespace: str | None, request: Any, pr: Any) -> Any:
        """Start a run of the pull request's version (``kfp.pr_runs.RunRequest`` ->
        ``StartedRun``); ``VersionMissing`` when it was not published."""

    @abstractmethod
    def pr_runs(self, namespace: str | None, repository: str, number: int) -> list[Any]:
        """The runs started from pull request ``number``, as ``PrRun`` rows."""

    # cleanup -------------------------------------------------------------------------------
    @abstractmethod
    def cleanup_inventory(
        self, namespaces: Iterable[str | None], repository: str, *, jobs: int
    ) -> Any:
        """What ``cleanup`` plans from (``scripts.targets.cleanup.plan.Inventory``)."""

    @abstractmethod
    def cleanup_apply(self, plan: Any, *, jobs: int) -> None:
        """Delete what the cleanup plan says, setting each item's status."""
