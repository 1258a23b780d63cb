"""What the review diff costs for many changed pipelines, against compiling them twice.

    python benchmarks/diff.py [--pipelines 50] [--tasks 8]

Writes a temporary git repo with N pipelines of T tasks each (lightweight components from one
helper module), commits, changes every pipeline (a default, one added task) and commits again,
then times, in this run and after ``import kfp``:

- diff: ``diff --base <first commit>`` as the command runs it (``changed`` picks the N
  pipelines, the base is checked out in a worktree, both sides compiled, compared, drawn);
- floor: compiling the same N pipelines twice, which any compiled-spec diff must do at least;
- the diff's own shares: the worktree (add and remove) and the comparison with the pictures.

The number that matters is diff/floor: how much the review diff adds to the compiles it needs.
Nothing is asserted here; timing belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.build.compile import compile_pipelines, worker_count
from scripts.build.diff.worktree import forget_root_modules
from scripts.cli.diff import compare_with
from scripts.repo.model import Repo
from tests.helpers.git_repos import init_repo
from tests.helpers.pipeline_repos import ENVIRONMENTS, PYPROJECT, manifest

STEPS = """\
from kfp import dsl


@dsl.component(base_image="python:3.11")
def step(value: int) -> int:
    return value + 1
"""


def pipeline_source(name: str, tasks: int, default: int, extra: bool) -> str:
    lines = ["from kfp import dsl", "", "from ._steps import step", "", "", "@dsl.pipeline"]
    lines += [f"def {name}(start: int = {default}):", "    value = step(value=start)"]
    lines += ["    value = step(value=value.output)" for _ in range(tasks - 1)]
    if extra:
        lines.append("    step(value=start).set_caching_options(False)")
    return "\n".join(lines) + "\n"


def make_repo(folder: Path, pipelines: int, tasks: int) -> str:
    """The repo at ``folder`` with two commits; returns the first (the base)."""
    repo = init_repo(folder)
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("environments.yml", ENVIRONMENTS)
    repo.write("projects/bench.yml", manifest("bench", ["Default"]))
    repo.write("pipelines/bench/_steps.py", STEPS)
    names = [f"pipeline_{index:03d}" for index in range(pipelines)]
    for name in names:
        repo.write(f"pipelines/bench/{name}.py", pipeline_source(name, tasks, 1, False))
    base = repo.commit("base")
    for name in names:
        repo.write(f"pipelines/bench/{name}.py", pipeline_source(name, tasks, 2, True))
    repo.commit("change every pipeline")
    return base


def floor(root: Path, scratch: Path) -> float:
    """Compile every pipeline twice, as the diff must (two output folders, modules reloaded)."""
    repo = Repo(root)
    pipelines = repo.pipelines()
    jobs = worker_count(None, len(pipelines))
    started = time.perf_counter()
    for side in ("a", "b"):
        forget_root_modules(root)
        compile_pipelines(root, pipelines, scratch / side, jobs=jobs)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=8)
    args = parser.parse_args(argv)
    import kfp.compiler  # noqa: F401  (both timings start after the SDK is imported)

    folder = Path(tempfile.mkdtemp(prefix="bench-diff-"))
    try:
        base = make_repo(folder / "repo", args.pipelines, args.tasks)
        floor_seconds = floor(folder / "repo", folder / "floor")
        started = time.perf_counter()
        report = compare_with(Repo(folder / "repo"), base=base)
        diff_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    changed = sum(1 for p in report.pipelines if p.status == "changed")
    timings = report.timings
    print(f"{changed} of {len(report.pipelines)} pipelines changed, {args.tasks} tasks each")
    print(f"floor (compile twice): {floor_seconds:6.2f} s")
    print(
        f"diff:                  {diff_seconds:6.2f} s  ({diff_seconds / floor_seconds:.2f}x floor)"
    )
    for part in ("worktree", "compile_base", "compile_head", "compare"):
        share = timings.get(part, 0.0) / diff_seconds
        print(f"  {part:13s} {timings.get(part, 0.0):6.2f} s  {share:6.1%} of the diff")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
