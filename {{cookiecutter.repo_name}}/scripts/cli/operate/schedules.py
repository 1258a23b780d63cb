# Do not edit: the template owns this file (make template-update brings its changes).
"""``schedules``: sync the manifests' schedules to an environment's KFP as pinned recurring runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts.core.errors import ProblemsFound

HELP = (
    "make the manifests' schedules true on an environment's KFP: recurring runs pinned to the "
    "published version, replaced safely when anything changed (new one disabled, old one "
    "disabled, new one enabled), paused, or deleted once idle; only ours are touched"
)
FORMATS = ("text", "json", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", required=True, metavar="ENV", help="environment from environments.yml"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (create, replace, enable, pause, remove) and send no write request",
    )
    parser.add_argument(
        "--version",
        metavar="NAME",
        help="the version to pin where this commit published one (default: <branch>-<sha8>, as "
        "publish names it); pipelines without it are pinned to their newest version",
    )
    parser.add_argument(
        "--preview",
        metavar="BASE",
        help="no server: what merging into BASE (a git ref) would change, from the manifests "
        "alone (for the pull-request comment)",
    )
    parser.add_argument(
        "--summary-json", type=Path, metavar="FILE", help="also write the result as JSON"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text for people; json on stdout; github: text plus the job summary",
    )


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo
    from scripts.targets.publish.versions import chosen_version_name

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    if args.preview:
        from scripts.targets.schedules.preview import preview_schedules

        report = preview_schedules(repo, environment, base=args.preview)
        _write(args, report)
        return 0
    projects = load_projects(repo)  # a broken manifest must not remove schedules
    version = chosen_version_name(args.version, repo.root)
    report = _sync(projects, environment, repo, version, args.dry_run, datetime.now(UTC))
    _write(args, report)
    if problems := report.problems():
        raise ProblemsFound(problems)
    return 0


def _sync(projects, environment, repo, version: str, dry_run: bool, now):
    """Connect as publish does (one target, preflighted) and sync."""
    from scripts.targets.schedules.sync import sync_schedules
    from scripts.targets.select import connected_target

    target = connected_target(environment)
    return sync_schedules(
        projects,
        environment,
        target.schedule_scope,
        repository=repo.settings.github_repository or repo.root.name,
        version_name=version,
        dry_run=dry_run,
        now=now,
    )


def _write(args: argparse.Namespace, report) -> None:
    from scripts.core.actions import ActionsContext
    from scripts.core.report import emit, render_markdown

    if args.summary_json:
        args.summary_json.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n"
        args.summary_json.write_text(text, encoding="utf-8")
    if args.format == "github":
        actions = ActionsContext.from_environ()
        actions.write_step_summary(render_markdown(report.document()))
        # For a workflow's `if:`: whether the preview (or sync) has anything to do.
        writes = any(row.action not in ("unchanged", "not managed") for row in report.rows)
        actions.set_outputs({"changes": "true" if writes else "false"})
    emit(report, "json" if args.format == "json" else "text")
