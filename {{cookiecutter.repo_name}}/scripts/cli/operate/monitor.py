# Do not edit: the template owns this file (make template-update brings its changes).
"""``monitor``: the runs of the managed schedules against their SLOs, reported to the owners."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from scripts.core.errors import ProblemsFound

HELP = (
    "check the runs of an environment's managed schedules: failed runs, runs over their "
    "max_duration, missed triggers, recoveries; open, update or close one GitHub issue per "
    "broken schedule and post new breaches to the project's Slack webhook"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", required=True, metavar="ENV", help="environment from environments.yml"
    )
    parser.add_argument(
        "--since",
        default="auto",
        metavar="DURATION",
        help="the window: a duration such as 2h, or auto (default): two intervals of the "
        "environment's monitor_cron, so consecutive passes overlap",
    )
    parser.add_argument(
        "--until",
        metavar="TIME",
        help="end of the window, ISO 8601 (default: now; UTC when no offset): re-check a "
        "past window, e.g. after the monitor workflow did not run",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would be told; change nothing"
    )
    parser.add_argument(
        "--fail-on-breach",
        action="store_true",
        help="exit 1 when a schedule is breaching (default: exit 0 whenever the check ran)",
    )
    parser.add_argument(
        "--summary-json", type=Path, metavar="FILE", help="also write the result as JSON"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text for people; json on stdout; github: text plus the job summary",
    )


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from scripts.core.actions import ActionsContext
    from scripts.core.report import emit, render_markdown
    from scripts.github.monitor_reports import report_watch
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo
    from scripts.targets.monitor.watch import watch
    from scripts.targets.monitor.window import window_start
    from scripts.targets.select import connected_target

    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    now = _until(args.until) if args.until else datetime.now(UTC).replace(microsecond=0)
    start = window_start(args.since, environment, now)
    projects = load_projects(repo)
    target = connected_target(environment)
    repository = repo.settings.github_repository or repo.root.name
    result = watch(
        projects, environment, target.schedule_scope, repository=repository, start=start, now=now
    )
    issues = _issues(environment.name, repository, args.dry_run)
    report = report_watch(result, issues=issues, dry_run=args.dry_run, environ=os.environ)
    if args.summary_json:
        args.summary_json.parent.mkdir(parents=True, exist_ok=True)
        args.summary_json.write_text(json.dumps(report.to_json(), indent=2) + "\n", "utf-8")
    if args.format == "github":
        ActionsContext.from_environ().write_step_summary(render_markdown(report.document()))
    emit(report, "json" if args.format == "json" else "text")
    if args.dry_run and args.format != "json":
        for outcome in report.outcomes:
            if outcome.preview:
                print(
                    f"\n--- {outcome.key}: the issue would be {outcome.issue_action.split()[-1]}"
                    f" with:\n{outcome.preview}"
                )
    if problems := report.problems():
        raise ProblemsFound(problems)
    return 1 if args.fail_on_breach and report.breaches else 0


def _issues(environment: str, repository: str, dry_run: bool):
    """The repository's monitor issues through PyGithub, as ``comment`` reaches GitHub; with
    no token in a dry run, none (every finding shows as new, and the issue it would open)."""
    from scripts.core.actions import ActionsContext
    from scripts.core.errors import ConfigError
    from scripts.github.slo_issues import SloIssues
    from scripts.github.sticky_comment import DEFAULT_API_URL, github_client

    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        if dry_run:
            return SloIssues(None, environment, dry_run=True)
        raise ConfigError(
            "GITHUB_TOKEN is not set: the monitor reports breaches as GitHub issues — set it "
            "(a token with `issues: write`), or use --dry-run"
        )
    actions = ActionsContext.from_environ()
    slug = actions.repository or repository
    client = github_client(token, actions.api_url or DEFAULT_API_URL)
    return SloIssues(client.get_repo(slug), environment, dry_run=dry_run)


def _until(text: str):
    from datetime import UTC, datetime

    from scripts.core.errors import UsageError

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--until {text!r} is not an ISO 8601 time, e.g. 2026-03-01T06:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
