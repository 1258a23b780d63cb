# Do not edit: the template owns this file (make template-update brings its changes).
"""The KFP operations a schedule sync needs, over the same ``KfpApi`` publish uses.

Reads list whole collections page by page (200 rows a page, the server's maximum) instead of one
GET per schedule. Writes follow ``kfp-recurring-runs.md``: every create sends ``mode``,
``max_concurrency``, ``experiment_id``, both ids of the pinned version and ``no_catchup``
explicitly; no ``namespace`` is echoed (single-user servers store the pod namespace on a
recurring run but an empty one on experiments, and a create that names the former fails).
Retries and error translation are ``KfpApi.call``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scripts.targets.kfp.api import KfpApi, list_filter, predicate
from scripts.targets.schedules.model import Config, DesiredSchedule, RemoteSchedule, managed_key

PAGE_SIZE = 200  # the server caps page_size at 200
ACTIVE_STATES = ("PENDING", "RUNNING", "CANCELING", "PAUSED", "RUNTIME_STATE_UNSPECIFIED")
# Rows written before the v2 State column have it NULL: no `state` predicate matches them. Their
# v1 `Conditions` (the `status` key) still say whether they are active.
ACTIVE_CONDITIONS = ("Pending", "Running", "Terminating", "Unknown")


class RecurringRuns:
    """Recurring runs, and the pipelines, versions and experiments they point at, in the
    namespace of ``api``."""

    def __init__(self, api: KfpApi):
        self.api = api
        self.writes = 0  # write requests sent (a sync with nothing to change sends none)

    def _pages(self, what: str, list_call: Callable[..., Any], field: str, **kwargs) -> Iterator:
        token = ""
        while True:
            response = self.api.call(
                what, list_call, page_token=token, page_size=PAGE_SIZE, **kwargs
            )
            yield from getattr(response, field) or []
            token = response.next_page_token or ""
            if not token:
                return

    def _scope(self) -> dict[str, str]:
        return {"namespace": self.api.namespace} if self.api.namespace else {}

    # -- reads ----------------------------------------------------------------------------

    def recurring_runs(self, repository: str) -> list[RemoteSchedule]:
        """Every recurring run of the namespace, typed, ours marked by ``key``."""
        rows = self._pages(
            "list recurring runs",
            self.api.client.list_recurring_runs,
            "recurring_runs",
            **self._scope(),
        )
        return [remote_schedule(row, repository) for row in rows]

    def pipelines_by_name(self) -> dict[str, Any]:
        rows = self._pages(
            "list pipelines", self.api.client.list_pipelines, "pipelines", **self._scope()
        )
        return {row.name: row for row in rows}

    def experiments_by_name(self) -> dict[str, Any]:
        rows = self._pages(
            "list experiments", self.api.client.list_experiments, "experiments", **self._scope()
        )
        return {row.display_name: row for row in rows}

    def pinned_version(self, pipeline_id: str, version_name: str) -> Any | None:
        """The version named ``version_name`` (the one this commit's publish uploaded), else
        the newest one (the pipeline did not change). One or two single-row requests: a page
        of versions would carry every version's spec."""
        for what, kwargs in (
            (
                f"look up version {version_name}",
                {"filter": list_filter(predicate("name", "EQUALS", version_name))},
            ),
            ("look up the newest version", {"sort_by": "created_at desc"}),
        ):
            response = self.api.call(
                what,
                self.api.client.list_pipeline_versions,
                pipeline_id,
                page_size=1,
                **kwargs,
            )
            if response.pipeline_versions:
                return response.pipeline_versions[0]
        return None

    def has_active_runs(self, recurring_run_id: str) -> bool:
        """Whether a run of this recurring run is still going (deleting it would kill them)."""
        for key, values in (("state", ACTIVE_STATES), ("status", ACTIVE_CONDITIONS)):
            response = self.api.call(
                f"list active runs of recurring run {recurring_run_id}",
                self.api.client.list_runs,
                page_size=1,
                filter=list_filter(
                    predicate("recurring_run_id", "EQUALS", recurring_run_id),
                    predicate(key, "IN", values),
                ),
                **self._scope(),
            )
            if response.runs:
                return True
        return False

    # -- writes ---------------------------------------------------------------------------

    def ensure_experiment(self, name: str) -> str:
        """The id of experiment ``name``, created when missing (as publish creates them)."""
        self.writes += 1
        return self.api.create_experiment(name).experiment_id

    def create_disabled(self, desired: DesiredSchedule) -> RemoteSchedule:
        """Create the recurring run DISABLED: enabling is a separate step, after the one it
        replaces is disabled, so there is never a moment with two enabled."""
        config = desired.config
        self.writes += 1
        created = self.api.call(
            f"create recurring run {desired.key}",
            self.api.client.create_recurring_run,
            experiment_id=config.experiment_id,
            job_name=desired.key,
            description=desired.description,
            cron_expression=config.cron,
            max_concurrency=config.max_concurrency,
            no_catchup=config.no_catchup,
            params=dict(config.parameters),
            pipeline_id=config.pipeline_id,
            version_id=config.version_id,
            enabled=False,
        )
        return remote_schedule(created, "", key=desired.key)

    def enable(self, recurring_run_id: str) -> None:
        self.writes += 1
        self.api.call(
            f"enable recurring run {recurring_run_id}",
            self.api.client.enable_recurring_run,
            recurring_run_id,
        )

    def disable(self, recurring_run_id: str) -> None:
        self.writes += 1
        self.api.call(
            f"disable recurring run {recurring_run_id}",
            self.api.client.disable_recurring_run,
            recurring_run_id,
        )

    def delete(self, recurring_run_id: str) -> None:
        self.writes += 1
        self.api.call(
            f"delete recurring run {recurring_run_id}",
            self.api.client.delete_recurring_run,
            recurring_run_id,
        )


def remote_schedule(row: Any, repository: str, *, key: str | None = None) -> RemoteSchedule:
    """A recurring run from the API, with its values typed for comparison."""
    reference = row.pipeline_version_reference
    trigger = row.trigger
    cron = trigger.cron_schedule.cron if trigger and trigger.cron_schedule else ""
    runtime = row.runtime_config
    status = str(row.status or "")
    return RemoteSchedule(
        recurring_run_id=row.recurring_run_id or "",
        display_name=row.display_name or "",
        description=row.description or "",
        enabled=status == "ENABLED",
        config=Config(
            pipeline_id=(reference.pipeline_id if reference else "") or "",
            version_id=(reference.pipeline_version_id if reference else "") or "",
            experiment_id=row.experiment_id or "",
            cron=cron or "",
            parameters=dict((runtime.parameters if runtime else None) or {}),
            max_concurrency=int(row.max_concurrency or 0),
            no_catchup=bool(row.no_catchup),
        ),
        created_at=row.created_at,
        namespace=row.namespace or None,
        key=key or managed_key(row.description, repository),
    )
