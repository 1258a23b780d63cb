# Do not edit: the template owns this file (make template-update brings its changes).
"""Vertex AI schedules behind the ``ScheduleScope`` interface, so ``schedules`` plans and swaps
and ``monitor`` judges exactly as on KFP.

- A schedule is a ``PipelineJobSchedule`` whose job references the pinned template by its
  resolved ``sha256:`` version (a tag would be resolved at each run, and moves).
- The cron carries the environment's time zone as a ``TZ=`` prefix: Vertex AI reads each
  schedule in its own zone (KFP: the cluster's one).
- An update cannot change a schedule's template or parameters, so a change is a swap as on
  KFP: the new schedule is created and paused at once, the old one paused, the new one resumed;
  the old one is deleted once none of its runs is active.
- Ownership: the labels of the schedule's job request (``jobs.labels_for``): managed-by and
  this repository; the key is the display name ``<project>/<schedule>``.
- ``catchup`` maps to the resume's ``catch_up``: Vertex AI backfills only runs missed while a
  schedule was paused, so it is kept in a label and applied whenever we resume.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scripts.core.errors import UsageError
from scripts.core.naming import label_value, vertex_experiment_name
from scripts.core.timestamps import rfc3339, set_time
from scripts.targets.kfp.run_queries import RunRow
from scripts.targets.schedules.model import Config, DesiredSchedule, RemoteSchedule, same_config
from scripts.targets.vertex.connection import VertexError, VertexSession
from scripts.targets.vertex.jobs import (
    ACTIVE,
    MANAGED_BY,
    Templates,
    console_link,
    labels_for,
    run_row,
)
from scripts.targets.vertex.publish import LATEST
from scripts.targets.vertex.registry import TemplateRegistry, last_segment

SERVICE = "Vertex AI"


@dataclass(frozen=True)
class Package:
    pipeline_id: str  # the package name


@dataclass(frozen=True)
class PinnedVersion:
    pipeline_version_id: str  # sha256:...
    name: str  # the tag it was found by
    display_name: str
    package: str


@dataclass(frozen=True)
class VertexExperiment:
    experiment_id: str  # as the schedules' label holds it


class ExperimentNames(dict):
    """Computes each experiment's label on demand; a name that cannot map gives None, so the
    sync's ``ensure_experiment`` reports it on the schedule's row."""

    def get(self, name: str, default: Any = None) -> VertexExperiment | None:
        project, _, experiment = name.partition("/")
        try:
            return VertexExperiment(label_value(vertex_experiment_name(project, experiment)))
        except UsageError:
            return default


class VertexScheduleScope:
    namespace = None  # Vertex AI has no namespaces

    def __init__(self, session: VertexSession, registry: TemplateRegistry, repository: str = ""):
        self.session = session
        self.registry = registry
        self.repository = repository
        self.writes = 0
        self.requests = 0
        self.templates = Templates(session, registry)
        self._by_label: dict[str, str] = {}  # schedule label -> one schedule of that key

    def _call(self, what: str, function, *args, **kwargs) -> Any:
        return self.session.call(SERVICE, what, function, *args, **kwargs)

    # reading ---------------------------------------------------------------------------------
    def recurring_runs(self, repository: str) -> list[RemoteSchedule]:
        from google.cloud import aiplatform

        self.repository = repository
        found = self._call("list schedules", aiplatform.PipelineJobSchedule.list)
        remote = [remote_schedule(s.gca_resource, repository) for s in found]
        # The run listing's light view has no scheduleName: runs are matched by the schedule
        # label instead (several schedules of one key, mid-swap, are one schedule to monitor).
        self._by_label = {label_value(r.key): r.recurring_run_id for r in remote if r.key}
        return remote

    def pipelines_by_name(self) -> dict[str, Package]:
        return {name: Package(name) for name in self.registry.packages()}

    def experiments_by_name(self) -> ExperimentNames:
        """``<project>/<experiment>`` -> the experiment label its schedules carry. A Vertex
        schedule does not belong to an experiment (its runs carry the label), so nothing is
        read; publish keeps the Vertex AI Experiments themselves."""
        return ExperimentNames()

    def pinned_version(self, pipeline_id: str, version_name: str) -> PinnedVersion | None:
        """The digest this commit's tag names, else ``latest``'s, else the newest version."""
        for tag in (version_name, LATEST):
            digest = self.registry.tag_target(pipeline_id, tag)
            if digest:
                return PinnedVersion(digest, tag, tag, pipeline_id)
        versions = sorted(
            self.registry.versions(pipeline_id),
            key=lambda v: v.created_at.timestamp() if v.created_at else 0.0,
        )
        if not versions:
            return None
        newest = versions[-1]
        name = newest.tags[0] if newest.tags else newest.digest
        return PinnedVersion(newest.digest, name, name, pipeline_id)

    def cron_for(self, cron: str, timezone: str) -> str:
        """``TZ=<zone> <5 fields>``: Vertex AI reads five fields only, so a macro such as
        ``@hourly`` is sent expanded."""
        from scripts.core.cron import standard_cron

        return f"TZ={timezone} {standard_cron(cron)}"

    def spec_of(self, version: PinnedVersion) -> dict[str, Any]:
        return self.templates.spec(version.package, version.pipeline_version_id)

    def ensure_experiment(self, name: str) -> str:
        """The label of ``<project>/<experiment>``'s Vertex AI experiment; a name that cannot
        map is the schedule's failure. The experiment itself is publish's to create: a
        schedule's runs are linked to it by this label only."""
        project, _, experiment = name.partition("/")
        return label_value(vertex_experiment_name(project, experiment))

    def has_active_runs(self, schedule_id: str) -> bool:
        """One filtered listing per active state (the light view: no job is fetched whole)."""
        from google.cloud import aiplatform

        for state in ACTIVE:
            jobs = self._call(
                "list the schedule's active runs",
                aiplatform.PipelineJob.list,
                filter=f'schedule_name="{schedule_id}" AND state="{state}"',
                enable_simple_view=True,
            )
            if jobs:
                return True
        return False

    def runs_of(self, schedule_ids: Iterable[str], start: datetime) -> list[RunRow]:
        """Every run of our schedules created since ``start``, and the ones still active
        however old: one filtered listing each (labels and create time, then state)."""
        from google.cloud import aiplatform

        ids = set(schedule_ids)
        ours = f'labels.kfp-monorepo-repo="{label_value(self.repository)}"'
        filters = [f'{ours} AND create_time>="{rfc3339(start)}"']
        filters += [f'{ours} AND state="{state}"' for state in ACTIVE]
        rows: dict[str, RunRow] = {}
        for text in filters:
            self.requests += 1
            jobs = self._call(
                "list runs", aiplatform.PipelineJob.list, filter=text, enable_simple_view=True
            )
            for job in jobs:
                row = run_row(job, self._by_label)
                if row.recurring_run_id in ids:
                    rows[row.run_id] = row
        return sorted(rows.values(), key=lambda row: row.run_id)

    # writing ---------------------------------------------------------------------------------
    def create_disabled(self, desired: DesiredSchedule) -> RemoteSchedule:
        from google.cloud import aiplatform

        config = desired.config
        job = self.templates.job(
            config.pipeline_id,
            config.version_id,
            display_name=desired.key,
            parameters=config.parameters,
            labels=labels_for(
                self.repository,
                experiment=config.experiment_id,
                key=desired.key,
                catchup=not config.no_catchup,
            ),
        )
        created = aiplatform.PipelineJobSchedule(pipeline_job=job, display_name=desired.key)
        self.writes += 2
        try:
            self._call(
                f"create schedule {desired.key}",
                created.create,
                cron=config.cron,
                max_concurrent_run_count=config.max_concurrency,
                service_account=self.session.environment.service_account,
                idempotent=False,  # no request id: a retry after a lost answer makes two
            )
        except VertexError:
            created = self._landed(desired)  # the answer was lost, not the schedule
            if created is None:
                raise
        try:
            self._call(f"pause new schedule {desired.key}", created.pause)
        except VertexError:
            # Never leave it firing beside the old one: it goes, and the next sync retries.
            with contextlib.suppress(VertexError):
                self._call(f"delete new schedule {desired.key}", created.delete)
            raise
        return remote_schedule(created.gca_resource, self.repository, paused=True)

    def _landed(self, desired: DesiredSchedule) -> Any | None:
        """The schedule a failed create made after all: ours, this key, the wanted config."""
        from google.cloud import aiplatform

        found = self._call(
            f"look for schedule {desired.key}",
            aiplatform.PipelineJobSchedule.list,
            filter=f'display_name="{desired.key}"',
        )
        for schedule in found:
            remote = remote_schedule(schedule.gca_resource, self.repository)
            # Enabled: only what the lost create made can be (the plan found none before).
            if (
                remote.key == desired.key
                and remote.enabled
                and same_config(remote.config, desired.config)
            ):
                return schedule
        return None

    def _schedule(self, schedule_id: str) -> Any:
        from google.cloud import aiplatform

        return self._call(
            f"read schedule {schedule_id}", aiplatform.PipelineJobSchedule.get, schedule_id
        )

    def enable(self, schedule_id: str) -> None:
        found = self._schedule(schedule_id)
        labels = found.gca_resource.create_pipeline_job_request.pipeline_job.labels
        self.writes += 1
        catch_up = labels.get("kfp-monorepo-catchup") == "true"
        # The SDK's resume() drops catch_up (aiplatform 2.7): its client sends it.
        self._settle(
            "ACTIVE",
            schedule_id,
            lambda: self._call(
                f"resume schedule {schedule_id}",
                found.api_client.resume_schedule,
                name=found.resource_name,
                catch_up=catch_up,
            ),
        )

    def disable(self, schedule_id: str) -> None:
        self.writes += 1
        found = self._schedule(schedule_id)
        self._settle(
            "PAUSED",
            schedule_id,
            lambda: self._call(f"pause schedule {schedule_id}", found.pause),
        )

    def delete(self, schedule_id: str) -> None:
        self.writes += 1
        try:
            self._call(f"delete schedule {schedule_id}", self._schedule(schedule_id).delete)
        except VertexError as error:
            if error.status != 404:  # gone already (a retried delete whose answer was lost)
                raise

    def _settle(self, state: str, schedule_id: str, change: Any) -> None:
        """Run a pause or resume; when it is refused (400: not in the state it acts on),
        accept it if the schedule is in ``state`` already: a retry whose first try landed."""
        try:
            change()
        except VertexError as error:
            if error.status != 400:
                raise
            now = self._schedule(schedule_id).gca_resource.state
            if getattr(now, "name", str(now)) != state:
                raise

    # links -----------------------------------------------------------------------------------
    def link(self, schedule_id: str) -> str:
        environment = self.session.environment
        return console_link(
            schedule_id, environment.project or "", environment.region or "", "schedules"
        )

    def run_link(self, run_id: str) -> str:
        environment = self.session.environment
        return console_link(run_id, environment.project or "", environment.region or "")


