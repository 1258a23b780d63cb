# Do not edit: the template owns this file (make template-update brings its changes).
"""``diff --base REF [--head REF] [SELECTOR... | --changed]``: what a change does to the
compiled pipelines, compared as data (inputs, tasks, components, edges), with a picture.

``--format markdown`` adds each pipeline's Mermaid picture; ``--output FILE`` writes the
rendering to a file instead of stdout (the pull-request workflow keeps the JSON for the comment:
a pipeline module that prints while it is imported cannot spoil it). In GitHub Actions the
Markdown also goes to the job summary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from scripts.core.errors import Problem, UsageError

HELP = (
    "Compare the compiled pipelines of the merge base of --base with the head's: pipeline "
    "inputs, tasks added, removed or renamed, each task's image, command, inputs, caching, "
    "retry, resources, node selector, env, conditions and loops, and the edges, with a Mermaid "
    "picture of the head DAG. The base is compiled in a temporary git worktree by this "
    "checkout's compile code. Default selection: the pipelines `changed` reports."
)
FORMATS = ("text", "markdown", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "selectors",
        nargs="*",
        metavar="SELECTOR",
        help="<project>/<pipeline> or <project> (all its pipelines)",
    )
    parser.add_argument(
        "--changed",
        action="store_true",
        help="the pipelines a change affects, deleted ones included (the default)",
    )
    parser.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="branch, tag or commit to compare with (its merge base with the head), or 'auto'",
    )
    parser.add_argument(
        "--head",
        metavar="REF",
        help="commit to compare (default: the working tree as it is on disk)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the rendering to FILE, not stdout"
    )


def compare_with(
    repo,
    *,
    base: str,
    head: str | None = None,
    selectors: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    jobs: int | None = None,
):
    """The ``DiffReport`` of the pipelines named by ``selectors`` (None: those ``changed``
    finds, deleted ones included) between the merge base of ``base`` and ``head`` (None: the
    working tree; its commit HEAD picks the merge base and the changed pipelines)."""
    from scripts.build.diff.report import DiffReport
    from scripts.build.diff.run import diff_pipelines
    from scripts.detect.base import choose_base
    from scripts.detect.changes import find_changes
    from scripts.detect.git import merge_base, resolve_commit

    head_sha = resolve_commit(repo.root, head) if head else None
    choice = choose_base(repo.root, base, env)
    if choice.ref is None:
        return DiffReport(None, head_sha, base, note=f"No review diff: {choice.why}.")
    base_sha = merge_base(repo.root, choice.ref, head_sha or "HEAD")
    deleted = []
    if selectors:
        pipelines = repo.select(selectors)
    else:
        changes = find_changes(repo, base=base, head=head_sha or "HEAD", env=env)
        on_disk = [p for p in changes.pipelines if head or (repo.root / p.path).is_file()]
        pipelines, deleted = on_disk, list(changes.deleted_pipelines)
    return diff_pipelines(
        repo,
        base=base_sha,
        head=head_sha,
        pipelines=pipelines,
        deleted=deleted,
        base_ref=base,
        jobs=jobs,
    )


def run(args: argparse.Namespace) -> int:
    from scripts.build.diff.markdown import STEP_SUMMARY_CHARS, fit_review, report_markdown
    from scripts.core.actions import ActionsContext
    from scripts.core.output import Reporter, print_json
    from scripts.core.report import render_text
    from scripts.repo.model import Repo

    if args.changed and args.selectors:
        raise UsageError("give SELECTORs or --changed, not both")
    repo = Repo.discover(args.repo)
    if args.selectors:
        repo.select(args.selectors)  # a typo is a usage error before anything is compiled
    elif args.head is None and _uncommitted(repo.root):
        Reporter().problem(
            Problem(
                "",
                None,
                "uncommitted changes are compiled, but the pipelines are picked from the "
                "commits: commit first, or name the pipelines (SELECTOR...)",
                "warning",
            )
        )
    report = compare_with(repo, base=args.base, head=args.head, selectors=args.selectors)
    markdown = report_markdown(report)
    actions = ActionsContext.from_environ()
    if actions.running:
        actions.write_step_summary(fit_review(report, STEP_SUMMARY_CHARS))
    if args.output is not None:
        with open(args.output, "w", encoding="utf-8") as stream:
            _write(report, args.format, markdown, stream, print_json, render_text)
        count = len(report.pipelines)
        print(f"wrote the {args.format} diff of {count} pipeline(s) to {args.output}")
    else:
        _write(report, args.format, markdown, sys.stdout, print_json, render_text)
    return 0


def _uncommitted(root: Path) -> bool:
    """Whether tracked files differ from HEAD."""
    from scripts.detect.git import GitFailed, run_git

    try:
        return bool(run_git(root, "status", "--porcelain", "--untracked-files=no").strip())
    except GitFailed:
        return False


def _write(report, output_format, markdown, stream, print_json, render_text) -> None:
    if output_format == "json":
        print_json(report.to_json(), stream)
    elif output_format == "markdown":
        stream.write(markdown)
    else:
        print(render_text(report.document()), file=stream)
