# Do not edit: the template owns this file (make template-update brings its changes).
"""Polyaxon projects from the manifests' ``polyaxon:`` sections: plan, then apply.

Teams explore on Polyaxon and train in production from KFP; the manifest keeps both in step.
For each project whose manifest has ``polyaxon: {enabled: true}``, the environment's Polyaxon
(``polyaxon_host`` / ``polyaxon_owner`` in environments.yml, overridden by POLYAXON_HOST /
POLYAXON_OWNER; token from POLYAXON_AUTH_TOKEN) gets a project named ``polyaxon.project``
(default: the project's name):

- missing: created with the description and tags ("created"; dry run "create");
- there with the same description and every tag: left alone ("exists");
- there with another description, or missing one of the tags: patched ("updated"; dry run
  "update"). Tags added on Polyaxon by hand are kept: the manifest's tags are a minimum.

Two entry points: ``python -m scripts polyaxon-sync`` (``command.py``) and ``sync_step``, the
step publish runs after the KFP steps, which reports rows in the publish summary. The API
itself (retries, errors, credentials) is ``api.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scripts.core.errors import ConfigError
from scripts.core.report import Document, SyncResult, Table
from scripts.integrations import SyncContext
from scripts.integrations.common import (
    DRY_RUN_NOTE,
    OFFLINE,
    ItemResult,
    all_ok,
    setup_failed,
)
from scripts.integrations.polyaxon.api import (
    TRANSIENT_STATUSES,
    PolyaxonApi,
    PolyaxonError,
    ProjectTarget,
    Settings,
    settings_for,
)

KIND = "polyaxon project"


def targets(projects: Iterable[Any]) -> list[ProjectTarget]:
    """The Polyaxon projects of ``projects`` (``scripts.repo.manifests.Project`` values) that enable
    it, sorted by Polyaxon name. Pure: no network."""
    found = []
    for project in projects:
        section = project.polyaxon or {}
        if section.get("enabled") is not True:
            continue
        found.append(
            ProjectTarget(
                project=project.name,
                name=str(section.get("project") or project.name),
                description=str(section.get("description") or project.description or ""),
                tags=tuple(str(tag) for tag in section.get("tags") or ()),
                manifest_path=project.manifest_path,
            )
        )
    return sorted(found, key=lambda target: target.name)


# -- apply ----------------------------------------------------------------------------------


class ProjectResult(ItemResult):
    """One Polyaxon project's row, named ``<owner>/<polyaxon project>``. Status: created |
    exists | updated | failed; dry run: create | exists | update."""

    KIND = KIND  # this module's kind of item, named in its rows and failures


def _changes(existing: Any, target: ProjectTarget) -> dict[str, Any]:
    """The fields to patch so the project matches the manifest (empty: it already does)."""
    changes: dict[str, Any] = {}
    if (existing.description or "") != target.description:
        changes["description"] = target.description
    have = list(existing.tags or [])
    missing = [tag for tag in target.tags if tag not in have]
    if missing:
        changes["tags"] = have + missing
    return changes


def sync_project(api: PolyaxonApi, target: ProjectTarget, *, dry_run: bool) -> ProjectResult:
    """Create, update or leave one project; failures come back as a "failed" row."""
    result = ProjectResult(
        target.project,
        f"{api.owner}/{target.name}",
        "failed",
        manifest_path=target.manifest_path,
    )
    try:
        existing = api.get_project(target.name)
        if existing is None:
            if dry_run:
                result.status = "create"
                return result
            try:
                api.create_project(target)
            except PolyaxonError as error:
                # A concurrent job (or a retried request that had landed) created it first.
                existing = api.get_project(target.name) if error.status in (400, 409) else None
                if existing is None:
                    raise
            else:
                result.status, result.link = "created", api.link(target.name)
                return result
        result.link = api.link(target.name)
        changes = _changes(existing, target)
        if not changes:
            result.status = "exists"
        elif dry_run:
            result.status, result.message = "update", f"would update {', '.join(changes)}"
        else:
            api.patch_project(target.name, **changes)
            result.status, result.message = "updated", f"updated {', '.join(changes)}"
    except PolyaxonError as error:
        result.status, result.link, result.message = "failed", None, error.message
    return result


def sync_projects(
    api: PolyaxonApi, wanted: Sequence[ProjectTarget], *, dry_run: bool
) -> list[ProjectResult]:
    """Check access once, then sync each project in order. A wrong host or token raises the
    preflight's PolyaxonError (one line) instead of failing every row the same way."""
    if not wanted:
        return []
    api.check_access()
    return [sync_project(api, target, dry_run=dry_run) for target in wanted]


def sync_step(context: SyncContext) -> list[SyncResult]:
    """publish's step for this integration: the touched projects' Polyaxon projects as
    ``SyncResult`` rows; a configuration or access problem is one failed row."""
    wanted = targets(context.projects)
    if not wanted:
        return []
    try:
        settings = settings_for(context.environment)
        api = PolyaxonApi(settings)
        return [row.to_sync_result() for row in sync_projects(api, wanted, dry_run=context.dry_run)]
    except PolyaxonError as error:
        if context.dry_run and _unreachable(error):
            # Like publish's offline dry run for KFP: the plan, not a failure.
            return [
                SyncResult(KIND, f"{settings.owner}/{target.name}", OFFLINE, message=error.message)
                for target in wanted
            ]
        return setup_failed("polyaxon", context.environment.name, error.message)
    except ConfigError as error:
        return setup_failed("polyaxon", context.environment.name, error.message)


def _unreachable(error: PolyaxonError) -> bool:
    """No answer at all, or only passing failures until the retries ran out."""
    return error.status is None or error.status in TRANSIENT_STATUSES


@dataclass
class SyncReport:
    """One ``polyaxon-sync`` run: where it went and a row per project (JSON schema 1)."""

    environment: str
    settings: Settings | None  # None when no manifest enables Polyaxon
    dry_run: bool
    results: list[ProjectResult]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "environment": self.environment,
            "host": self.settings.host if self.settings else None,
            "owner": self.settings.owner if self.settings else None,
            "dry_run": self.dry_run,
            "ok": all_ok(self.results),
            "projects": [row.to_json() for row in self.results],
        }

    def document(self) -> Document:
        heading = f"polyaxon-sync to {self.environment}"
        if self.settings is None:
            nothing = "no manifest enables Polyaxon (polyaxon: {enabled: true}); nothing to sync"
            return Document(heading, (nothing,))
        mode = DRY_RUN_NOTE if self.dry_run else ""
        where = f"{heading} ({self.settings.host}, owner {self.settings.owner}){mode}"
        rows = tuple(row.table_row() for row in self.results)
        table = Table(("project", "polyaxon project", "status", "link / message"), rows)
        return Document(heading, (where, table))
