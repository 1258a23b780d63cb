"""How long ``validate`` takes on hostile manifests, as ratios to a valid one, and to the floor.

    python benchmarks/validate_bounds.py

The strict YAML reader bounds aliases (node count), nesting depth and file size, so a hostile
manifest should cost about as much as a valid one, never minutes. The floor is
``yaml.safe_load`` of the valid manifest: what reading it costs with no checks at all. All
numbers are measured in this run; nothing is asserted (timing belongs here, not in the tests).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.core.errors import ScriptError
from scripts.repo.model import Repo
from scripts.repo.validate import validate_repo
from tests.helpers.mini_repo import VALID_MANIFEST, make_mini_repo

ROUNDS = 5


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


CASES = {
    "valid manifest": VALID_MANIFEST,
    "alias bomb (10^9 nodes expanded)": alias_bomb(),
    "nested 20000 levels": "kind: " + "[" * 20000 + "]" * 20000 + "\n",
    "nested 500000 levels (1 MiB)": "kind: " + "[" * 500_000 + "]" * 500_000 + "\n",
    "just under 1 MiB of comments": VALID_MANIFEST + "# " + "x" * (1024 * 1024 - 400) + "\n",
    "over 1 MiB": VALID_MANIFEST + "# " + "x" * (1024 * 1024) + "\n",
}


def best_of(function) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> int:
    floor = best_of(lambda: yaml.safe_load(VALID_MANIFEST))
    with tempfile.TemporaryDirectory() as folder:
        baseline = None
        print(f"{'case':36} {'seconds':>9} {'x valid':>9} {'x floor':>9}")
        for index, (name, text) in enumerate(CASES.items()):
            mini = make_mini_repo(Path(folder) / f"repo{index}")
            mini.project("demo", text)
            repo = Repo(mini.root)

            def run(repo: Repo = repo) -> None:
                with contextlib.suppress(ScriptError):
                    validate_repo(repo)

            seconds = best_of(run)
            baseline = baseline or seconds
            print(f"{name:36} {seconds:9.4f} {seconds / baseline:9.1f} {seconds / floor:9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
