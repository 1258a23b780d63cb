"""Benchmark `compile` and `publish` of a generated monorepo, with ratios from one run.

    .venv/bin/python benchmarks/compile_publish.py [--pipelines 200] [--naive-sample 200]
        [--corpus-copies 1,8] [--publish-pipelines 50] [--latency-ms 100] [--keep DIR]

Prints:

1. compile: `python -m scripts compile --all` over N small pipelines against the naive way,
   `kfp dsl compile` once per pipeline (a new process, so `import kfp`, each time); the ratio
   (target: at least 10x). `--naive-sample K` runs the naive way on K of the N pipelines and
   scales by N/K (said so in the output) for a quicker run; the default runs all N.
2. the floor: one process that imports kfp once and only loads and compiles each module (no
   discovery, no compile.json, no checks), and our overhead over it. Also `--jobs 2`.
3. compile --jobs on the generated repo's test corpus (tests/compile/corpus: one KFP construct
   per pipeline), copied into C projects: `--jobs 1`, `2`, `4` and the default (one per core,
   at most one per 16 pipelines), best of 3 each, as ratios to `--jobs 1` (target: no choice
   slower than `--jobs 1`).
4. publish: M pipelines to the KFP API test server with a fixed latency per request,
   `publish --jobs 4` against `--jobs 1` (target: at least 3x).

The monorepo is baked from this template (no example project) and filled with generated
pipelines, each self-contained (its component in the same module) so `kfp dsl compile --py`
can load it too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
PROJECTS = 10

PIPELINE = '''\
"""Generated pipeline {index}."""

from kfp import dsl


@dsl.component(base_image="python:3.11")
def add_{index}(x: int, y: int) -> int:
    return x + y


@dsl.pipeline(description="pipeline {index}")
def pipeline_{index}(x: int = {index}):
    first = add_{index}(x=x, y=1)
    add_{index}(x=first.output, y={index})
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

# The floor: import kfp once, then only load and compile each module.
FLOOR = """\
import importlib.util, json, sys, time
started = time.perf_counter()
from kfp import compiler
from kfp.dsl import graph_component
imported = time.perf_counter()
total = 0.0
for index, path in enumerate(sys.argv[2:]):
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location(f"floor_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = next(v for v in vars(module).values()
                    if isinstance(v, graph_component.GraphComponent))
    compiler.Compiler().compile(function, f"{sys.argv[1]}/{index}.yaml")
    total += time.perf_counter() - t0
