"""What ``run --local`` costs, as ratios to kfp.local on its own and to the per-task floor.

    python benchmarks/local_run.py [--tasks 6] [--repeat 3]

Writes a temporary repo with one pipeline of N chained lightweight components (each adds 1),
then times, in this run (median of --repeat):

- ours: ``python -m scripts run bench/chain --local`` (discovery, parameter check, capture,
  the report) in a new process, as a user runs it;
- kfp.local: a new process that imports the pipeline module and calls it under kfp.local
  (SubprocessRunner, no venv) with nothing around it: ours/kfp.local is our overhead;
- per task: what every lightweight task pays before its own code runs: the
  ``pip install kfp==<version> --no-deps`` check KFP puts in front of each component, and
  starting Python with kfp's executor. N times that is the floor of any local run; the pip
  check's share of it is what skipping the install step locally could save.

Nothing is asserted here; timing belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MANIFEST = """\
kind: Project
name: bench
description: Benchmark project.
experiments:
  - name: Default
owners:
  - github: "@acme/bench"
"""

PIPELINE_HEAD = '''\
"""{tasks} chained steps."""

from kfp import dsl


@dsl.component(base_image="python:3.11")
def add_one(x: int) -> int:
    return x + 1


@dsl.pipeline
def chain(start: int = 0):
    step = add_one(x=start)
'''

IN_PROCESS = """\
import sys
sys.path.insert(0, {root!r})
import importlib.util
spec = importlib.util.spec_from_file_location("chain", {module!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from kfp import local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root={out!r})
module.chain()
"""


def make_repo(folder: Path, tasks: int) -> Path:
    folder.mkdir(parents=True)
    for name in ("pyproject.toml", "environments.yml"):
        shutil.copy2(ROOT / name, folder / name)
    (folder / "projects").mkdir()
    (folder / "projects" / "bench.yml").write_text(MANIFEST, encoding="utf-8")
    module = folder / "pipelines" / "bench" / "chain.py"
    module.parent.mkdir(parents=True)
    body = "".join("    step = add_one(x=step.output)\n" for _ in range(tasks - 1))
    module.write_text(PIPELINE_HEAD.format(tasks=tasks) + body, encoding="utf-8")
    return module


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env={**os.environ, **env})
    return time.perf_counter() - started


def median(repeat: int, command: list[str], cwd: Path, **env: str) -> float:
    return statistics.median(timed(command, cwd, env) for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import kfp

    python = sys.executable
    with tempfile.TemporaryDirectory() as temporary:
        repo = Path(temporary) / "repo"
        module = make_repo(repo, args.tasks)
        ours = median(
            args.repeat,
            [python, "-m", "scripts", "run", "bench/chain", "--local", "--repo", str(repo)],
            ROOT,
        )
        script = IN_PROCESS.format(
            root=str(ROOT), module=str(module), out=str(Path(temporary) / "bare")
        )
        bare = median(args.repeat, [python, "-c", script], repo)
        pip_check = median(
            args.repeat,
            [
                *(python, "-m", "pip", "install", "--quiet", "--no-warn-script-location"),
                *(f"kfp=={kfp.__version__}", "--no-deps"),
            ],
            repo,
            PIP_DISABLE_PIP_VERSION_CHECK="1",  # as KFP's command: no pip self-update check
        )
        executor_start = median(
            args.repeat,
            [python, "-c", "import kfp.dsl.executor_main"],
            repo,
            _KFP_RUNTIME="true",  # as KFP's command: `import kfp` skips the client then
        )

    floor = args.tasks * (pip_check + executor_start)
    print(f"local run of {args.tasks} chained tasks (median of {args.repeat}):")
    print(f"  ours (python -m scripts run --local)   {ours:6.2f} s")
    print(f"  kfp.local alone                        {bare:6.2f} s   ours/kfp.local = ", end="")
    print(f"{ours / bare:.2f}")
    print(f"  per task: pip check {pip_check:.2f} s + executor start {executor_start:.2f} s")
    print(
        f"  floor ({args.tasks} x per task)                {floor:6.2f} s   "
        f"ours/floor = {ours / floor:.2f}, pip check share of the floor = "
        f"{pip_check / (pip_check + executor_start):.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
