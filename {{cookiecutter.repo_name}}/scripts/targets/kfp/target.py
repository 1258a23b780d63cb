# Do not edit: the template owns this file (make template-update brings its changes).
"""The Kubeflow Pipelines target: today's KFP code behind the ``Target`` interface.

One preflighted ``KfpApi`` (``client.connect``) and one copy per namespace sharing its
connection pool; publish, schedules, monitor, runs and cleanup each get the namespace's copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from scripts.targets.kfp.api import KfpApi
from scripts.targets.kfp.recurring import RecurringRuns
from scripts.targets.kfp.run_queries import RunQueries, RunRow
from scripts.targets.target import Target


class KfpScheduleScope(RecurringRuns):
    """Recurring runs and their runs in one namespace: ``RecurringRuns`` plus what apply and
    monitor need from the API (specs, links, run queries)."""

    def __init__(self, api: KfpApi):
        super().__init__(api)
        self.requests = 0

    @property
    def namespace(self) -> str | None:
        return self.api.namespace

    def cron_for(self, cron: str, timezone: str) -> str:
        from scripts.core.cron import kfp_cron

        return kfp_cron(cron)  # KFP reads every cron in the cluster's one time zone

    def spec_of(self, version: Any) -> dict[str, Any]:
        return self.api.with_spec(version).pipeline_spec or {}

    def link(self, schedule_id: str) -> str:
        return f"{self.api.host}/#/recurringrun/details/{schedule_id}"

    def runs_of(self, schedule_ids: Iterable[str], start: datetime) -> list[RunRow]:
        queries = RunQueries(self.api)
        ids = sorted(schedule_ids)
        runs = queries.runs_of(ids, start) if ids else []
        self.requests += queries.requests
        return runs

    def run_link(self, run_id: str) -> str:
        return f"{self.api.host}/#/runs/details/{run_id}"


class KfpTarget(Target):
    kind = "kfp"

    def __init__(self, environment):
        super().__init__(environment)
        self._base: KfpApi | None = None
        self._apis: dict[str | None, KfpApi] = {}

    def connect(self) -> None:
        from scripts.targets.kfp.client import connect

        self._base = connect(self.environment)
        self._apis = {self.environment.namespace: self._base}

    def api_for(self, namespace: str | None) -> KfpApi:
        if self._base is None:
            self.connect()
        if namespace not in self._apis:
            self._apis[namespace] = self._base.in_namespace(namespace)
        return self._apis[namespace]

    @property
    def retries_done(self) -> int:
        return self._base.retries_done if self._base is not None else 0

    def publisher(self, plan, *, version, dry_run, always_upload, mark):
        from scripts.targets.publish.apply import Publisher

        for item in plan.pipelines + plan.experiments:  # every client made before threads start
            self.api_for(item.namespace)
        return Publisher(
            self.api_for,
            version=version,
            dry_run=dry_run,
            always_upload=always_upload,
            mark=mark,
        )

    def schedule_scope(self, namespace: str | None) -> KfpScheduleScope:
        return KfpScheduleScope(self.api_for(namespace))

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
        from scripts.targets.kfp.remote_run import start_remote_run

        namespace = project.namespace_for(self.environment.name, self.environment.namespace)
        return start_remote_run(
            self.api_for(namespace),
            pipeline,
            project,
            given,
            version=version,
            experiment=experiment,
        )

    def has_pipeline(self, namespace: str | None, name: str) -> bool:
        return self.api_for(namespace).find_pipeline(name) is not None

    def start_pr_run(self, namespace: str | None, request: Any, pr: Any) -> Any:
        from scripts.targets.kfp.pr_runs import start_pr_run

        return start_pr_run(self.api_for(namespace), request, pr)

    def pr_runs(self, namespace: str | None, repository: str, number: int) -> list[Any]:
        from scripts.targets.kfp.pr_runs import pr_runs

        return pr_runs(self.api_for(namespace), repository, number)

    def cleanup_inventory(self, namespaces: Iterable[str | None], repository: str, *, jobs: int):
        from scripts.targets.cleanup.inventory import Reader

        return Reader(self.api_for, repository, jobs=jobs).read(namespaces)

    def cleanup_apply(self, plan: Any, *, jobs: int) -> None:
        from scripts.targets.cleanup.apply import apply_plan

        apply_plan(plan, self.api_for, jobs=jobs)