def remote_schedule(
    resource: Any, repository: str, *, paused: bool | None = None
) -> RemoteSchedule:
    """A Vertex schedule as the schedules plan reads one (typed, comparable ``Config``)."""
    request = resource.create_pipeline_job_request
    job = request.pipeline_job
    labels = dict(job.labels)
    mine = labels.get("managed-by") == MANAGED_BY and labels.get(
        "kfp-monorepo-repo"
    ) == label_value(repository)
    template = job.template_uri or ""
    package = last_segment(template.rpartition("/")[0]) if template else ""
    state = getattr(resource.state, "name", str(resource.state))
    enabled = state == "ACTIVE" if paused is None else not paused
    return RemoteSchedule(
        recurring_run_id=resource.name,
        display_name=resource.display_name,
        description="",
        enabled=enabled,
        config=Config(
            pipeline_id=package,
            version_id=last_segment(template),
            experiment_id=labels.get("kfp-monorepo-experiment", ""),
            cron=resource.cron,
            parameters=_parameters(job),
            max_concurrency=int(resource.max_concurrent_run_count or 1),
            no_catchup=labels.get("kfp-monorepo-catchup") != "true",
        ),
        created_at=set_time(resource.create_time),
        namespace=None,
        key=resource.display_name if mine else None,
    )


def _parameters(job: Any) -> dict[str, Any]:
    """The job's parameter values as plain JSON values: proto-plus hands lists and mappings
    back as its own container types, which compare unequal to ``list`` and ``dict``."""
    from google.protobuf import json_format

    runtime = json_format.MessageToDict(type(job.runtime_config).pb(job.runtime_config))
    return dict(runtime.get("parameterValues", {}))
