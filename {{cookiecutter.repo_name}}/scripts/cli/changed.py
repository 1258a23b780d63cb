"""``changed --base REF [--head REF] [--format text|json|github]``: what a change affects.

``github`` is for workflows: it writes step outputs to ``$GITHUB_OUTPUT`` (see
``github_outputs``), prints the text report for the log and adds it to the job summary.
"""

from __future__ import annotations

import argparse

from scripts.repo.model import Repo

HELP = (
    "List the pipelines a change affects (with the reasons: their own code, a module they "
    "import at any depth, a component they load, or a repo-wide input), the deleted pipelines, "
    "the projects whose manifests changed and the components to rebuild. Compares HEAD with "
    "its merge base with --base; `--base auto` picks the base from the GitHub Actions event "
    "(or origin/main outside Actions). Never imports kfp or pipeline code."
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
    from scripts.core.report import emit, render_markdown
    from scripts.detect.changes import find_changes
    from scripts.detect.report import github_outputs

    repo = Repo.discover(args.repo)
    changes = find_changes(repo, base=args.base, head=args.head)
    if args.format == "github":
        actions = ActionsContext.from_environ()
        actions.set_outputs(github_outputs(changes))
        actions.write_step_summary(render_markdown(changes.document()))
    emit(changes, "json" if args.format == "json" else "text")
    return 0
