"""What the weekly sweep (``cleanup --closed-before 30d``) costs: 2,000 pull-request versions
over 100 pipelines (each also holding a main version), on a KFP API test server that answers
every request after 50 ms, as a remote cluster would; the pull requests closed 40 days ago on
the GitHub API test server.

    python benchmarks/cleanup.py [--versions 2000] [--pipelines 100] [--latency-ms 50]

The same sweep with ``--jobs 8`` and with ``--jobs 1``, each on a fresh copy of the data:
requests to KFP (and to GitHub), seconds, and the speed-up. Nothing is asserted; timing
belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.cli.main import main as cli
from scripts.repo.environments import load_environment
from scripts.targets.kfp.client import connect
from scripts.targets.publish.marks import PrMark
from tests.helpers.pipeline_repos import make_pipeline_repo
from tests.servers.github_api import GitHubApiServer
from tests.servers.kfp_api import KfpApiServer
from tests.servers.schedule_helpers import compile_pipeline

REPOSITORY = "acme/bench"
PULL_REQUESTS = 200


def populate(server: KfpApiServer, repo: Path, package: Path, versions: int, pipelines: int):
    """``pipelines`` pipelines, each with a main version, and ``versions`` marked PR versions
    spread over them (uploaded without latency, 8 at a time)."""
    api = connect(load_environment(repo, "dev"))
    ids = [api.create_pipeline(f"p{i:03d}", f"p{i:03d}").pipeline_id for i in range(pipelines)]

    def upload(index: int) -> None:
        pipeline = ids[index % pipelines]
        if index < pipelines:
            api.upload_version(pipeline, f"main-{index:08x}", package)
            return
        number = index % PULL_REQUESTS + 1
        mark = PrMark.for_branch(REPOSITORY, number, f"pr{number}")
        description = mark.version_description()
        api.upload_version(pipeline, f"pr{number}-{index:08x}", package, description, mark.tags())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(upload, range(pipelines + versions)))


def sweep(server: KfpApiServer, github: GitHubApiServer, repo: Path, jobs: int):
    server.clear_requests()
    before = len(github.requests)
    started = time.perf_counter()
    argv = ["cleanup", "--repo", str(repo), "--env", "dev", "--closed-before", "30d"]
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli([*argv, "--jobs", str(jobs), "--format", "json"])
    seconds = time.perf_counter() - started
    return code, len(server.requests), len(github.requests) - before, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--pipelines", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, GitHubApiServer(repository=REPOSITORY) as gh:
        repo = make_pipeline_repo(Path(folder) / "repo", {"bench": ["job"]}).path
        package = compile_pipeline(Path(folder) / "job.yaml")
        gh.set_time(datetime.now(UTC) - timedelta(days=40))
        for number in range(1, PULL_REQUESTS + 1):
            gh.add_pull_request(number, head_ref=f"pr{number}", state="closed")
        os.environ.update(
            GITHUB_TOKEN=gh.add_token(), GITHUB_API_URL=gh.url, GITHUB_REPOSITORY=REPOSITORY
        )
        print(
            f"{args.versions} PR versions over {args.pipelines} pipelines (+1 main version "
            f"each), {args.latency_ms:.0f} ms per KFP request"
        )
        results = {}
        for jobs in (8, 1):
            with KfpApiServer() as server:
                os.environ["KFP_HOST"] = server.url
                populate(server, repo, package, args.versions, args.pipelines)
                server.set_latency(args.latency_ms / 1000)
                code, kfp_requests, gh_requests, seconds = sweep(server, gh, repo, jobs)
                left = len(server.versions)
            results[jobs] = seconds
            print(
                f"--jobs {jobs}: exit {code}, {kfp_requests} KFP requests, {gh_requests} GitHub "
                f"requests, {seconds:.1f} s, {left} versions left"
            )
        print(f"speed-up --jobs 8 vs --jobs 1: {results[1] / results[8]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
