# Do not edit: the template owns this file (make template-update brings its changes).
"""``cleanup``: delete the pipeline versions pull requests uploaded to an environment."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from scripts.core.errors import ConfigError, ProblemsFound, UsageError

HELP = (
    "delete the pipeline versions that pull requests uploaded (the ones publish marked): of one "
    "pull request, one branch, or every pull request closed longer ago than a duration; never "
    "main's, never one a recurring run refers to, never a pipeline's last (a plan first)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", required=True, metavar="ENV", help="environment from environments.yml (dev)"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pr", type=int, metavar="N", help="the versions of pull request N")
    which.add_argument("--branch", metavar="NAME", help="the versions of pull requests of NAME")
    which.add_argument(
        "--closed-before",
        metavar="DURATION",
        help="the versions of pull requests closed more than DURATION ago (e.g. 30d; asks "
        "GitHub: GITHUB_TOKEN, GITHUB_API_URL)",
    )
    parser.add_argument(
        "--keep",
        type=int,
        default=0,
        metavar="N",
        help="keep the N newest matching versions of each pipeline (default: 0)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan and delete nothing")
    parser.add_argument(
        "--jobs", type=int, default=8, metavar="N", help="concurrent requests (default: 8)"
    )
    parser.add_argument(
        "--repo-slug",
        metavar="OWNER/NAME",
        help="whose marks count (default: GITHUB_REPOSITORY, then github-repository in "
        "pyproject.toml)",
    )
    parser.add_argument(
        "--summary-json", type=Path, metavar="FILE", help="also write the result as JSON"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from scripts.core.actions import ActionsContext
    from scripts.core.report import emit, render_markdown
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo
    from scripts.targets.cleanup.plan import build_plan
    from scripts.targets.cleanup.report import CleanupReport
    from scripts.targets.select import connected_target

    if args.jobs < 1 or args.keep < 0 or (args.pr is not None and args.pr < 1):
        raise UsageError("--jobs must be at least 1, --keep at least 0, --pr a PR number")
    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    slug = _repository(args, repo)
    namespaces = {environment.namespace} | {
        p.namespace_for(environment.name, environment.namespace)
        for p in load_projects(repo, validate=False)
    }
    target = connected_target(environment)
    inventory = target.cleanup_inventory(namespaces, slug, jobs=args.jobs)
    plan = build_plan(inventory, _selection(args, slug, inventory))
    report = CleanupReport(environment.name, environment.address, plan, args.dry_run)
    if args.format == "text":
        emit(report, "text")  # the plan first, before anything is deleted
    if not args.dry_run and plan.deletes:
        target.cleanup_apply(plan, jobs=args.jobs)
        report.applied = True
        if args.format == "text":
            print()
            emit(report, "text")
    if args.format == "json":
        emit(report, "json")
    if args.summary_json:
        args.summary_json.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n"
        args.summary_json.write_text(text, encoding="utf-8")
    ActionsContext.from_environ().write_step_summary(render_markdown(report.document()))
    if problems := report.problems():
        raise ProblemsFound(problems)
    return 0


def _repository(args: argparse.Namespace, repo) -> str:
    slug = args.repo_slug or os.environ.get("GITHUB_REPOSITORY") or ""
    slug = slug or repo.settings.github_repository
    if "/" not in slug:
        raise ConfigError(
            "cleanup needs the repository whose marks count — pass --repo-slug OWNER/NAME, set "
            "GITHUB_REPOSITORY, or github-repository in pyproject.toml"
        )
    return slug


def _selection(args: argparse.Namespace, slug: str, inventory):
    from scripts.core.naming import slugify_branch
    from scripts.targets.cleanup.plan import Selection

    if args.pr is not None:
        return Selection(pr=args.pr, keep=args.keep)
    if args.branch is not None:
        return Selection(branch=slugify_branch(args.branch), keep=args.keep)
    return Selection(closed=_closed(args.closed_before, slug, inventory), keep=args.keep)


def _closed(duration: str, slug: str, inventory) -> frozenset[int]:
    """The marked pull requests GitHub says were closed more than ``duration`` ago."""
    from datetime import UTC, datetime

    from github import GithubException

    from scripts.core.actions import ActionsContext
    from scripts.core.durations import parse_duration
    from scripts.core.errors import RemoteError
    from scripts.github.pull_states import closed_before
    from scripts.github.sticky_comment import DEFAULT_API_URL, github_client

    try:
        cutoff = datetime.now(UTC) - parse_duration(duration)
    except ValueError as error:
        raise UsageError(f"--closed-before {duration!r}: {error}") from None
    numbers = inventory.pull_requests()
    if not numbers:
        return frozenset()
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        raise ConfigError(
            "--closed-before asks GitHub which pull requests are closed: set GITHUB_TOKEN"
        )
    api_url = ActionsContext.from_environ().api_url or DEFAULT_API_URL
    client = github_client(token, api_url)
    try:
        return closed_before(client.get_repo(slug), numbers, cutoff)
    except GithubException as error:
        raise RemoteError(
            f"GitHub answered {error.status} listing {slug}'s pull requests on {api_url}"
        ) from None
    finally:
        client.close()
