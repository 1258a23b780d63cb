# Do not edit: the template owns this file (make template-update brings its changes).
"""``changed --base REF [--head REF] [--format text|json|github]``: what a change affects.

``github`` is for workflows: it writes step outputs to ``$GITHUB_OUTPUT`` (see
``github_outputs``), prints the text report for the log and adds it to the job summary.

Warnings (reads whose file change detection cannot resolve) are part of the report in text
and Markdown, the ``warnings`` key in JSON (and lines on stderr then, stdout being the JSON
alone), and ``::warning`` annotations inside GitHub Actions in every format.
"""

from __future__ import annotations

import argparse

from scripts.repo.model import Repo

HELP = (
    "List the pipelines a change affects (with the reasons: their own code, a module they "
    "import at any depth, a component they load, a data file they name by a literal path, or "
    "a repo-wide input), the deleted pipelines, the projects whose manifests changed and the "
    "components to rebuild, and warn about file reads in pipeline code whose path it cannot "
    "resolve. Compares HEAD with its merge base with --base; `--base auto` picks the base from "
    "the GitHub Actions event (or origin/main outside Actions). Never imports kfp or pipeline "
    "code."
)
FORMATS = ("text", "json", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="branch, tag or commit to compare with (its merge base with --head), or 'auto'",
    )
    parser.add_argument(
        "--head", default="HEAD", metavar="REF", help="commit to inspect (default: HEAD)"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text for people; json on stdout; github: outputs to $GITHUB_OUTPUT for a job "
        "matrix (pipelines, counts, any, projects, components) plus the text report",
    )


def run(args: argparse.Namespace) -> int:
    from scripts.core.actions import ActionsContext
    from scripts.core.output import Reporter, github_annotation
    from scripts.core.report import emit, render_markdown
    from scripts.detect.changes import find_changes
    from scripts.detect.report import github_outputs

    repo = Repo.discover(args.repo)
    changes = find_changes(repo, base=args.base, head=args.head)
    if args.format == "github":
        actions = ActionsContext.from_environ()
        actions.set_outputs(github_outputs(changes))
        actions.write_step_summary(render_markdown(changes.document()))
    reporter = Reporter()
    if args.format == "json":
        reporter.problems(changes.warnings)  # the report cannot carry them: stdout is JSON
    elif reporter.github:
        for warning in changes.warnings:  # the report shows them; these are the annotations
            print(github_annotation(warning), file=reporter.stream)
    emit(changes, "json" if args.format == "json" else "text")
    return 0
