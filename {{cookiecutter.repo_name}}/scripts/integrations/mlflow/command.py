# Do not edit: the template owns this file (make template-update brings its changes).
"""``mlflow-sync``: create, restore or re-tag the MLflow experiments the manifests ask for."""

from __future__ import annotations

import argparse

from scripts.core.report import emit
from scripts.integrations.common import add_sync_arguments, raise_failures, selected_projects
from scripts.integrations.mlflow.sync import ExperimentResult

HELP = (
    "mirror every manifest experiment as the MLflow experiment <project>/<experiment>, tagged "
    "with the project, its owners and this repo, on an environment's tracking server "
    "(mlflow_tracking_uri in environments.yml, MLFLOW_TRACKING_URI overrides it; credentials "
    "from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD): missing ones are "
    "created, deleted ones restored, tags updated; nothing is deleted"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_sync_arguments(parser, plan="create, restore, update, exists")


def run(args: argparse.Namespace) -> int:
    from scripts.integrations.mlflow import sync as mlflow
    from scripts.integrations.mlflow.api import MlflowApi, settings_for
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    projects = selected_projects(load_projects(repo), args.projects)
    wanted = mlflow.targets(projects, repo.settings.github_repository)
    settings = settings_for(environment) if wanted else None
    results: list[ExperimentResult] = []
    if settings is not None:  # no client at all when there is nothing to sync
        results = mlflow.sync_experiments(MlflowApi(settings), wanted, dry_run=args.dry_run)
    emit(mlflow.SyncReport(environment.name, settings, args.dry_run, results), args.format)
    raise_failures(results)
    return 0
