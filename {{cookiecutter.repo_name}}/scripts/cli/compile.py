# Do not edit: the template owns this file (make template-update brings its changes).
"""``compile``: build KFP specs for all, changed or selected pipelines."""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts.cli.selection import ALL, CHANGED, Selection
from scripts.core.errors import ProblemsFound, UsageError
from scripts.repo.model import Pipeline, Repo

HELP = "compile pipelines to build/pipelines/<project>/<pipeline>.yaml and write build/compile.json"
SELECTION = Selection(dest="selectors", metavar="SELECTOR", verb="compile", label="SELECTORs")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    SELECTION.add_arguments(
        parser,
        names_help="<project>/<pipeline> or <project> (all its pipelines)",
        all_help="compile every pipeline in the repo",
        changed_help="compile the pipelines affected since --base (see `changed`)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build"),
        metavar="DIR",
        help="output folder, relative to the repo root (default: build)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="compile in up to N processes forked after kfp is imported (default: one per CPU "
        "core; never more than the cores, and one process per 16 pipelines at most, so that "
        "more jobs are never slower, as the template's compile benchmark measured)",
    )


def changed_selection(repo: Repo, base: str) -> tuple[list[Pipeline], set[str]]:
    """The pipelines change detection reports as affected (deleted ones are never compiled),
    and the projects it reports (manifest changes included)."""
    from scripts.detect.changes import find_changes

    report = find_changes(repo, base=base)
    pipelines = sorted(p for p in report.pipelines if (repo.root / p.path).is_file())
    return pipelines, set(report.projects)


def select_pipelines(repo: Repo, args: argparse.Namespace) -> tuple[list[Pipeline], set[str]]:
    """The pipelines to compile and the projects publish should sync afterwards."""
    mode = SELECTION.mode(args)
    if mode == ALL:
        return repo.pipelines(), set(repo.project_names())
    if mode == CHANGED:
        return changed_selection(repo, args.base)
    return repo.select(args.selectors), set()


def run(args: argparse.Namespace) -> int:
    from scripts.build.compile import compile_pipelines, worker_count
    from scripts.core.output import Reporter

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    repo = Repo.discover(args.repo)
    pipelines, projects = select_pipelines(repo, args)
    out_dir = args.out if args.out.is_absolute() else repo.root / args.out
    jobs = worker_count(args.jobs, len(pipelines))
    result = compile_pipelines(repo.root, pipelines, out_dir, jobs=jobs)
    result.projects |= projects
    index = result.write(out_dir)
    shown = out_dir.relative_to(repo.root) if out_dir.is_relative_to(repo.root) else out_dir
    for item in result.compiled:
        print(f"compiled {item.selector} -> {shown / item.output}")
    Reporter().problems(result.warnings)  # stderr, one line each (annotations in CI)
    if not pipelines:
        print(f"nothing to compile; index: {shown / index.name}")
        return 0
    print(
        f"{len(result.compiled)} compiled, {len(result.failed)} failed; index: {shown / index.name}"
    )
    if result.failed:
        raise ProblemsFound(result.problems)
    return 0
