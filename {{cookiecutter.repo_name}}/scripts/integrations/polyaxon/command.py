# Do not edit: the template owns this file (make template-update brings its changes).
"""``polyaxon-sync``: create or update the Polyaxon projects the manifests ask for."""

from __future__ import annotations

import argparse

from scripts.core.errors import Problem, ProblemsFound, UsageError
from scripts.core.report import emit
from scripts.integrations.polyaxon.api import ProjectTarget, Settings
from scripts.integrations.polyaxon.sync import ProjectResult
from scripts.repo.manifests import Project

HELP = (
    "create the Polyaxon project of every manifest with `polyaxon: {enabled: true}` in an "
    "environment's Polyaxon (polyaxon_host / polyaxon_owner in environments.yml, POLYAXON_HOST "
    "/ POLYAXON_OWNER override them; token from POLYAXON_AUTH_TOKEN); existing ones are left "
    "alone, a changed description or a missing tag is updated"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
        help="print the plan (create, update, exists) and send no write request",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from scripts.integrations.polyaxon import sync as polyaxon
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    projects = _selected_projects(load_projects(repo), args.projects)
    wanted = polyaxon.targets(projects)
    settings = polyaxon.settings_for(environment) if wanted else None
    results, retries = _sync(wanted, settings, dry_run=args.dry_run)
    report = polyaxon.SyncReport(environment.name, settings, args.dry_run, results)
    emit(report, args.format)
    if retries:
        from scripts.core.output import Reporter

        Reporter().info(f"note: {retries} transient failure(s) retried")
    _raise_failures(results)
    return 0


def _selected_projects(projects: list[Project], requested: list[str]) -> list[Project]:
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


def _sync(
    wanted: list[ProjectTarget], settings: Settings | None, *, dry_run: bool
) -> tuple[list[ProjectResult], int]:
    """The sync results and the retries it took; no API client at all when nothing is wanted,
    so a repo without Polyaxon projects needs no Polyaxon settings."""
    from scripts.integrations.polyaxon import sync as polyaxon

    if not wanted:
        return [], 0
    api = polyaxon.PolyaxonApi(settings)
    results = polyaxon.sync_projects(api, wanted, dry_run=dry_run)
    return results, api.retries_done


def _raise_failures(results: list[ProjectResult]) -> None:
    """Turn failed rows into ProblemsFound (after the report is printed), so the exit code says
    the sync failed and each failure points at its manifest."""
    failed = [
        Problem(row.manifest_path, None, f"polyaxon project {row.name}: {row.message}")
        for row in results
        if row.status == "failed"
    ]
    if failed:
        raise ProblemsFound(failed)