print(json.dumps({"import": imported - started, "compile": total}))
"""


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one command; a failure stops the benchmark with its output."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    return elapsed


def bake(into: Path, template: Path) -> Path:
    sys.path.insert(0, str(template / "tools"))
    from bake import bake as bake_template

    return bake_template(into, {"include_example_project": False, "include_polyaxon": False})


def add_pipelines(repo: Path, count: int) -> list[Path]:
    paths = []
    for index in range(count):
        project = f"project-{index % PROJECTS:02d}"
        path = repo / "pipelines" / project / f"pipeline_{index:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PIPELINE.format(index=index), encoding="utf-8")
        manifest = repo / "projects" / f"{project}.yml"
        manifest.write_text(MANIFEST.format(project=project), encoding="utf-8")
        paths.append(path)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    return paths


def compile_benchmark(repo: Path, pipelines: list[Path], sample: int) -> None:
    python = sys.executable
    kfp_cli = str(Path(sys.executable).with_name("kfp"))
    count = len(pipelines)
    run([python, "-c", "import kfp"], cwd=repo)  # warm the .pyc cache for every contender
    ours = run([python, "-m", "scripts", "compile", "--all"], cwd=repo)
    ours_jobs = run(
        [python, "-m", "scripts", "compile", "--all", "--jobs", "2", "--out", "build-j2"], cwd=repo
    )
    chosen = pipelines[:: max(1, count // sample)][:sample]
    naive_dir = Path(tempfile.mkdtemp(prefix="naive-"))
    naive_sampled = sum(
        run(
            [kfp_cli, "dsl", "compile", "--py", str(p), "--output", str(naive_dir / f"{i}.yaml")],
            cwd=repo,
        )
        for i, p in enumerate(chosen)
    )
    naive = naive_sampled * count / len(chosen)
    start = run([python, "-c", "pass"], cwd=repo)
    floor_dir = Path(tempfile.mkdtemp(prefix="floor-"))
    result = subprocess.run(
        [python, "-c", FLOOR, str(floor_dir), *map(str, pipelines)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(result.stdout)
    floor = start + measured["import"] + measured["compile"]
    scaled = (
        ""
        if len(chosen) == count
        else f" (measured on {len(chosen)}, scaled x{count / len(chosen):.1f})"
    )
    print(f"compile {count} pipelines")
    print(f"  compile --all             {ours:7.2f} s")
    print(f"  kfp dsl compile x{count:<4}     {naive:7.2f} s{scaled}")
    print(f"  ratio                     {naive / ours:7.1f}x   (target >= 10x)")
    print(
        f"  floor                     {floor:7.2f} s   = python start {start:.2f} + import kfp "
        f"{measured['import']:.2f} + summed load+compile {measured['compile']:.2f}"
    )
    print(f"  our overhead over floor   {ours - floor:7.2f} s   ({ours / floor:.2f}x the floor)")
    print(f"  compile --all --jobs 2    {ours_jobs:7.2f} s   ({ours / ours_jobs:.2f}x vs --jobs 1)")
    shutil.rmtree(naive_dir, ignore_errors=True)
    shutil.rmtree(floor_dir, ignore_errors=True)


def corpus_repo(repo: Path, copies: int) -> tuple[Path, int]:
    """The baked repo's test corpus as a repository of its own, its pipelines copied into
    ``copies`` projects; returns the folder and the number of pipelines."""
    target = Path(tempfile.mkdtemp(prefix="corpus-")) / "repo"
    shutil.copytree(repo / "tests" / "compile" / "corpus", target)  # a repo of its own
    source = target / "pipelines" / "corpus"
    for copy in range(1, copies):
        project = f"corpus-{copy}"
        shutil.copytree(source, target / "pipelines" / project)
        manifest = target / "projects" / f"{project}.yml"
        manifest.write_text(MANIFEST.format(project=project), encoding="utf-8")
    count = len([p for p in target.glob("pipelines/*/[!_]*.py")])
    return target, count


def corpus_jobs_benchmark(repo: Path, copies: int) -> None:
    target, count = corpus_repo(repo, copies)
    python = sys.executable
    base = [python, "-m", "scripts", "compile", "--repo", str(target), "--all"]
    run([*base, "--out", "warm"], cwd=repo)  # .pyc files and the page cache, for everyone
    timings = {}
    for label, flags in (("1", ["--jobs", "1"]), ("2", ["--jobs", "2"]), ("4", ["--jobs", "4"])):
        timings[label] = min(run([*base, *flags, "--out", f"j{label}"], cwd=repo) for _ in range(3))
    timings["default"] = min(run([*base, "--out", "jdefault"], cwd=repo) for _ in range(3))
    copies_text = f"{copies} cop{'y' if copies == 1 else 'ies'}"
    cores = os.cpu_count()
    print(f"compile --jobs on the corpus: {count} pipelines ({copies_text}), {cores} cores")
    for label, seconds in timings.items():
        ratio = timings["1"] / seconds
        print(f"  --jobs {label:<8}          {seconds:7.2f} s   ({ratio:.2f}x vs --jobs 1)")
    shutil.rmtree(target.parent, ignore_errors=True)


def publish_benchmark(repo: Path, count: int, latency: float) -> None:
    python = sys.executable
    run([python, "-m", "scripts", "compile", "--all", "--out", "build"], cwd=repo)
    # Keep the first `count` pipelines in compile.json.
    index_path = repo / "build" / "compile.json"
    index = json.loads(index_path.read_text("utf-8"))
    index["pipelines"] = index["pipelines"][:count]
    index["projects"] = sorted({p["project"] for p in index["pipelines"]})
    index_path.write_text(json.dumps(index), encoding="utf-8")
    sys.path.insert(0, str(repo))
    from tests.servers.kfp_api import KfpApiServer

    timings = {}
    for jobs in (1, 4):
        with KfpApiServer(latency=latency) as server:  # a fresh server: the same work each time
            env = {**os.environ, "KFP_HOST": server.url, "HOME": tempfile.mkdtemp()}
            timings[jobs] = run(
                [
                    python,
                    "-m",
                    "scripts",
                    "publish",
                    "--env",
                    "dev",
                    "--version",
                    "bench-1",
                    "--jobs",
                    str(jobs),
                ],
                cwd=repo,
                env=env,
            )
            requests = len(server.requests)
            assert len(server.versions) == count, "publish did not upload every pipeline"
    print(f"publish {count} pipelines, {latency * 1000:.0f} ms per request ({requests} requests)")
    print(f"  --jobs 1                  {timings[1]:7.2f} s")
    print(f"  --jobs 4                  {timings[4]:7.2f} s")
    print(f"  ratio                     {timings[1] / timings[4]:7.1f}x   (target >= 3x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", type=int, default=200)
    parser.add_argument("--naive-sample", type=int, default=None, metavar="K")
    parser.add_argument(
        "--corpus-copies",
        default="1,8",
        help="comma-separated copy counts of the test corpus for the --jobs measurement",
    )
    parser.add_argument("--publish-pipelines", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--keep", type=Path, help="bake into this folder and keep it")
    parser.add_argument(
        "--template", type=Path, default=TEMPLATE, help="template to bake (default: this one)"
    )
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-compile-publish-"))
    try:
        repo = bake(workdir, args.template.resolve())
        pipelines = add_pipelines(repo, args.pipelines)
        compile_benchmark(repo, pipelines, min(args.naive_sample or args.pipelines, len(pipelines)))
        for copies in (int(c) for c in args.corpus_copies.split(",") if c.strip()):
            corpus_jobs_benchmark(repo, copies)
        publish_benchmark(repo, min(args.publish_pipelines, args.pipelines), args.latency_ms / 1000)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
