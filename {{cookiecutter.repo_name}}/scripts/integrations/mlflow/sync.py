# Do not edit: the template owns this file (make template-update brings its changes).
"""MLflow experiments from the manifests' experiments: plan, then apply.

Teams run pipelines on KFP and compare models in MLflow; the manifest keeps both in step. Every
experiment of every project (``projects/<project>.yml``) gets an MLflow experiment with the
same name as on KFP, ``<project>/<experiment>``, on the environment's tracking server
(``mlflow_tracking_uri`` in environments.yml, overridden by MLFLOW_TRACKING_URI), tagged:

- ``project``: the project's name; ``owners``: its owners, comma-separated; ``repo``: this
  repository (``github-repository`` in pyproject.toml);
- ``mlflow.note.content`` (the description MLflow's UI shows): the experiment's description,
  when the manifest gives one.

What each experiment needs:

- missing: created with the tags ("created"; dry run "create");
- deleted (MLflow keeps a deleted experiment's name, which blocks a new one): restored, and its
  tags set ("restored"; dry run "restore");
- there with every tag as the manifest says: left alone ("exists");
- there with a tag missing or different: those tags set ("updated"; dry run "update"). Other
  tags (added in MLflow by hand or by runs) are kept, and nothing is ever deleted.

Another job creating or restoring the same experiment at the same moment is not an error: the
experiment is read again and handled as found. Two entry points: ``python -m scripts
mlflow-sync`` (``command.py``) and ``sync_step``, the step publish runs after the KFP steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scripts.core.errors import ConfigError
from scripts.core.naming import kfp_experiment_name
from scripts.core.report import Document, SyncResult, Table
from scripts.integrations import SyncContext
from scripts.integrations.common import (
    DRY_RUN_NOTE,
    OFFLINE,
    ItemResult,
    all_ok,
    setup_failed,
)
from scripts.integrations.mlflow.api import (
    ACTIVE,
    DELETED,
    MlflowApi,
    MlflowError,
    Settings,
    is_configured,
    settings_for,
)

KIND = "mlflow experiment"
NOTE_TAG = "mlflow.note.content"  # the experiment description MLflow's UI shows and edits


@dataclass(frozen=True)
class ExperimentTarget:
    """One MLflow experiment a manifest asks for."""

    project: str
    name: str  # "<project>/<experiment>"
    tags: tuple[tuple[str, str], ...]
    manifest_path: str = ""


def targets(projects: Iterable[Any], repository: str) -> list[ExperimentTarget]:
    """The MLflow experiments of ``projects`` (``scripts.repo.manifests.Project`` values),
    sorted by name. Pure: no network."""
    found = []
    for project in projects:
        common = {"project": project.name, "owners": ", ".join(project.owners)}
        if repository:
            common["repo"] = repository
        for experiment in project.experiments:
            tags = dict(common)
            if experiment.description:
                tags[NOTE_TAG] = experiment.description
            found.append(
                ExperimentTarget(
                    project=project.name,
                    name=kfp_experiment_name(project.name, experiment.name),
                    tags=tuple(sorted(tags.items())),
                    manifest_path=project.manifest_path,
                )
            )
    return sorted(found, key=lambda target: target.name)


class ExperimentResult(ItemResult):
    """One MLflow experiment's row. Status: created | restored | updated | exists | failed;
    dry run: create | restore | update | exists."""

    KIND = KIND  # this module's kind of item, named in its rows and failures


def _tag_changes(existing: Any, target: ExperimentTarget) -> dict[str, str]:
    """The tags to set so the experiment matches the manifest (empty: it already does)."""
    have = dict(getattr(existing, "tags", None) or {})
    return {key: value for key, value in target.tags if have.get(key) != value}


def _create(api: MlflowApi, target: ExperimentTarget) -> tuple[Any | None, str | None]:
    """Create the experiment: ``(None, id)`` when this job created it, ``(experiment, None)``
    when another job (or a retried request that had landed) created it first."""
    try:
        return None, api.create_experiment(target.name, dict(target.tags))
    except MlflowError as error:
        if error.code != "RESOURCE_ALREADY_EXISTS":
            raise
        existing = api.get_experiment(target.name)
        if existing is None:
            raise
        return existing, None


def _restore(api: MlflowApi, existing: Any, target: ExperimentTarget) -> Any:
    """Restore a deleted experiment; another job restoring it first is fine."""
    try:
        api.restore_experiment(existing.experiment_id, target.name)
    except MlflowError as error:
        again = api.get_experiment(target.name)
        if error.code != "RESOURCE_DOES_NOT_EXIST" or again is None:
            raise
        if again.lifecycle_stage != ACTIVE:
            raise
        return again
    return existing


def sync_experiment(
    api: MlflowApi, target: ExperimentTarget, existing: Any | None, *, dry_run: bool
) -> ExperimentResult:
    """Create, restore, update or leave one experiment (``existing``: as the listing found it,
    None when missing); failures come back as a "failed" row."""
    result = ExperimentResult(
        target.project, target.name, "failed", manifest_path=target.manifest_path
    )
    try:
        if existing is None:
            if dry_run:
                result.status = "create"
                return result
            existing, created_id = _create(api, target)
            if created_id is not None:
                result.status, result.link = "created", api.link(created_id)
                return result
        deleted = existing.lifecycle_stage == DELETED
        result.link = api.link(existing.experiment_id)
        changes = _tag_changes(existing, target)
        words = [f"set tag(s) {', '.join(sorted(changes))}"] if changes else []
        if dry_run:
            result.status = "restore" if deleted else ("update" if changes else "exists")
            result.message = "; ".join(f"would {word}" for word in words)
            return result
        if deleted:
            existing = _restore(api, existing, target)
        for key, value in sorted(changes.items()):
            api.set_tag(existing.experiment_id, target.name, key, value)
        result.status = "restored" if deleted else ("updated" if changes else "exists")
        result.message = "; ".join(words)
    except MlflowError as error:
        result.status, result.link, result.message = "failed", None, error.message
    return result


def sync_experiments(
    api: MlflowApi, wanted: Sequence[ExperimentTarget], *, dry_run: bool
) -> list[ExperimentResult]:
    """List each project's experiments (a request per project, which also checks access), then
    sync each experiment in order. A wrong URI or credentials raise the listing's MlflowError
    (one line) instead of failing every row the same way."""
    if not wanted:
        return []
    known: dict[str, Any] = {}
    for project in sorted({target.project for target in wanted}):
        known.update(api.list_experiments(f"{project}/"))
    return [
        sync_experiment(api, target, known.get(target.name), dry_run=dry_run) for target in wanted
    ]


def sync_step(context: SyncContext) -> list[SyncResult]:
    """publish's step for this integration: the touched projects' experiments as rows. An
    environment without a tracking URI has no MLflow (no rows); a configuration or access
    problem is one failed row."""
    wanted = targets(context.projects, context.repo.settings.github_repository)
    if not wanted:
        return []
    if not is_configured(context.environment):
        return []  # this environment has no MLflow (mlflow_tracking_uri unset): nothing to do
    try:
        settings = settings_for(context.environment)
    except ConfigError as error:
        return setup_failed("mlflow", context.environment.name, error.message)
    try:
        api = MlflowApi(settings)
        rows = sync_experiments(api, wanted, dry_run=context.dry_run)
    except MlflowError as error:
        if context.dry_run and error.code is None:
            # Like publish's offline dry run for KFP: the plan, not a failure.
            return [SyncResult(KIND, t.name, OFFLINE, message=error.message) for t in wanted]
        return setup_failed("mlflow", context.environment.name, error.message)
    return [row.to_sync_result() for row in rows]


@dataclass
class SyncReport:
    """One ``mlflow-sync`` run: where it went and a row per experiment (JSON schema 1)."""

    environment: str
    settings: Settings | None  # None when no manifest has experiments
    dry_run: bool
    results: list[ExperimentResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "environment": self.environment,
            "tracking_uri": self.settings.uri if self.settings else None,
            "dry_run": self.dry_run,
            "ok": all_ok(self.results),
            "experiments": [row.to_json() for row in self.results],
        }

    def document(self) -> Document:
        heading = f"mlflow-sync to {self.environment}"
        if self.settings is None:
            return Document(heading, ("no manifest lists an experiment; nothing to sync",))
        mode = DRY_RUN_NOTE if self.dry_run else ""
        where = f"{heading} ({self.settings.uri}){mode}"
        rows = tuple(row.table_row() for row in self.results)
        table = Table(("project", "mlflow experiment", "status", "link / message"), rows)
        return Document(heading, (where, table))
