"""Benchmark `python -m scripts changed` on a large synthetic monorepo, against the floor.

    .venv/bin/python benchmarks/changed.py [--pipelines 2000] [--projects 100] [--modules 200]
        [--runs 7] [--keep DIR]

Builds, from a bake of this template (no example project), a monorepo of N pipelines in P
projects over a shared components package of M modules in four layers (io <- utils <- features
<- models, each module importing two or three of the layer below, popular modules more often:
a realistic fan-in), each project with a `_features.py` helper its pipelines import relatively,
and five container components, one pipeline in twenty loading one through
`components.load(...)`. It commits that on `main` and packs it (`git gc`, as a clone is),
branches, changes one file, and prints, each the median of --runs runs:

- `changed --base main --format json` as a subprocess (what CI runs), for four one-file
  changes: a typical shared module (a mid-layer `features` module), a project's helper module
  (imported relatively by that project's pipelines), a container component's `component.yaml`,
  and the worst case (the most imported `io` module, which every pipeline reaches: nothing can
  be skipped);
- the floor: a bare `git diff --name-only main...HEAD` plus a bare Python start
  (`python -c pass`);
- the ratio to the floor. Target on a 2-core machine: under 1.5 s and under 10x the floor.

Each figure is given as wall time and as CPU time (user + system of the process and the git
processes it ran): on a shared machine the wall time of a process that starts six others
swells with the load far more than a bare `python -c pass` does; CPU time shows the work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
PACKAGE = "acme_components"  # the default package_name of a bake
LAYERS = ("io", "utils", "features", "models")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}

MODULE = '''\
"""Shared module {layer}/{name}: lightweight components and helpers."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

from kfp import dsl
{imports}
if TYPE_CHECKING:
    from collections.abc import Sequence


def helper_{name}(values: Sequence[float]) -> float:
    """Mean of the values, or NaN for none."""
    return sum(values) / len(values) if values else math.nan


@dsl.component(base_image="python:3.11")
def step_{name}(data: dsl.Input[dsl.Dataset], out: dsl.Output[dsl.Dataset]) -> None:
    """Copy the dataset, recording its size."""
    with open(data.path) as source, open(out.path, "w") as target:
        rows = source.readlines()
        target.writelines(rows)
        out.metadata["rows"] = json.dumps(len(rows))
'''

PIPELINE = '''\
"""Pipeline {project}/{name}: generated for the change-detection benchmark."""

from kfp import dsl

{imports}
from . import _features
{component}

@dsl.pipeline(description="{project} {name}")
def {name}(rows: int = {index}, threshold: float = 0.5):
    """Train and evaluate a model on generated data."""
    data = _features.make_dataset(rows=rows)
{steps}
'''

HELPER = '''\
"""Project helpers shared by {project}'s pipelines."""

from kfp import dsl


@dsl.component(base_image="python:3.11")
def make_dataset(rows: int, out: dsl.Output[dsl.Dataset]) -> None:
    with open(out.path, "w") as target:
        target.writelines(f"{{i}},{{i * 2}}\\n" for i in range(rows))
