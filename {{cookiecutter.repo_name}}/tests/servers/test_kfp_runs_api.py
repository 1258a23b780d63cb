"""Runs on the KFP test server: list filters (time columns, `state` vs `status`, legacy rows),
states and their history, terminate, and create (inline spec, recurring-run dedupe).

Through the real `kfp.Client` where it can ask, raw HTTP for the rest. Behaviour per
kfp-recurring-runs.md sections 8 and 10 (backend tag 2.17.0); "trap N" is its section 0 numbering.
"""

import pytest

from tests.servers.kfp_api import KfpApiServer
from tests.servers.schedule_helpers import (
    RECURRING,
    RUNS,
    at,
    create,
    predicates,
    publish,
    raw,
    seconds,
)


@pytest.fixture
def client(kfp_server: KfpApiServer, kfp_client_factory):
    return kfp_client_factory(kfp_server)


@pytest.fixture
def published(kfp_server, client, schedule_package):
    kfp_server.clock.set(at(2026, 1, 5))
    return publish(client, schedule_package)


@pytest.fixture
def fired(kfp_server, published):
    """A recurring run that fired three times (01:00, 02:00, 03:00) and one ad-hoc run."""
    body = published.body(trigger={"cron_schedule": {"cron": "@hourly"}}, max_concurrency="10")
    job_id = create(kfp_server, body).json["recurring_run_id"]
    runs = kfp_server.advance_to(at(2026, 1, 5, 3, 30))
    adhoc = raw(
        kfp_server,
        "POST",
        RUNS,
        body={
            "display_name": "adhoc",
            "pipeline_version_reference": {"pipeline_id": published.pipeline_id},
        },
    )
    assert adhoc.status == 200, adhoc.text
    return job_id, runs, adhoc.json["run_id"]


def names(server, **query) -> list[str]:
    answer = raw(server, "GET", RUNS, query=query)
    assert answer.status == 200, answer.text
    return [run["display_name"] for run in answer.json.get("runs", [])]


def test_filter_by_recurring_run_and_time_with_typed_values(kfp_server, fired):
    job_id, runs, _ = fired
    ours = ("recurring_run_id", "EQUALS", "string_value", job_id)
    assert names(kfp_server, filter=predicates(ours)) == [run.display_name for run in runs]
    since = "2026-01-05T02:00:00Z"
    for value_field, value in (
        ("timestamp_value", since),
        ("long_value", str(seconds(at(2026, 1, 5, 2)))),
    ):
        recent = predicates(ours, ("created_at", "GREATER_THAN_EQUALS", value_field, value))
        assert names(kfp_server, filter=recent) == [run.display_name for run in runs[1:]]
    # A string against an integer column: MySQL casts it to its leading number (2026).
    as_string = predicates(("created_at", "GREATER_THAN_EQUALS", "string_value", since))
    assert len(names(kfp_server, filter=as_string)) == 4
    scheduled = predicates(("scheduled_at", "LESS_THAN", "timestamp_value", "2026-01-05T02:00:00Z"))
    assert names(kfp_server, filter=scheduled) == [runs[0].display_name]
    newest_first = names(kfp_server, filter=predicates(ours), sort_by="created_at desc")
    assert newest_first == [run.display_name for run in reversed(runs)]  # trap 12
    unknown = raw(
        kfp_server,
        "GET",
        RUNS,
        query={"filter": predicates(("flavour", "EQUALS", "string_value", "x"))},
    )
    assert (unknown.status, unknown.detail) == (
        400,
        'no support for filtering on unrecognized field "flavour"',
    )
    none = predicates(("display_name", "EQUALS", "string_value", "nope"))
    assert raw(kfp_server, "GET", RUNS, query={"filter": none}).json == {}


