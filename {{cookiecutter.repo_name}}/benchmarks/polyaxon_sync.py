"""What ``polyaxon-sync`` costs when nothing changed, as a ratio to the first sync, and what the
Polyaxon sandbox the tests start costs.

    python benchmarks/polyaxon_sync.py [--projects N]

Starts its own ``haupt sandbox`` (as the tests do: POLYAXON_SANDBOX_BIN, .venv-polyaxon or
PATH), writes N manifests with ``polyaxon: {enabled: true}`` into a temporary repo, then times:

- start: the sandbox from launch to answering (it migrates its database first);
- import: importing the polyaxon client library (every sync process pays it once);
- create: the first sync (every project created);
- rerun: the same sync again (every project "exists": one read each, no write);
- update: a sync after every description changed (one read and one patch each).

The number that matters is rerun/create: publish pays the rerun on every merge. Nothing is
asserted here; timing belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.cli import main as cli
from tests.helpers.docker_services import stop
from tests.helpers.mini_repo import VALID_MANIFEST, make_mini_repo
from tests.integrations.polyaxon.sandbox import DEFAULT_OWNER, find_haupt, start_sandbox


def write_projects(repo, count: int, description: str) -> None:
    for index in range(count):
        name = f"bench-{index:03d}"
        repo.project(
            name,
            VALID_MANIFEST.replace("name: demo", f"name: {name}")
            + f"polyaxon:\n  enabled: true\n  description: {description}\n",
        )


def timed_sync(root: Path) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["polyaxon-sync", "--repo", str(root), "--env", "dev"])
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"polyaxon-sync exited {code}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()
    haupt = find_haupt()
    if haupt is None:
        print("no haupt executable: run `make polyaxon-sandbox` or set POLYAXON_SANDBOX_BIN")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="polyaxon-bench-"))
    try:
        started = time.perf_counter()
        process, server = start_sandbox(haupt, folder / "sandbox")
        start = time.perf_counter() - started
        try:
            os.environ.update({"POLYAXON_HOST": server.url, "POLYAXON_OWNER": DEFAULT_OWNER})
            started = time.perf_counter()
            import polyaxon.client  # noqa: F401 - timed apart from the syncs

            imported = time.perf_counter() - started
            repo = make_mini_repo(folder / "repo")
            write_projects(repo, args.projects, "First words.")
            create = timed_sync(repo.root)
            rerun = timed_sync(repo.root)
            write_projects(repo, args.projects, "Other words.")
            update = timed_sync(repo.root)
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    n = args.projects
    print(f"sandbox start: {start:.1f} s, polyaxon import: {imported:.2f} s")
    print(f"{n} projects: create {create:.2f} s, rerun {rerun:.2f} s, update {update:.2f} s")
    print(f"rerun/create = {rerun / create:.2f}, update/create = {update / create:.2f}")
    print(f"per project: rerun {1000 * rerun / n:.1f} ms, create {1000 * create / n:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
