# Do not edit: the template owns this file (make template-update brings its changes).
"""``polyaxon-sync``: create or update the Polyaxon projects the manifests ask for."""

from __future__ import annotations

import argparse

from scripts.core.report import emit
from scripts.integrations.common import add_sync_arguments, raise_failures, selected_projects
from scripts.integrations.polyaxon.api import ProjectTarget, Settings
from scripts.integrations.polyaxon.sync import ProjectResult

HELP = (
    "create the Polyaxon project of every manifest with `polyaxon: {enabled: true}` in an "
    "environment's Polyaxon (polyaxon_host / polyaxon_owner in environments.yml, POLYAXON_HOST "
    "/ POLYAXON_OWNER override them; token from POLYAXON_AUTH_TOKEN); existing ones are left "
    "alone, a changed description or a missing tag is updated"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_sync_arguments(parser, plan="create, update, exists")


def run(args: argparse.Namespace) -> int:
    from scripts.integrations.polyaxon import sync as polyaxon
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    projects = selected_projects(load_projects(repo), args.projects)
    wanted = polyaxon.targets(projects)
    settings = polyaxon.settings_for(environment) if wanted else None
    results, retries = _sync(wanted, settings, dry_run=args.dry_run)
    report = polyaxon.SyncReport(environment.name, settings, args.dry_run, results)
    emit(report, args.format)
    if retries:
        from scripts.core.output import Reporter

        Reporter().info(f"note: {retries} transient failure(s) retried")
    raise_failures(results)
    return 0


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
