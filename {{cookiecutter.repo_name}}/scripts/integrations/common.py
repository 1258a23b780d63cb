# Do not edit: the template owns this file (make template-update brings its changes).
"""What every integration's sync shares, so each one (``mlflow/``, ``polyaxon/``) keeps only
what its service needs.

An integration syncs one item per manifest entry (an MLflow experiment, a Polyaxon project) and
reports a row per item: ``ItemResult``. Its ``<name>-sync`` command takes the same arguments
(``add_sync_arguments``), picks projects the same way (``selected_projects``) and turns failed
rows into problems the same way (``raise_failures``). This module lives beside the integration
folders, not in one: the template removes the folder of an integration a repo goes without, so
nothing here may import from them.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from scripts.core.errors import Problem, ProblemsFound, UsageError
from scripts.core.report import SyncResult

if TYPE_CHECKING:  # only for annotations
    from scripts.repo.manifests import Project

# A dry run that could not reach the service: publish shows the plan, as it does for KFP offline.
OFFLINE = "create or update (offline)"
DRY_RUN_NOTE = " (dry run: nothing was written)"


@dataclass
class ItemResult:
    """What a sync did to one item; subclasses name the kind of item in ``KIND``."""

    KIND: ClassVar[str] = ""

    project: str  # the manifest's project
    name: str  # the item's name on the service
    status: str  # each integration documents its statuses; "failed" is common to all
    link: str | None = None
    message: str = ""
    manifest_path: str = ""

    def to_sync_result(self) -> SyncResult:
        """The row publish's summary shows for it."""
        return SyncResult(self.KIND, self.name, self.status, self.link, self.message)

    def to_json(self) -> dict[str, Any]:
        """The row of a ``--format json`` report (schema 1)."""
        return {
            "project": self.project,
            "name": self.name,
            "status": self.status,
            "link": self.link,
            "message": self.message,
        }

    def table_row(self) -> tuple[str, str, str, str]:
        """The row of a text report: project, item, status, then its message or link."""
        return (self.project, self.name, self.status, self.message or self.link or "")


def all_ok(results: Iterable[ItemResult]) -> bool:
    return all(row.status != "failed" for row in results)


def setup_failed(integration: str, environment: str, message: str) -> list[SyncResult]:
    """publish's one row when the sync could not start at all (configuration, access)."""
    return [SyncResult(integration, environment, "failed", message=message)]


def add_sync_arguments(parser: argparse.ArgumentParser, *, plan: str) -> None:
    """The arguments of every ``<integration>-sync`` command; ``plan`` lists the statuses a
    dry run can show, e.g. ``"create, update, exists"``."""
    parser.add_argument(
        "projects",
        nargs="*",
        metavar="PROJECT",
        help="only these projects (manifest names; default: every project)",
    )
    parser.add_argument(
        "--env", required=True, metavar="ENV", help="environment from environments.yml"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=f"print the plan ({plan}) and send no write request",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def selected_projects(projects: list[Project], requested: list[str]) -> list[Project]:
    """The projects named on the command line (all when none are), so that a typo is a usage
    error listing the real names instead of a silent no-op."""
    if not requested:
        return projects
    known = {project.name for project in projects}
    unknown = sorted(set(requested) - known)
    if unknown:
        raise UsageError(
            f"no project {', '.join(map(repr, unknown))} — use one of "
            f"{', '.join(sorted(known)) or '(none: add projects/<name>.yml)'}"
        )
    return [project for project in projects if project.name in requested]


def raise_failures(results: Sequence[ItemResult]) -> None:
    """Turn failed rows into ProblemsFound (after the report is printed), so the exit code says
    the sync failed and each failure points at its manifest."""
    failed = [
        Problem(row.manifest_path, None, f"{row.KIND} {row.name}: {row.message}")
        for row in results
        if row.status == "failed"
    ]
    if failed:
        raise ProblemsFound(failed)
