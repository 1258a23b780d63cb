# Do not edit: the template owns this file (make template-update brings its changes).
"""``comment``: post (or update) the one sticky PR comment with a publish summary (and the
pipelines' review diff, ``--diff``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from scripts.core.errors import ConfigError, Problem, UsageError

HELP = (
    "post the publish summary (publish --summary-json) as one sticky pull-request comment, "
    "updated in place on later pushes (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL), with "
    "the pipelines' diff (diff --format json) when given"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pr", type=int, required=True, metavar="N", help="pull request number")
    parser.add_argument(
        "--summary",
        type=Path,
        required=True,
        metavar="FILE",
        help="the JSON that `publish --summary-json FILE` wrote",
    )
    parser.add_argument(
        "--diff",
        type=Path,
        metavar="FILE",
        help="add the pipelines' diff that `diff --format json --output FILE` wrote",
    )
    parser.add_argument(
        "--schedules",
        type=Path,
        metavar="FILE",
        help="add 'Schedules on merge': what `schedules --preview BASE --summary-json FILE` "
        "found the merge would change",
    )
    parser.add_argument(
        "--repo-slug",
        metavar="OWNER/NAME",
        help="repository (default: GITHUB_REPOSITORY, then github-repository in pyproject.toml)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the comment's Markdown and post nothing",
    )


def _repo_slug(args: argparse.Namespace, actions) -> str:
    slug = args.repo_slug or actions.repository
    if not slug:
        from scripts.repo.model import Repo

        slug = Repo.discover(args.repo).settings.github_repository
    owner, _, name = slug.partition("/")
    if not owner or not name or "/" in name:
        raise ConfigError(
            f"repository {slug!r} is not OWNER/NAME — pass --repo-slug OWNER/NAME or set "
            "GITHUB_REPOSITORY"
        )
    return slug


def run(args: argparse.Namespace) -> int:
    from scripts.core.actions import ActionsContext
    from scripts.core.output import Reporter
    from scripts.github import comment, sticky_comment

    if args.pr < 1:
        raise UsageError(f"--pr must be a pull request number, got {args.pr}")
    actions = ActionsContext.from_environ()
    report = comment.load_summary(args.summary)
    review = comment.load_review(args.diff) if args.diff else None
    sections = _schedules_section(args.schedules) if args.schedules else ()
    body = comment.render_comment(
        report, run_url=actions.run_url(), review=review, sections=sections
    )
    if args.dry_run:
        print(body, end="")
        return 0
    reporter = Reporter()
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        reporter.problem(
            Problem("", None, "GITHUB_TOKEN is not set: no PR comment posted", "warning")
        )
        return 0
    slug = _repo_slug(args, actions)
    api_url = actions.api_url or sticky_comment.DEFAULT_API_URL
    try:
        result = sticky_comment.post_sticky_comment(
            body=body, pr_number=args.pr, repo_slug=slug, token=token, api_url=api_url
        )
    except sticky_comment.CommentNotPosted as refused:
        reporter.problem(Problem("", None, str(refused), "warning"))
        return 0
    print(f"{result.action} comment {result.url}")
    return 0


def _schedules_section(path: Path) -> tuple:
    """The preview as the comment's "Schedules on merge" section; none when the merge changes
    no schedule. A missing or unreadable file is one configuration error."""
    from scripts.core.fileio import read_json
    from scripts.core.report import Document
    from scripts.targets.schedules.report import ScheduleReport

    malformed = "not a schedules summary"
    document = read_json(
        path,
        missing="write it with `schedules --preview BASE --summary-json FILE`",
        malformed=malformed,
    )
    try:
        if not isinstance(document, dict):
            raise TypeError(f"a JSON {type(document).__name__}, not an object")
        report = ScheduleReport.from_json(document)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigError(f"{malformed} ({error})", path=path) from None
    if not report.rows:
        return ()
    blocks = report.document().blocks
    return (Document(f"Schedules on merge ({report.environment})", blocks),)
