# Do not edit: the template owns this file (make template-update brings its changes).
"""``mlflow-sync``: create, restore or re-tag the MLflow experiments the manifests ask for."""

from __future__ import annotations

import argparse

from scripts.core.errors import Problem, ProblemsFound, UsageError
from scripts.core.report import emit
from scripts.integrations.mlflow.sync import ExperimentResult
from scripts.repo.manifests import Project

HELP = (
    "mirror every manifest experiment as the MLflow experiment <project>/<experiment>, tagged "
    "with the project, its owners and this repo, on an environment's tracking server "
    "(mlflow_tracking_uri in environments.yml, MLFLOW_TRACKING_URI overrides it; credentials "
    "from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD): missing ones are "
    "created, deleted ones restored, tags updated; nothing is deleted"
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
        help="print the plan (create, restore, update, exists) and send no write request",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from scripts.integrations.mlflow import sync as mlflow
    from scripts.integrations.mlflow.api import MlflowApi, settings_for
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    projects = _selected_projects(load_projects(repo), args.projects)
    wanted = mlflow.targets(projects, repo.settings.github_repository)
    settings = settings_for(environment) if wanted else None
    results: list[ExperimentResult] = []
    if settings is not None:  # no client at all when there is nothing to sync
        results = mlflow.sync_experiments(MlflowApi(settings), wanted, dry_run=args.dry_run)
    emit(mlflow.SyncReport(environment.name, settings, args.dry_run, results), args.format)
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


def _raise_failures(results: list[ExperimentResult]) -> None:
    """Turn failed rows into ProblemsFound (after the report is printed), so the exit code says
    the sync failed and each failure points at its manifest."""
    failed = [
        Problem(row.manifest_path, None, f"mlflow experiment {row.name}: {row.message}")
        for row in results
        if row.status == "failed"
    ]
    if failed:
        raise ProblemsFound(failed)
