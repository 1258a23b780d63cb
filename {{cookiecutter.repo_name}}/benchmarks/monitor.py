"""What a ``monitor`` pass costs: 200 schedules and 20,000 runs on a KFP API test server that
answers every request after 20 ms.

    python benchmarks/monitor.py [--schedules 200] [--days 100] [--latency-ms 20]

The schedules are synced with ``schedules`` (so they are ours), then ``--days`` nights of runs
are written into the server's store as its controller and Argo would leave them (one run per
schedule a night at its slot, finished 30 minutes later, every tenth one failed; written
directly, since playing 20,000 runs through the controller takes too long). Then, in one run,
through the real kfp.Client:

- ours: one monitor pass over the last 2 hours (filtered run queries, 40 recurring runs a query);
- naive: the same findings from listing every run of the namespace, 200 a page.

Printed: requests and seconds of each, and naive/ours. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._schedule_bench import REPOSITORY, bench_project, server_with_pipelines, sync
from scripts.repo.manifests import Project
from scripts.repo.schedules import Slo
from scripts.targets.kfp.client import connect
from scripts.targets.kfp.run_queries import run_row
from scripts.targets.kfp.target import KfpScheduleScope
from scripts.targets.monitor.watch import watch
from tests.servers.kfp_api import KfpApiServer

START = datetime(2026, 1, 1, tzinfo=UTC)


def project(schedules: int) -> Project:
    """``schedules`` schedules over 50 pipelines, spread over the day's hours and minutes,
    each with an SLO of one hour's run time."""
    return bench_project(
        schedules,
        50,
        lambda i: f"{i % 60} {i % 24} * * *",
        slo=Slo(max_duration=timedelta(hours=1)),
    )


def seed_runs(server: KfpApiServer, days: int) -> int:
    """One finished run per recurring run and night, stamped at its slot; the clock ends after
    the last night."""
    from tests.servers.kfp_backend.run_records import RunRecord

    store = server.store
    with store.lock:
        jobs = list(store.jobs.values())
        for day in range(days):
            for index, job in enumerate(jobs):
                minute, hour = (int(field) for field in job.cron.split()[1:3])
                slot = int((START + timedelta(days=day, hours=hour, minutes=minute)).timestamp())
                failed = (day + index) % 10 == 0
                run = RunRecord(
                    uuid=f"{job.uuid[:8]}-{day:05d}",
                    display_name=f"{job.k8s_name}-{day}",
                    description="",
                    experiment_id=job.experiment_id,
                    namespace="",
                    pipeline_id=job.pipeline_id,
                    pipeline_version_id=job.pipeline_version_id,
                    pipeline_spec=None,
                    runtime_config=None,
                    service_account="",
                    created_at=slot,
                    state="FAILED" if failed else "SUCCEEDED",
                    conditions="Failed" if failed else "Succeeded",
                    scheduled_at=slot,
                    finished_at=slot + 1800,
                    recurring_run_id=job.uuid,
                )
                store.runs[run.uuid] = run
        count = len(store.runs)
    server.clock.set(START + timedelta(days=days, hours=1))
    return count


def naive_pass(api, recurring_run_ids: set[str]) -> int:
    """Every run of the namespace, page by page, kept if it is one of ours."""
    token, kept = "", 0
    while True:
        response = api.call("list runs", api.client.list_runs, page_token=token, page_size=200)
        kept += sum(
            1 for run in response.runs or [] if run_row(run).recurring_run_id in recurring_run_ids
        )
        token = response.next_page_token or ""
        if not token:
            return kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    with server_with_pipelines(50, clock=START) as (server, environment):
        projects = [project(args.schedules)]
        api = connect(environment)
        sync(projects, environment, api, now=START)
        started = time.perf_counter()
        runs = seed_runs(server, args.days)
        seeded = time.perf_counter() - started
        server.set_latency(args.latency_ms / 1000)
        now = server.now()
        server.clear_requests()
        started = time.perf_counter()
        result = watch(
            projects,
            environment,
            lambda namespace: KfpScheduleScope(api),
            repository=REPOSITORY,
            start=now - timedelta(hours=2),
            now=now,
        )
        ours = (len(server.requests), time.perf_counter() - started)
        ids = {i for w in result.schedules for i in w.recurring_run_ids}
        server.clear_requests()
        started = time.perf_counter()
        naive_pass(api, ids)
        naive = (len(server.requests), time.perf_counter() - started)
    print(
        f"{args.schedules} schedules, {runs} runs ({seeded:.0f} s to seed), "
        f"{args.latency_ms:.0f} ms per request"
    )
    print(f"  monitor pass  {ours[0]:5} requests  {ours[1]:6.2f} s")
    print(f"  naive pass    {naive[0]:5} requests  {naive[1]:6.2f} s")
    print(f"naive / ours: {naive[0] / ours[0]:.1f}x requests, {naive[1] / ours[1]:.1f}x time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
