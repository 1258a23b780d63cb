"""``polyaxon-sync``: create or update the Polyaxon projects the manifests ask for."""

from __future__ import annotations

import argparse

from scripts.core.errors import Problem, ProblemsFound, UsageError

HELP = (
    "create the Polyaxon project of every manifest with `polyaxon: {enabled: true}` in an "
    "environment's Polyaxon (polyaxon_host / polyaxon_owner in environments.yml, POLYAXON_HOST "
    "/ POLYAXON_OWNER override them; token from POLYAXON_AUTH_TOKEN); existing ones are left "
    "alone, a changed description or a missing tag is updated"
)
HEADERS = ("PROJECT", "POLYAXON PROJECT", "STATUS", "LINK / MESSAGE")


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
    from scripts.core.output import Reporter, print_json
    from scripts.core.report import text_table
    from scripts.integrations.polyaxon import sync as polyaxon
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    projects = load_projects(repo)
    if args.projects:
        known = {project.name for project in projects}
        unknown = sorted(set(args.projects) - known)
        if unknown:
            raise UsageError(
                f"no project {', '.join(map(repr, unknown))} — use one of "
                f"{', '.join(sorted(known)) or '(none: add projects/<name>.yml)'}"
            )
        projects = [project for project in projects if project.name in args.projects]
    wanted = polyaxon.targets(projects)
    settings = polyaxon.settings_for(environment) if wanted else None
    results = []
    retries = 0
    if wanted:
        api = polyaxon.PolyaxonApi(settings)
        results = polyaxon.sync_projects(api, wanted, dry_run=args.dry_run)
        retries = api.retries_done

    if args.format == "json":
        print_json(
            {
                "schema": 1,
                "environment": environment.name,
                "host": settings.host if settings else None,
                "owner": settings.owner if settings else None,
                "dry_run": args.dry_run,
                "ok": all(row.status != "failed" for row in results),
                "projects": [
                    {
                        "project": row.project,
                        "name": row.name,
                        "status": row.status,
                        "link": row.link,
                        "message": row.message,
                    }
                    for row in results
                ],
            }
        )
    elif not wanted:
        print("no manifest enables Polyaxon (polyaxon: {enabled: true}); nothing to sync")
    else:
        mode = " (dry run: nothing was written)" if args.dry_run else ""
        print(
            f"polyaxon-sync to {environment.name} ({settings.host}, owner {settings.owner}){mode}"
        )
        rows = [
            (row.project, row.name, row.status, row.message or row.link or "") for row in results
        ]
        print(text_table(HEADERS, rows))
    if retries:
        Reporter().info(f"note: {retries} transient failure(s) retried")
    failed = [
        Problem(row.manifest_path, None, f"polyaxon project {row.name}: {row.message}")
        for row in results
        if row.status == "failed"
    ]
    if failed:
        raise ProblemsFound(failed)
    return 0