def test_sdk_list_runs_pages_with_the_filter_in_the_token(kfp_server, client, fired):
    job_id, runs, _ = fired
    ours = predicates(("recurring_run_id", "EQUALS", "string_value", job_id))
    first = client.list_runs(filter=ours, page_size=2)
    assert (first.total_size, len(first.runs)) == (3, 2)
    rest = client.list_runs(page_token=first.next_page_token, page_size=2)
    assert [r.run_id for r in first.runs + rest.runs] == [run.uuid for run in runs]
    assert rest.next_page_token is None
    mismatch = raw(
        kfp_server,
        "GET",
        RUNS,
        query={
            "page_token": first.next_page_token,
            "filter": predicates(("state", "EQUALS", "string_value", "FAILED")),
        },
    )
    assert mismatch.status == 400
    negative = raw(kfp_server, "GET", RUNS, query={"page_size": -1})
    assert negative.detail == "The page size should be greater than 0. Got -1"


def test_state_and_status_columns_and_legacy_rows(kfp_server, client, fired):
    """Traps 14 and 15: a legacy row (State NULL) reads FAILED but no `state` filter sees it."""
    job_id, runs, _ = fired
    kfp_server.set_run_state(runs[0].uuid, "FAILED")
    legacy = kfp_server.insert_legacy_run(conditions="Failed", recurring_run_id=job_id)
    assert client.get_run(legacy.uuid).state == "FAILED"  # v2 spelling only
    failed = predicates(("state", "EQUALS", "string_value", "FAILED"))
    assert names(kfp_server, filter=failed) == [runs[0].display_name]
    not_failed = predicates(("state", "NOT_EQUALS", "string_value", "FAILED"))
    assert "legacy-run" not in names(kfp_server, filter=not_failed)
    as_status = predicates(("status", "EQUALS", "string_value", "Failed"))
    assert names(kfp_server, filter=as_status) == [runs[0].display_name, "legacy-run"]
    either = predicates(("state", "IN", "string_values", {"values": ["FAILED", "PENDING"]}))
    assert len(names(kfp_server, filter=either)) == 4  # three PENDING runs and one FAILED
    legacy_running = kfp_server.insert_legacy_run(conditions="Running")
    refused = raw(kfp_server, "POST", f"{RUNS}/{legacy_running.uuid}:terminate")
    assert (refused.status, refused.detail) == (
        400,
        f"Failed to terminate a run {legacy_running.uuid}. Row not found",
    )


def test_states_history_and_finished_at(kfp_server, client, fired):
    _, runs, _ = fired
    run_id = runs[0].uuid
    fresh = raw(kfp_server, "GET", f"{RUNS}/{run_id}").json
    assert fresh["finished_at"] == "1970-01-01T00:00:00Z"  # trap 13: present, not absent
    assert fresh["state_history"] == [{"update_time": "2026-01-05T01:00:00Z", "state": "PENDING"}]
    kfp_server.set_run_state(run_id, "RUNNING", at=at(2026, 1, 5, 1, 1))
    kfp_server.set_run_state(run_id, "SUCCEEDED")  # at the server's now, 03:30
    done = client.get_run(run_id)
    assert done.state == "SUCCEEDED"
    assert done.finished_at == at(2026, 1, 5, 3, 30)
    assert [(s.state, s.update_time.hour) for s in done.state_history] == [
        ("PENDING", 1),
        ("RUNNING", 1),
        ("SUCCEEDED", 3),
    ]
    with pytest.raises(ValueError, match="unknown run state"):
        kfp_server.set_run_state(run_id, "DONE-ISH")


def test_terminate_cancels_only_unfinished_runs(kfp_server, client, fired):
    _, runs, _ = fired
    client.terminate_run(runs[0].uuid)
    assert client.get_run(runs[0].uuid).state == "CANCELING"
    kfp_server.fire_schedules()  # the persistence agent reports the end
    canceled = client.get_run(runs[0].uuid)
    assert (canceled.state, canceled.finished_at) == ("CANCELED", at(2026, 1, 5, 3, 30))
    for final in (runs[0].uuid, kfp_server.set_run_state(runs[1].uuid, "SUCCEEDED").uuid):
        refused = raw(kfp_server, "POST", f"{RUNS}/{final}:terminate")
        assert (refused.status, refused.detail) == (
            400,
            f"Failed to terminate a run {final}. Row not found",
        )
    assert raw(kfp_server, "POST", f"{RUNS}/nope:terminate").detail == "Run nope not found"


