# Do not edit: the template owns this file (make template-update brings its changes).
"""The Vertex AI Pipelines target: templates in Artifact Registry, runs, schedules and
experiments in Vertex AI (``target: vertex`` in environments.yml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scripts.core.errors import UsageError
from scripts.targets.kfp.remote_run import RemoteRun, choose_experiment
from scripts.targets.target import Target
from scripts.targets.vertex.connection import VertexSession
from scripts.targets.vertex.jobs import console_link, labels_for
from scripts.targets.vertex.publish import LATEST
from scripts.targets.vertex.registry import TemplateRegistry
from scripts.targets.vertex.schedules import VertexScheduleScope


class VertexTarget(Target):
    kind = "vertex"

    def __init__(self, environment):
        super().__init__(environment)
        self.session = VertexSession(environment)
        self._registry: TemplateRegistry | None = None
        self._scope: VertexScheduleScope | None = None

    @property
    def registry(self) -> TemplateRegistry:
        if self._registry is None:
            self.connect()
        return self._registry

    def connect(self) -> None:
        """Credentials, then one cheap read from each service: a missing repository, a wrong
        endpoint or a missing permission is one line here, before any work."""
        from google.cloud import aiplatform

        self.session.start()
        self._registry = TemplateRegistry(self.session)
        self._registry.packages()
        self.session.call(
            "Vertex AI",
            "list schedules",
            aiplatform.PipelineJobSchedule.list,
            filter='display_name="kfp-monorepo preflight"',
        )

    @property
    def retries_done(self) -> int:
        return self.session.retries

    def publisher(self, plan, *, version, dry_run, always_upload, mark):
        from scripts.targets.vertex.publish import VertexPublisher

        return VertexPublisher(
            self.session,
            self.registry,
            version=version,
            dry_run=dry_run,
            always_upload=always_upload,
            mark=mark,
        )

    def schedule_scope(self, namespace: str | None) -> VertexScheduleScope:
        if self._scope is None:
            self._scope = VertexScheduleScope(self.session, self.registry)
        return self._scope

    def start_run(
        self,
        pipeline: Any,
        project: Any,
        given: Mapping[str, str],
        *,
        version: str | None,
        experiment: str | None,
        repository: str = "",
    ) -> RemoteRun:
        """A run of a published template: ``version`` is a tag (default: this environment's
        ``latest``, else the newest version), resolved to its ``sha256:`` version."""
        from scripts.build.parameters import bind_parameters
        from scripts.core.naming import vertex_experiment_name

        scope = self.schedule_scope(None)
        package = pipeline.kfp_name
        pinned = scope.pinned_version(package, version or LATEST)
        if pinned is None or (version and pinned.name != version):
            wanted = f"tag {version!r} of {package}" if version else package
            raise UsageError(
                f"{wanted} is not in {self.session.registry_url} — publish it first, or pass "
                "--version with one of its tags"
            )
        spec = scope.spec_of(pinned)
        arguments = bind_parameters(
            spec,
            given,
            pipeline=f"{pipeline.selector} (version {pinned.name})",
            path=pipeline.path,
        )
        experiment_name = choose_experiment(project, experiment)
        vertex_experiment = vertex_experiment_name(project.name, experiment_name)
        job = scope.templates.job(
            package,
            pinned.pipeline_version_id,
            display_name=pipeline.selector,
            parameters=arguments,
            labels=labels_for(repository, experiment=vertex_experiment),
            enable_caching=False,  # a run asked for by hand runs every step
        )
        created = scope.templates.start(job, f"start a run of {package}")
        return RemoteRun(
            run_id=created.name,
            link=console_link(created.name, self.session.project, self.session.region),
            pipeline=pipeline.selector,
            pipeline_id=package,
            version=pinned.name,
            version_id=pinned.pipeline_version_id,
            experiment=vertex_experiment,
            experiment_id=vertex_experiment,
            arguments=arguments,
        )

    def has_pipeline(self, namespace: str | None, name: str) -> bool:
        return bool(self.registry.tags(name))

    def start_pr_run(self, namespace: str | None, request: Any, pr: Any) -> Any:
        from scripts.targets.vertex.pr_runs import start_pr_run

        return start_pr_run(self.session, self.schedule_scope(None).templates, request, pr)

    def pr_runs(self, namespace: str | None, repository: str, number: int) -> list[Any]:
        from scripts.targets.vertex.pr_runs import pr_runs

        self.registry  # connects on first use  # noqa: B018
        return pr_runs(self.session, repository, number)

    def cleanup_inventory(self, namespaces: Iterable[str | None], repository: str, *, jobs: int):
        from scripts.targets.vertex.cleanup import read_inventory

        scope = self.schedule_scope(None)
        templates = {
            schedule.config.version_id: schedule.display_name
            for schedule in scope.recurring_runs(repository)
        }
        return read_inventory(self.registry, templates, repository, jobs=jobs)

    def cleanup_apply(self, plan: Any, *, jobs: int) -> None:
        from scripts.targets.vertex.cleanup import apply_cleanup

        apply_cleanup(self.registry, plan, jobs=jobs)
