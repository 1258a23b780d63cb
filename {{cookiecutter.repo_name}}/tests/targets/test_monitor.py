"""The monitor's findings, through the real kfp.Client against the KFP test server.

Each test syncs schedules with ``schedules`` (so the recurring runs are ours, pinned), moves the
server's clock so its scheduled-workflow controller fires, sets run states as Argo would, then
runs one monitor pass (``watch``) and checks what it found.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scripts.cli import main as cli
from scripts.repo.environments import load_environment
from scripts.repo.manifests import load_projects
from scripts.repo.model import Repo
from scripts.targets.kfp.client import connect
from scripts.targets.kfp.target import KfpScheduleScope
from scripts.targets.monitor.watch import watch
from tests.targets.test_schedules import VERSION, publish, set_schedules

NIGHTLY = (
    "  - {name: nightly, pipeline: train_model, cron: '0 3 * * *', environments: [dev],\n"
    "     slo: {max_duration: 2h, start_within: 30m}}\n"
)
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("clean_kfp_environment")


@pytest.fixture
def scheduled(pipeline_repo, kfp_server, monkeypatch):
    """alpha/nightly synced at START (server clock stopped there)."""
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    kfp_server.clock.set(START)
    publish(pipeline_repo)
    set_schedules(pipeline_repo, NIGHTLY)
    assert (
        cli.main(
            ["schedules", "--repo", str(pipeline_repo.path), "--env", "dev", "--version", VERSION]
        )
        == 0
    )
    return pipeline_repo


def monitor(repo, server, *, since: timedelta, zone: str = "UTC"):
    root = Repo(repo.path)
    environment = load_environment(root.root, "dev")
    environment = type(environment)(**{**environment.__dict__, "timezone": zone})
    now = server.now()
    api = connect(environment)
    return watch(
        load_projects(root),
        environment,
        lambda namespace: KfpScheduleScope(api),
        repository=root.root.name,
        start=now - since,
        now=now,
    )


def kinds(result) -> list[tuple[str, str]]:
    (watched,) = result.schedules
    return [(f.kind, f.at.strftime("%m-%d %H:%M")) for f in watched.health.findings]


def test_a_failed_run_and_a_missed_trigger_are_found(scheduled, kfp_server):
    (first,) = kfp_server.advance_to(START.replace(hour=3, second=5))
    kfp_server.set_run_state(first.uuid, "FAILED")
    with kfp_server.store.lock:  # the controller was down: the next night nothing fires
        job = kfp_server.store.jobs[first.recurring_run_id]
        job.last_triggered = int((START + timedelta(days=1, hours=4)).timestamp())
    kfp_server.clock.set(START + timedelta(days=1, hours=5))
    result = monitor(scheduled, kfp_server, since=timedelta(days=2))
    assert kinds(result) == [("failed", "03-01 03:00"), ("missed", "03-02 03:00")]


def test_a_run_over_max_duration_is_found_while_running_and_when_finished(scheduled, kfp_server):
    (run,) = kfp_server.advance_to(START.replace(hour=3, second=5))
    kfp_server.set_run_state(run.uuid, "RUNNING")
    kfp_server.clock.set(START.replace(hour=5, minute=30))
    (watched,) = monitor(scheduled, kfp_server, since=timedelta(hours=6)).schedules
    (finding,) = watched.health.findings
    assert finding.kind == "over max_duration" and finding.detail.startswith("running for 2h30m")
    kfp_server.set_run_state(run.uuid, "FAILED", at=START.replace(hour=5, minute=40))
    kfp_server.clock.set(START.replace(hour=6))
    (watched,) = monitor(scheduled, kfp_server, since=timedelta(hours=6)).schedules
    assert [f.kind for f in watched.health.findings] == ["failed", "over max_duration"]


def test_a_success_after_a_breach_is_a_recovery(scheduled, kfp_server):
    (first,) = kfp_server.advance_to(START.replace(hour=3, second=5))
    kfp_server.set_run_state(first.uuid, "FAILED")
    (second,) = kfp_server.advance_to(START + timedelta(days=1, hours=3, seconds=5))
    kfp_server.set_run_state(second.uuid, "SUCCEEDED")
    (watched,) = monitor(scheduled, kfp_server, since=timedelta(days=2)).schedules
    assert watched.health.findings == () and watched.health.healthy


def test_legacy_rows_with_an_empty_state_are_still_seen_as_failed(scheduled, kfp_server):
    (job,) = kfp_server.recurring_runs
    experiment = job.experiment_id
    kfp_server.advance_to(START.replace(hour=2))
    kfp_server.insert_legacy_run(
        conditions="Failed",
        display_name="old",
        experiment_id=experiment,
        recurring_run_id=job.uuid,
        created_at=START.replace(hour=1),
        finished_at=START.replace(hour=1, minute=5),
    )
    (watched,) = monitor(scheduled, kfp_server, since=timedelta(hours=2)).schedules
    assert [f.kind for f in watched.health.findings] == ["failed"]


def test_missed_triggers_follow_the_time_zone_across_a_dst_change(
    pipeline_repo, kfp_server_factory, monkeypatch
):
    server = kfp_server_factory(timezone="Europe/Berlin")
    monkeypatch.setenv("KFP_HOST", server.url)
    server.clock.set(datetime(2026, 3, 28, 12, tzinfo=UTC))  # Berlin goes to CEST on the 29th
    publish(pipeline_repo)
    set_schedules(pipeline_repo, NIGHTLY)
    root = str(pipeline_repo.path)
    assert cli.main(["schedules", "--repo", root, "--env", "dev", "--version", VERSION]) == 0
    # clock.set moves time without running the controller: every trigger is missed.
    server.clock.set(datetime(2026, 3, 31, 12, tzinfo=UTC))
    result = monitor(pipeline_repo, server, since=timedelta(days=4), zone="Europe/Berlin")
    # 03:00 Berlin is 02:00 UTC in CET (before the 29th) and 01:00 UTC in CEST (after).
    assert kinds(result) == [
        ("missed", "03-29 01:00"),
        ("missed", "03-30 01:00"),
        ("missed", "03-31 01:00"),
    ]


def test_the_window_boundary_is_respected(scheduled, kfp_server):
    kfp_server.clock.set(START + timedelta(days=1, hours=3, minutes=45))  # nothing ever fired
    result = monitor(scheduled, kfp_server, since=timedelta(hours=2))
    assert kinds(result) == [("missed", "03-02 03:00")]  # the 03-01 slot is outside the window
    kfp_server.clock.set(START + timedelta(days=1, hours=3, minutes=10))
    assert kinds(monitor(scheduled, kfp_server, since=timedelta(hours=2))) == []  # not yet due


def test_runs_of_a_hand_made_recurring_run_are_ignored(scheduled, kfp_server, kfp_client_factory):
    version = kfp_server.versions[0]
    client = kfp_client_factory(kfp_server)
    client.create_recurring_run(
        experiment_id=kfp_server.experiments[0].uuid,
        job_name="alpha/nightly",
        cron_expression="0 0 * * * *",
        pipeline_id=version.pipeline_id,
        version_id=version.uuid,
    )
    runs = kfp_server.advance_to(START.replace(hour=3, second=5))
    ours = [job.uuid for job in kfp_server.recurring_runs if "managed-by" in job.description]
    for run in runs:
        kfp_server.set_run_state(
            run.uuid, "SUCCEEDED" if run.recurring_run_id in ours else "FAILED"
        )
    assert len(runs) == 2 and len([r for r in runs if r.recurring_run_id in ours]) == 1
    (watched,) = monitor(scheduled, kfp_server, since=timedelta(hours=4)).schedules
    assert watched.health.findings == () and len(watched.recurring_run_ids) == 1


def test_queries_are_filtered_not_a_scan_of_every_run(scheduled, kfp_server):
    kfp_server.advance_to(START + timedelta(days=3, hours=4))
    kfp_server.clear_requests()
    result = monitor(scheduled, kfp_server, since=timedelta(hours=2))
    run_lists = [r for r in kfp_server.requests if r.path == "/apis/v2beta1/runs"]
    assert len(run_lists) == 2 and result.requests == 2
    filters = " ".join(r.query["filter"][0] for r in run_lists)
    assert "recurring_run_id" in filters and "created_at" in filters and "state" in filters