def test_a_pr_command_runs_a_versions_spec_inline_without_cache(
    kfp_server, client, published, schedule_package
):
    run = client.run_pipeline(
        experiment_id=published.experiment_id,
        job_name="pr-123",
        pipeline_package_path=str(schedule_package),
        params={"x": 2},
        enable_caching=False,
    )
    fetched = client.get_run(run.run_id)
    assert fetched.pipeline_version_reference is None
    tasks = fetched.pipeline_spec["root"]["dag"]["tasks"]
    assert [task["cachingOptions"] for task in tasks.values()] == [{}]  # caching off
    bad = raw(
        kfp_server,
        "POST",
        RUNS,
        body={
            "display_name": "r",
            "pipeline_spec": fetched.pipeline_spec,
            "runtime_config": {"parameters": {"y": 1}},
        },
    )
    assert (bad.status, bad.detail) == (
        400,
        "parameter(s) provided are not required by pipeline: y",
    )
    unnamed = raw(kfp_server, "POST", RUNS, body={"pipeline_spec": fetched.pipeline_spec})
    assert (unnamed.status, unnamed.detail) == (500, "Internal Server Error")


def test_run_create_with_a_recurring_run_id_returns_the_existing_run(kfp_server, published, fired):
    job_id, runs, _ = fired
    again = raw(
        kfp_server,
        "POST",
        RUNS,
        body={
            "display_name": runs[0].display_name,
            "recurring_run_id": job_id,
            "pipeline_version_reference": {"pipeline_id": published.pipeline_id},
        },
    )
    assert again.json["run_id"] == runs[0].uuid
    assert len(kfp_server.runs) == 4
    orphan = raw(
        kfp_server,
        "POST",
        RUNS,
        body={
            "display_name": "x",
            "recurring_run_id": "nope",
            "pipeline_version_reference": {"pipeline_id": published.pipeline_id},
        },
    )
    assert (orphan.status, orphan.detail) == (500, "Internal Server Error")


def test_multi_user_run_lists_need_a_namespace(
    kfp_server_multi_user, kfp_client_factory, schedule_package
):
    server = kfp_server_multi_user
    client = kfp_client_factory(server, namespace="team-a")
    published = publish(client, schedule_package, namespace="team-a")
    client.run_pipeline(
        published.experiment_id,
        "r1",
        pipeline_id=published.pipeline_id,
        version_id=published.version_id,
    )
    unscoped = raw(server, "GET", RUNS)
    assert (unscoped.status, unscoped.detail) == (
        400,
        "A run cannot have an empty namespace in multi-user mode",
    )
    assert client.list_runs().total_size == 1  # the SDK fills the namespace from its context
    assert raw(server, "GET", RUNS, query={"namespace": "team-b"}).json == {}
    assert client.list_runs(experiment_id=published.experiment_id).total_size == 1
    assert raw(server, "GET", RECURRING, query={"namespace": "team-a"}).json == {}


def test_recording_and_injected_faults_cover_the_new_endpoints(kfp_server, client, published):
    kfp_server.clear_requests()
    client.list_runs()
    client.list_recurring_runs()
    create(kfp_server, published.body())
    assert [(r.method, r.path, r.is_write) for r in kfp_server.requests] == [
        ("GET", RUNS, False),
        ("GET", RECURRING, False),
        ("POST", RECURRING, True),
    ]
    assert kfp_server.requests[-1].json["max_concurrency"] == "1"
    kfp_server.fail_next(1, 503, match="recurringruns")
    unavailable = create(kfp_server, published.body())
    assert (unavailable.status, unavailable.json["code"]) == (503, 14)
    assert len(kfp_server.recurring_runs) == 1
