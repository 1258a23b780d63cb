"""What ``schedules`` costs: 200 schedules over 50 pipelines on a KFP API test server that
answers every request after 50 ms, as a remote cluster would.

    python benchmarks/schedules.py [--schedules 200] [--pipelines 50] [--latency-ms 50]

Measured in one run, through the real kfp.Client:

- first: the first sync (every recurring run created disabled, then enabled);
- no-op: the same sync again (reads only; the number that matters on every merge);
- ten changed: a sync after 10 schedules' crons changed (10 swaps);
- naive: a no-op sync done the obvious way, one GET (a display-name filter) per schedule to find
  its recurring run, after the same pipeline and version lookups;
- floor: one request's round trip, times the requests a no-op sync cannot avoid.

Printed: requests and seconds of each, requests per schedule, and the ratios naive/ours and
ours/floor. Nothing is asserted; timing belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._schedule_bench import VERSION, bench_project, server_with_pipelines, sync
from scripts.repo.environments import Environment
from scripts.repo.manifests import Project
from scripts.targets.kfp.api import list_filter, predicate
from scripts.targets.kfp.client import connect
from scripts.targets.kfp.recurring import RecurringRuns
from tests.servers.kfp_api import KfpApiServer


def projects_with(schedules: int, pipelines: int, cron: dict[int, str]) -> list[Project]:
    """One project holding ``pipelines`` pipelines and ``schedules`` schedules spread over them."""
    return [
        bench_project(schedules, pipelines, lambda index: cron.get(index, f"{index % 60} 3 * * *"))
    ]


def timed_sync(server: KfpApiServer, environment: Environment, projects) -> tuple[int, float]:
    api = connect(environment)
    server.clear_requests()
    started = time.perf_counter()
    report = sync(projects, environment, api, now=datetime.now(UTC))
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"sync failed: {report.problems()[:3]}")
    return len(server.requests), elapsed


def naive_sync(server: KfpApiServer, environment: Environment, projects) -> tuple[int, float]:
    """The lookups a sync needs, but each recurring run found by its own filtered GET."""
    api = connect(environment)
    runs = RecurringRuns(api)
    server.clear_requests()
    started = time.perf_counter()
    pipelines = runs.pipelines_by_name()
    runs.experiments_by_name()
    for name in sorted({f"bench-{s.pipeline}" for s in projects[0].schedules}):
        runs.pinned_version(pipelines[name].pipeline_id, VERSION)
    for schedule in projects[0].schedules:
        api.call(
            "find recurring run",
            api.client.list_recurring_runs,
            page_size=2,
            filter=list_filter(predicate("display_name", "EQUALS", schedule.display_name)),
        )
    return len(server.requests), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--pipelines", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    with server_with_pipelines(args.pipelines) as (server, environment):
        server.set_latency(args.latency_ms / 1000)
        projects = projects_with(args.schedules, args.pipelines, {})
        first = timed_sync(server, environment, projects)
        noop = timed_sync(server, environment, projects)
        changed = projects_with(args.schedules, args.pipelines, {i: "0 5 * * *" for i in range(10)})
        ten = timed_sync(server, environment, changed)
        naive = naive_sync(server, environment, changed)
    floor_requests = 3 + args.pipelines  # recurring runs, pipelines, experiments, one version each
    floor_seconds = floor_requests * args.latency_ms / 1000
    n = args.schedules
    print(f"{n} schedules over {args.pipelines} pipelines, {args.latency_ms:.0f} ms per request")
    for label, (requests, seconds) in (
        ("first sync", first),
        ("no-op sync", noop),
        ("10 changed", ten),
        ("naive no-op", naive),
    ):
        print(f"  {label:12} {requests:5} requests ({requests / n:.2f}/schedule)  {seconds:6.2f} s")
    print(f"  floor        {floor_requests:5} requests                  {floor_seconds:6.2f} s")
    print(
        f"naive / ours (no-op): {naive[0] / noop[0]:.1f}x requests, {naive[1] / noop[1]:.1f}x time"
    )
    print(
        f"ours / floor (no-op): {noop[0] / floor_requests:.2f}x requests, "
        f"{noop[1] / floor_seconds:.2f}x time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