'''

MANIFEST = """\
kind: Project
name: {project}
description: Generated project {project}.
experiments:
  - name: Default
owners:
  - github: '@acme/ml'
"""

COMPONENT = """\
name: {name}
implementation:
  container:
    image: ghcr.io/acme/{name}:latest
    command: [python, /app/main.py]
"""


# Python's default: bytecode is cached in __pycache__ after the first run (the warm-up run).
# Some sandboxes set PYTHONDONTWRITEBYTECODE, which would recompile every module of scripts/ on
# every run and measure the sandbox rather than the tool.
RUN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def popular(rng: random.Random, names: list[str], count: int) -> list[str]:
    """``count`` distinct names, the first ones far more likely (Zipf-like fan-in)."""
    weights = [1 / (rank + 1) for rank in range(len(names))]
    chosen: list[str] = []
    while len(chosen) < min(count, len(names)):
        name = rng.choices(names, weights)[0]
        if name not in chosen:
            chosen.append(name)
    return chosen


def build_monorepo(repo: Path, pipelines: int, projects: int, modules: int) -> dict[str, str]:
    """Write the synthetic monorepo; returns the module paths the benchmark changes."""
    rng = random.Random(20260101)
    per_layer = modules // len(LAYERS)
    layer_modules = {layer: [f"{layer[0]}_{i:03d}" for i in range(per_layer)] for layer in LAYERS}
    package = repo / PACKAGE
    for depth, layer in enumerate(LAYERS):
        write(package / layer / "__init__.py", f'"""{layer} modules."""\n')
        for name in layer_modules[layer]:
            imports = ""
            if depth:
                below = LAYERS[depth - 1]
                picked = popular(rng, layer_modules[below], rng.randint(2, 3))
                imports = "".join(f"from {PACKAGE}.{below} import {dep}\n" for dep in picked)
            write(
                package / layer / f"{name}.py",
                MODULE.format(layer=layer, name=name, imports=imports),
            )
    for index in range(pipelines):
        project = f"project-{index % projects:03d}"
        name = f"pipeline_{index:04d}"
        picked = [
            (layer, dep)
            for layer in ("features", "models", "utils")
            for dep in popular(rng, layer_modules[layer], rng.randint(1, 2))
        ]
        imports = "\n".join(f"from {PACKAGE}.{layer} import {dep}" for layer, dep in picked)
        steps = "".join(f"    data = {dep}.step_{dep}(data=data.output)\n" for _, dep in picked)
        # One pipeline in twenty also runs a container component, loaded by name.
        component = (
            f'from {PACKAGE} import components\n\njob = components.load("job-{index // 20 % 5}")\n'
            if index % 20 == 0
            else ""
        )
        write(
            repo / "pipelines" / project / f"{name}.py",
            PIPELINE.format(
                project=project,
                name=name,
                index=index,
                imports=imports,
                component=component,
                steps=steps.rstrip("\n"),
            ),
        )
    for number in range(projects):
        project = f"project-{number:03d}"
        write(repo / "pipelines" / project / "_features.py", HELPER.format(project=project))
        write(repo / "projects" / f"{project}.yml", MANIFEST.format(project=project))
    for number in range(5):
        write(
            repo / "components" / f"job-{number}" / "component.yaml",
            COMPONENT.format(name=f"job-{number}"),
        )
    return {
        "typical (a features module)": f"{PACKAGE}/features/{layer_modules['features'][7]}.py",
        "project helper (pipelines/<project>/_features.py)": "pipelines/project-042/_features.py",
        "container component (loaded by name)": "components/job-2/component.yaml",
        "worst case (the most imported io module)": f"{PACKAGE}/io/{layer_modules['io'][0]}.py",
    }


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the process and everything it waited for,
    git included) and stdout of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=RUN_ENV, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, result.stdout


def median_of(command: list[str], cwd: Path, runs: int) -> tuple[float, float, str]:
    """Median wall and median CPU seconds over ``runs`` runs, after one warm-up run."""
    timed(command, cwd)  # warm the page cache and .pyc files for every contender
    results = [timed(command, cwd) for _ in range(runs)]
    return (
        statistics.median(wall for wall, _, _ in results),
        statistics.median(cpu for _, cpu, _ in results),
        results[-1][2],
    )


def bake(into: Path) -> Path:
    """Bake a clean copy of the template (caches left in the working tree are not template
    files, and a binary cache file would stop the template engine)."""
    clean = into / "template"
    shutil.copytree(
        TEMPLATE,
        clean,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".ruff_cache", ".pytest_cache", "__pycache__", "build"
        ),
    )
    sys.path.insert(0, str(clean / "tools"))
    from bake import bake as bake_template

    return bake_template(
        into / "out", {"include_example_project": False, "include_polyaxon": False}
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", type=int, default=2000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-changed-"))
    try:
        repo = bake(workdir)
        targets = build_monorepo(repo, args.pipelines, args.projects, args.modules)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "synthetic monorepo")
        git(repo, "gc", "-q")  # objects in a pack, as a clone (CI's checkout) has them
        files = len(git(repo, "ls-files").splitlines())
        print(
            f"monorepo: {args.pipelines} pipelines in {args.projects} projects, "
            f"{args.modules} shared modules, {files} files; {args.runs} runs each, median"
        )
        python = sys.executable
        start, start_cpu, _ = median_of([python, "-c", "pass"], repo, args.runs)
        print("bytecode cached as by default (PYTHONDONTWRITEBYTECODE unset for the runs)")
        print("wall: elapsed time (what a CI job waits); cpu: user + system time of the process")
        print("and its git children (the work itself, unlike wall hardly affected by other load)")
        for label, target in targets.items():
            git(repo, "checkout", "-q", "-B", f"bench/{label.split()[0]}", "main")
            with (repo / target).open("a", encoding="utf-8") as changed_file:
                changed_file.write("\n# changed\n")
            git(repo, "commit", "-q", "-am", f"change {target}")
            ours, ours_cpu, out = median_of(
                [python, "-m", "scripts", "changed", "--base", "main", "--format", "json"],
                repo,
                args.runs,
            )
            diff, diff_cpu, _ = median_of(
                ["git", "diff", "--name-only", "main...HEAD"], repo, args.runs
            )
            affected = len(json.loads(out)["pipelines"])
            floor, floor_cpu = diff + start, diff_cpu + start_cpu
            print(f"\none-file change, {label}: {target}")
            print(f"  affected pipelines        {affected:7d}")
            print("                               wall      cpu")
            print(f"  changed --format json     {ours:7.3f} s {ours_cpu:7.3f} s   (< 1.5 s)")
            print(
                f"  floor                     {floor:7.3f} s {floor_cpu:7.3f} s   = git diff "
                f"--name-only + python -c pass"
            )
            print(
                f"  ratio to the floor        {ours / floor:7.1f}x  {ours_cpu / floor_cpu:6.1f}x"
                f"    (target < 10x)"
            )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
