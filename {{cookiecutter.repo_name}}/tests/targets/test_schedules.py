"""``schedules`` through the real kfp.Client against the KFP API test server.

The repo: projects alpha (train_model, score) and beta (report), compiled and published to the
test server as version VERSION; alpha's manifest gets the schedules each test needs. The server
models recurring runs as kfp-recurring-runs.md describes (int64 strings, modes, the scheduled
workflow controller on a clock the test moves).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from scripts.cli import main as cli
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.pipeline_repos import manifest

VERSION = "main-1a2b3c4d"
NIGHTLY = "  - {name: nightly, pipeline: train_model, cron: '0 3 * * *', environments: [dev]}\n"
HOURLY = "  - {name: hourly, pipeline: score, cron: '@hourly', environments: [dev]}\n"


pytestmark = pytest.mark.usefixtures("clean_kfp_environment")


def publish(repo) -> None:
    """Compile and publish every pipeline as VERSION; the repo gets the schemas the sync's
    manifest checks read."""
    shutil.copytree(REPO_ROOT / "schemas", repo.path / "schemas", dirs_exist_ok=True)
    root = str(repo.path)
    assert cli.main(["compile", "--repo", root, "--all"]) == 0
    assert cli.main(["publish", "--repo", root, "--env", "dev", "--version", VERSION]) == 0


@pytest.fixture
def published(pipeline_repo, kfp_server, monkeypatch):
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    publish(pipeline_repo)
    return pipeline_repo


def set_schedules(repo, text: str, project: str = "alpha") -> None:
    experiments = ["Default", "Trading Cards"] if project == "alpha" else ["Default"]
    repo.write(f"projects/{project}.yml", manifest(project, experiments) + "schedules:\n" + text)


def sync(repo, capsys, *args: str, version: str = VERSION) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli.main(
        [
            "schedules",
            "--repo",
            str(repo.path),
            "--env",
            "dev",
            "--version",
            version,
            "--format",
            "json",
            *args,
        ]
    )
    captured = capsys.readouterr()
    sync.last_err = captured.err
    assert captured.out, captured.err
    return code, json.loads(captured.out)


def actions(document: dict) -> dict[str, str]:
    return {row["key"]: row["action"] for row in document["schedules"]}


def writes(server) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests if r.is_write]


def ours(server) -> list:
    return [job for job in server.recurring_runs if "managed-by: kfp-monorepo" in job.description]


def job_state(job) -> tuple:
    return (job.display_name, job.enabled)


def test_first_sync_creates_pinned_enabled_recurring_runs_and_a_rerun_writes_nothing(
    published, kfp_server, capsys
):
    set_schedules(published, NIGHTLY + HOURLY)
    code, document = sync(published, capsys)
    assert code == 0, sync.last_err
    assert actions(document) == {"alpha/hourly": "create", "alpha/nightly": "create"}
    jobs = {job.display_name: job for job in kfp_server.recurring_runs}
    nightly = jobs["alpha/nightly"]
    version = next(v for v in kfp_server.versions if v.uuid == nightly.pipeline_version_id)
    assert version.name == VERSION  # pinned: never "latest at each trigger"
    assert nightly.enabled and nightly.max_concurrency == 1 and nightly.no_catchup
    assert nightly.cron == "0 0 3 * * *"  # seconds first, as KFP reads it: daily at 03:00
    experiment = next(e for e in kfp_server.experiments if e.uuid == nightly.experiment_id)
    assert experiment.name == "alpha/Default"
    row = next(r for r in document["schedules"] if r["key"] == "alpha/nightly")
    assert row["next_run"].endswith("T03:00:00+00:00") and document["timezone"] == "UTC"
    # Created disabled, then enabled: a lost create response can never leave two enabled.
    assert [w for w in writes(kfp_server) if "recurringruns" in w][:2] == [
        "POST /apis/v2beta1/recurringruns",
        f"POST /apis/v2beta1/recurringruns/{jobs['alpha/hourly'].uuid}:enable",
    ]

    kfp_server.clear_requests()
    code, document = sync(published, capsys)
    assert code == 0 and set(actions(document).values()) == {"unchanged"}
    assert writes(kfp_server) == [] and document["writes"] == 0
    lists = [r for r in kfp_server.requests if r.path == "/apis/v2beta1/recurringruns"]
    assert len(lists) == 1  # one page for every schedule, not one GET each


def test_a_cron_change_swaps_create_disabled_then_disable_old_then_enable_new(
    published, kfp_server, capsys
):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    (old,) = kfp_server.recurring_runs
    set_schedules(published, NIGHTLY.replace("0 3 * * *", "30 4 * * 1-5"))
    kfp_server.clear_requests()
    code, document = sync(published, capsys)
    assert code == 0, sync.last_err
    (row,) = document["schedules"]
    assert (row["action"], row["changes"]) == ("replace", ["cron"])
    new = next(job for job in kfp_server.recurring_runs if job.uuid != old.uuid)
    assert writes(kfp_server) == [
        "POST /apis/v2beta1/recurringruns",
        f"POST /apis/v2beta1/recurringruns/{old.uuid}:disable",
        f"POST /apis/v2beta1/recurringruns/{new.uuid}:enable",
    ]
    assert new.cron == "0 30 4 * * 1-5" and new.enabled
    assert not next(j for j in kfp_server.recurring_runs if j.uuid == old.uuid).enabled
    # The next sync deletes the old one: none of its runs is active.
    code, document = sync(published, capsys)
    assert document["schedules"][0]["deleted"] == 1
    assert [job.uuid for job in kfp_server.recurring_runs] == [new.uuid]


def test_a_new_pipeline_version_re_pins(published, kfp_server, capsys, monkeypatch):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    published.write(
        "pipelines/alpha/train_model.py",
        (published.path / "pipelines/alpha/train_model.py")
        .read_text()
        .replace("says alpha", "says alpha v2"),
    )
    root = str(published.path)
    assert cli.main(["compile", "--repo", root, "--all"]) == 0
    assert cli.main(["publish", "--repo", root, "--env", "dev", "--version", "main-2b3c4d5e"]) == 0
    code, document = sync(published, capsys, version="main-2b3c4d5e")
    (row,) = document["schedules"]
    assert code == 0 and (row["action"], row["changes"], row["version"]) == (
        "replace",
        ["version"],
        "main-2b3c4d5e",
    )
    enabled = [job for job in kfp_server.recurring_runs if job.enabled]
    version = next(v for v in kfp_server.versions if v.uuid == enabled[0].pipeline_version_id)
    assert len(enabled) == 1 and version.name == "main-2b3c4d5e"


def test_an_unchanged_pipeline_is_pinned_to_its_newest_version(published, kfp_server, capsys):
    set_schedules(published, NIGHTLY)
    code, document = sync(published, capsys, version="main-99999999")  # not uploaded: unchanged
    assert code == 0 and document["schedules"][0]["version"] == VERSION


def test_a_removed_schedule_is_disabled_then_deleted_after_its_active_run_ends(
    published, kfp_server, capsys
):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    (job,) = kfp_server.recurring_runs
    (run,) = kfp_server.advance_to(_next_three_am(kfp_server))  # the controller fires once
    kfp_server.set_run_state(run.uuid, "RUNNING")
    set_schedules(published, HOURLY.replace("environments: [dev]", "environments: [prod]"))
    code, document = sync(published, capsys)
    assert code == 0 and actions(document) == {"alpha/nightly": "remove"}
    assert not kfp_server.recurring_runs[0].enabled
    code, document = sync(published, capsys)  # its run still going: kept
    assert document["schedules"][0]["waiting"] == 1 and len(kfp_server.recurring_runs) == 1
    kfp_server.set_run_state(run.uuid, "SUCCEEDED")
    code, document = sync(published, capsys)
    assert document["schedules"][0]["deleted"] == 1
    assert kfp_server.recurring_runs == [] and kfp_server.killed_by_delete == []
    assert job.uuid not in [j.uuid for j in kfp_server.recurring_runs]


def test_enabled_false_pauses_without_deleting(published, kfp_server, capsys):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    set_schedules(published, NIGHTLY.replace("}", ", enabled: false}"))
    code, document = sync(published, capsys)
    assert code == 0 and actions(document) == {"alpha/nightly": "pause"}
    assert [job_state(j) for j in kfp_server.recurring_runs] == [("alpha/nightly", False)]
    assert sync(published, capsys)[1]["writes"] == 0  # paused stays paused, not deleted


def test_a_hand_made_recurring_run_with_the_same_name_is_never_touched(
    published, kfp_server, kfp_client_factory, capsys
):
    client = kfp_client_factory(kfp_server)
    version = kfp_server.versions[0]
    by_hand = client.create_recurring_run(
        experiment_id=kfp_server.experiments[0].uuid,
        job_name="alpha/nightly",
        cron_expression="0 0 1 * * *",
        pipeline_id=version.pipeline_id,
        version_id=version.uuid,
    )
    set_schedules(published, NIGHTLY)
    code, document = sync(published, capsys)
    assert code == 0
    assert sorted(r["action"] for r in document["schedules"]) == ["create", "not managed"]
    published.write("projects/alpha.yml", manifest("alpha", ["Default", "Trading Cards"]))
    for _ in range(2):  # removing ours twice: disabled, then deleted
        assert sync(published, capsys)[0] == 0
    (left,) = kfp_server.recurring_runs
    assert (left.uuid, left.enabled, left.cron) == (by_hand.recurring_run_id, True, "0 0 1 * * *")


def test_every_call_carries_the_namespace_on_a_multi_user_server(
    pipeline_repo, kfp_server_multi_user, monkeypatch, capsys
):
    server = kfp_server_multi_user
    monkeypatch.setenv("KFP_HOST", server.url)
    monkeypatch.setenv("KFP_NAMESPACE", "team-a")
    publish(pipeline_repo)
    set_schedules(pipeline_repo, NIGHTLY)
    server.clear_requests()
    code, _document = sync(pipeline_repo, capsys)
    assert code == 0, sync.last_err
    (job,) = server.recurring_runs
    assert job.namespace == "team-a" and job.enabled
    lists = [
        r
        for r in server.requests
        if r.method == "GET" and "healthz" not in r.path and "/versions" not in r.path
    ]
    assert lists and all(r.query.get("namespace") == ["team-a"] for r in lists)


def test_a_503_mid_swap_never_leaves_two_enabled_and_a_rerun_converges(
    published, kfp_server, capsys
):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    set_schedules(published, NIGHTLY.replace("0 3 * * *", "0 5 * * *"))
    kfp_server.fail_next(6, 503, match=r":disable$")  # every attempt (6) of the disable fails
    code, document = sync(published, capsys)
    assert code == 1 and document["schedules"][0]["status"] == "failed"
    assert "503" in document["schedules"][0]["message"]
    assert [j.enabled for j in kfp_server.recurring_runs] == [True, False]  # old on, new off
    code, document = sync(published, capsys)
    assert code == 0, sync.last_err
    enabled = [j for j in kfp_server.recurring_runs if j.enabled]
    assert len(enabled) == 1 and enabled[0].cron == "0 0 5 * * *"
    assert len(kfp_server.recurring_runs) == 2  # reused the half-made one: no third create


def test_an_enable_that_fails_puts_the_old_one_back(published, kfp_server, capsys):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    (old,) = kfp_server.recurring_runs
    set_schedules(published, NIGHTLY.replace("0 3 * * *", "0 6 * * *"))
    kfp_server.fail_next(6, 503, match=r":enable$")  # every attempt (6) to enable the new one
    code, _document = sync(published, capsys)
    assert code == 1
    assert [(j.uuid == old.uuid, j.enabled) for j in kfp_server.recurring_runs] == [
        (True, True),
        (False, False),
    ]


def test_one_schedule_failing_does_not_stop_the_others(published, kfp_server, capsys):
    set_schedules(
        published,
        NIGHTLY + HOURLY + "  - {name: broken, pipeline: train_model, cron: '@daily', "
        "parameters: {nope: 1}, environments: [dev]}\n",
    )
    code, document = sync(published, capsys)
    assert code == 1
    statuses = {row["key"]: row["status"] for row in document["schedules"]}
    assert statuses == {"alpha/broken": "failed", "alpha/hourly": "done", "alpha/nightly": "done"}
    assert "has no parameter 'nope'" in sync.last_err
    assert re.search(r"projects/alpha\.yml:\d+: schedule alpha/broken", sync.last_err)
    assert sorted(j.display_name for j in kfp_server.recurring_runs) == [
        "alpha/hourly",
        "alpha/nightly",
    ]


def test_an_unpublished_pipeline_fails_its_schedule_and_keeps_its_recurring_run(
    published, kfp_server, capsys
):
    set_schedules(published, NIGHTLY)
    assert sync(published, capsys)[0] == 0
    with kfp_server.store.lock:
        for version in list(kfp_server.store.versions.values()):
            kfp_server.store.versions.pop(version.uuid)
    code, _document = sync(published, capsys)
    assert code == 1 and "has no version in this environment" in sync.last_err
    assert [j.enabled for j in kfp_server.recurring_runs] == [True]


def test_a_dry_run_plans_and_writes_nothing(published, kfp_server, capsys):
    set_schedules(published, NIGHTLY)
    kfp_server.clear_requests()
    code, document = sync(published, capsys, "--dry-run")
    assert code == 0 and document["schedules"][0]["status"] == "planned"
    assert writes(kfp_server) == [] and kfp_server.recurring_runs == []


def _next_three_am(server):
    from datetime import UTC, datetime, timedelta

    now = datetime.fromtimestamp(server.clock.now(), UTC)
    moment = now.replace(hour=3, minute=0, second=30, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)
