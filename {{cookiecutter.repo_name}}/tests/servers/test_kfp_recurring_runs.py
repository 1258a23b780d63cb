"""Recurring runs on the KFP test server: the API, through the real `kfp.Client` and raw HTTP.

What each test pins down is the real server's behaviour at backend tag 2.17.0
(https://github.com/kubeflow/pipelines/tree/2.17.0/backend), as the research notes
kfp-recurring-runs.md summarise it; "trap N" is that document's section 0 numbering. Firing is in
test_kfp_schedule_firing.py, runs in test_kfp_runs_api.py.
"""

import json

import pytest

from tests.servers.kfp_api import KfpApiServer
from tests.servers.schedule_helpers import (
    RECURRING,
    at,
    create,
    predicates,
    publish,
    raw,
)


@pytest.fixture
def client(kfp_server: KfpApiServer, kfp_client_factory):
    return kfp_client_factory(kfp_server)


@pytest.fixture
def published(client, schedule_package):
    return publish(client, schedule_package)


# -- create, get and the JSON shape ---------------------------------------------------------


def test_sdk_create_get_and_list_round_trip_with_int64_strings(kfp_server, client, published):
    created = client.create_recurring_run(
        published.experiment_id,
        "Nightly Train",
        cron_expression="0 0 3 * * *",
        pipeline_id=published.pipeline_id,
        version_id=published.version_id,
        params={"x": 3},
        max_concurrency=2,
    )
    assert (created.mode, created.status, created.max_concurrency) == ("ENABLE", "ENABLED", "2")
    assert created.namespace == "kubeflow"  # trap 17: the pod namespace, not the experiment's
    assert client.get_recurring_run(created.recurring_run_id).to_dict() == created.to_dict()

    wire = raw(kfp_server, "GET", f"{RECURRING}/{created.recurring_run_id}").json
    assert wire["max_concurrency"] == "2"  # trap 4: int64 is a JSON string
    assert wire["trigger"] == {"cron_schedule": {"cron": "0 0 3 * * *"}}
    assert wire["runtime_config"] == {"parameters": {"x": 3}}
    assert "no_catchup" not in wire and "description" not in wire  # empty values omitted
    listed = raw(kfp_server, "GET", RECURRING).json
    assert list(listed) == ["recurringRuns", "total_size"]  # the camelCase proto name
    assert [r.recurring_run_id for r in client.list_recurring_runs().recurring_runs] == [
        created.recurring_run_id
    ]
    no_match = predicates(("display_name", "EQUALS", "string_value", "nope"))
    assert raw(kfp_server, "GET", RECURRING, query={"filter": no_match}).json == {}


def test_omitted_mode_creates_a_disabled_recurring_run(kfp_server, published):
    """Trap 2: MODE_UNSPECIFIED is disabled; only the SDK's `enabled=True` sends ENABLE."""
    answer = create(kfp_server, published.body(mode=None))
    assert answer.status == 200
    assert (answer.json["mode"], answer.json["status"]) == ("DISABLE", "DISABLED")


@pytest.mark.parametrize("value", [None, 0, "11", -1])
def test_max_concurrency_must_be_sent_and_within_1_to_10(kfp_server, published, value):
    """Trap 3: no server default; an omitted field is the zero that fails the check."""
    answer = create(kfp_server, published.body(max_concurrency=value))
    assert answer.status == 400
    assert answer.detail == (
        "Max concurrency of a recurring run must be at least 1 and at most 10. Received "
        f"{int(value or 0)}"
    )
    assert kfp_server.recurring_runs == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"enabled": True},  # a v1 field
        {"trigger": {"cron_schedule": {"cron": "0 0 3 * * *", "timezone": "UTC"}}},
        {"trigger": {"cron_schedule": {"cron": "@daily"}, "periodic_schedule": {}}},
        {"mode": "ENABLED"},  # the status name, not a mode
        {"max_concurrency": 1.5},
        {"trigger": {"cron_schedule": {"cron": "@daily", "start_time": "2026-01-01"}}},
    ],
)
def test_protojson_refuses_unknown_fields_and_bad_values(kfp_server, published, overrides):
    answer = create(kfp_server, published.body(**overrides))
    assert (answer.status, answer.json["code"]) == (400, 3)
    assert answer.json["message"].startswith("proto: ")


def test_checks_run_in_the_servers_order_with_its_status_codes(kfp_server, published):
    def detail(**overrides):
        answer = create(kfp_server, published.body(**overrides))
        return answer.status, answer.detail

    # An empty name beats everything, and is a 500 (invalid input wrapped as internal).
    assert detail(display_name="", max_concurrency="0") == (500, "Internal Server Error")
    assert detail(max_concurrency="0", trigger={"cron_schedule": {"cron": "x"}})[0] == 400
    assert detail(trigger={"periodic_schedule": {"interval_second": "0"}}) == (
        400,
        "Found invalid period schedule interval 0. Set at interval to least 1 second",
    )
    assert detail(experiment_id="nope") == (404, "Experiment nope not found")
    # Trap 17: echoing a fetched recurring run's namespace in single-user mode.
    assert detail(namespace="kubeflow") == (
        400,
        f"Experiment {published.experiment_id} belongs to namespace '' instead of 'kubeflow'",
    )
    # Trap 16: a pinned version that cannot be fetched is a 500, not a 404.
    unknown = {"pipeline_id": published.pipeline_id, "pipeline_version_id": "nope"}
    assert detail(pipeline_version_reference=unknown) == (500, "Internal Server Error")
    other = {"pipeline_id": "another", "pipeline_version_id": published.version_id}
    assert detail(pipeline_version_reference=other) == (500, "Internal Server Error")
    no_source = create(kfp_server, published.body(pipeline_version_reference=None))
    assert no_source.status == 500
    assert no_source.detail == (
        "Internal error: Failed to create a recurring run: Cannot create a job with an empty "
        "pipeline ID"
    )
    assert kfp_server.recurring_runs == []


def test_parameters_are_checked_against_the_root_inputs(
    kfp_server, client, strict_schedule_package
):
    strict = publish(client, strict_schedule_package, name="strict-pipeline")
    unpinned = {"pipeline_id": strict.pipeline_id}

    def detail(parameters, reference=None):
        overrides = {"runtime_config": {"parameters": parameters}}
        if reference:
            overrides["pipeline_version_reference"] = reference
        answer = create(kfp_server, strict.body(**overrides))
        return answer.status, answer.detail if answer.status != 200 else ""

    assert detail({"rows": 1, "learning_rate": 0.1}) == (
        400,
        "parameter(s) provided are not required by pipeline: learning_rate",
    )
    assert detail({}) == (
        400,
        "parameter rows is not optional, yet has neither default value nor user provided value",
    )
    assert detail({"rows": "5"}, unpinned) == (
        400,
        "input parameter rows requires type double or integer, but the parameter value is not "
        "of number value type",
    )
    assert detail({"rows": 5, "label": 7}) == (
        400,
        "input parameter label requires type string, but the input parameter is not of string "
        "value type",
    )
    assert detail({"rows": 5}) == (200, "")
    assert detail({"rows": 5}, unpinned) == (200, "")


def test_create_is_not_idempotent_and_there_is_no_update(kfp_server, published):
    """Traps 6 and 7: names are not unique; changing anything means create-new."""
    first, second = create(kfp_server, published.body()), create(kfp_server, published.body())
    assert first.json["recurring_run_id"] != second.json["recurring_run_id"]
    path = f"{RECURRING}/{first.json['recurring_run_id']}"
    assert raw(kfp_server, "PATCH", path, body={"max_concurrency": "2"}).status == 501


# -- get, enable, disable, delete ------------------------------------------------------------


def test_unknown_ids_are_404_job_not_found(kfp_server, client):
    from kfp_server_api import ApiException

    for call in (
        client.get_recurring_run,
        client.enable_recurring_run,
        client.disable_recurring_run,
        client.delete_recurring_run,
    ):
        with pytest.raises(ApiException) as missing:
            call("nope")
        assert missing.value.status == 404
        assert json.loads(missing.value.body)["details"][0]["message"] == "Job nope not found"


def test_enable_and_disable_are_idempotent(kfp_server, client, published):
    kfp_server.clock.set(at(2026, 1, 5))
    job_id = create(kfp_server, published.body()).json["recurring_run_id"]
    kfp_server.clock.set(at(2026, 1, 6))
    for _ in range(2):
        assert raw(kfp_server, "POST", f"{RECURRING}/{job_id}:disable").json == {}
    after_disable = client.get_recurring_run(job_id)
    assert (after_disable.status, after_disable.mode) == ("DISABLED", "DISABLE")
    assert after_disable.updated_at.isoformat() == "2026-01-06T00:00:00+00:00"
    kfp_server.clock.set(at(2026, 1, 7))
    client.disable_recurring_run(job_id)  # a no-op: the row does not change
    assert client.get_recurring_run(job_id).updated_at == after_disable.updated_at
    client.enable_recurring_run(job_id)
    client.enable_recurring_run(job_id)
    assert client.get_recurring_run(job_id).status == "ENABLED"


def test_delete_keeps_run_rows_and_kills_active_runs_unless_orphan(kfp_server, client, published):
    """Trap 8: deleting a recurring run garbage-collects its running workflows."""
    kfp_server.clock.set(at(2026, 1, 5))
    killed = create(kfp_server, published.body(max_concurrency="5")).json["recurring_run_id"]
    orphan = create(kfp_server, published.body(max_concurrency="5")).json["recurring_run_id"]
    kfp_server.advance_to(at(2026, 1, 7))
    done, active = kfp_server.runs_of(killed)
    kfp_server.set_run_state(done.uuid, "SUCCEEDED")
    kfp_server.set_run_state(active.uuid, "RUNNING")

    client.delete_recurring_run(killed)  # no propagation policy: the Kubernetes default
    assert (
        raw(
            kfp_server, "DELETE", f"{RECURRING}/{orphan}", query={"propagation_policy": "ORPHAN"}
        ).json
        == {}
    )

    assert [run.uuid for run in kfp_server.killed_by_delete] == [active.uuid]
    assert len(kfp_server.runs) == 4  # run rows stay, still pointing at the deleted ids
    assert client.get_run(active.uuid).recurring_run_id == killed
    assert client.get_run(active.uuid).state == "RUNNING"
    with pytest.raises(RuntimeError, match="garbage-collected"):
        kfp_server.set_run_state(active.uuid, "SUCCEEDED")
    assert raw(kfp_server, "POST", f"/apis/v2beta1/runs/{active.uuid}:terminate").status == 500
    kfp_server.fire_schedules()
    assert client.get_run(active.uuid).state == "CANCELING"  # nothing ever reports CANCELED
    for run in kfp_server.runs_of(orphan):  # ORPHAN: the workflows run on and report
        kfp_server.set_run_state(run.uuid, "SUCCEEDED")
    assert raw(kfp_server, "DELETE", f"{RECURRING}/{killed}").status == 404


@pytest.mark.parametrize("policy", ["FOREGROUND", "BACKGROUND", "1", ""])
def test_every_policy_but_orphan_garbage_collects(kfp_server, published, policy):
    kfp_server.clock.set(at(2026, 1, 5))
    job_id = create(kfp_server, published.body()).json["recurring_run_id"]
    kfp_server.advance_to(at(2026, 1, 5, 3))
    query = {"propagation_policy": policy} if policy else None
    assert raw(kfp_server, "DELETE", f"{RECURRING}/{job_id}", query=query).status == 200
    assert len(kfp_server.killed_by_delete) == 1


def test_a_bad_propagation_policy_is_400(kfp_server, published):
    job_id = create(kfp_server, published.body()).json["recurring_run_id"]
    query = {"propagation_policy": "CASCADE"}
    assert raw(kfp_server, "DELETE", f"{RECURRING}/{job_id}", query=query).status == 400
    assert len(kfp_server.recurring_runs) == 1


# -- listing ------------------------------------------------------------------------------------


def test_list_filters_only_on_the_recurring_run_keys(kfp_server, client, published):
    """Trap 11: no filtering by experiment, status or version; scope with query parameters."""
    other = client.create_experiment("other/exp").experiment_id
    create(kfp_server, published.body(display_name="a"))
    create(kfp_server, published.body(display_name="b", experiment_id=other, mode="DISABLE"))

    def names(**query):
        answer = raw(kfp_server, "GET", RECURRING, query=query)
        assert answer.status == 200, answer.text
        return [r["display_name"] for r in answer.json.get("recurringRuns", [])]

    assert names(experiment_id=other) == ["b"]
    assert names(filter=predicates(("display_name", "EQUALS", "string_value", "A"))) == ["a"]
    assert names(filter=predicates(("name", "IS_SUBSTRING", "string_value", "b"))) == ["b"]
    assert names(namespace="anything") == ["a", "b"]  # single-user: namespace ignored
    for key in ("experiment_id", "status", "pipeline_version_id", "mode"):
        answer = raw(
            kfp_server,
            "GET",
            RECURRING,
            query={"filter": predicates((key, "EQUALS", "string_value", "x"))},
        )
        assert answer.status == 400
        assert answer.detail == f'no support for filtering on unrecognized field "{key}"'
    unknown = raw(kfp_server, "GET", RECURRING, query={"experiment_id": "nope"})
    assert (unknown.status, unknown.detail) == (404, "Experiment nope not found")


def test_list_is_oldest_first_with_keyset_tokens_that_carry_the_filter(kfp_server, published):
    """Trap 12 and section 10: default sort created_at asc; the token embeds the filter."""
    for name in ("job-1", "job-2", "job-3", "other"):
        create(kfp_server, published.body(display_name=name))
    jobs = predicates(("display_name", "IS_SUBSTRING", "string_value", "job"))
    first = raw(kfp_server, "GET", RECURRING, query={"filter": jobs, "page_size": 2}).json
    assert [r["display_name"] for r in first["recurringRuns"]] == ["job-1", "job-2"]
    assert first["total_size"] == 3
    create(kfp_server, published.body(display_name="job-0"))  # newer: lands on a later page
    token = first["next_page_token"]
    second = raw(kfp_server, "GET", RECURRING, query={"page_token": token, "page_size": 2}).json
    assert [r["display_name"] for r in second["recurringRuns"]] == ["job-3", "job-0"]
    assert second["total_size"] == 4
    mismatch = raw(
        kfp_server,
        "GET",
        RECURRING,
        query={"page_token": token, "filter": predicates(("name", "EQUALS", "string_value", "x"))},
    )
    assert mismatch.status == 400
    assert mismatch.detail.startswith("page token does not match the supplied sort by")
    mangled = raw(kfp_server, "GET", RECURRING, query={"page_token": "%%%"})
    assert (mangled.status, mangled.detail) == (400, "Invalid page token")
    newest = raw(kfp_server, "GET", RECURRING, query={"sort_by": "created_at desc"}).json
    assert newest["recurringRuns"][0]["display_name"] == "job-0"
    assert raw(kfp_server, "GET", RECURRING, query={"sort_by": "status"}).detail == (
        'Invalid sorting field: "status" on listable type Job'
    )


def test_multi_user_needs_an_experiment_to_create_and_a_namespace_to_list(
    kfp_server_multi_user,
    kfp_client_factory,
    schedule_package,
):
    server = kfp_server_multi_user
    client = kfp_client_factory(server, namespace="team-a")
    published = publish(client, schedule_package, namespace="team-a")
    missing = create(server, published.body(experiment_id=None))
    assert (missing.status, missing.detail) == (
        400,
        "Experiment id can not be empty in multi-user mode",
    )
    created = create(server, published.body())
    assert created.json["namespace"] == "team-a"  # the experiment's namespace
    unscoped = raw(server, "GET", RECURRING)
    assert (unscoped.status, unscoped.detail) == (
        400,
        "a recurring run cannot have an empty namespace in multi-user mode",
    )
    assert raw(server, "GET", RECURRING, query={"namespace": "team-b"}).json == {}
    listed = client.list_recurring_runs(namespace="team-a").recurring_runs
    assert [r.recurring_run_id for r in listed] == [created.json["recurring_run_id"]]
    by_experiment = client.list_recurring_runs(experiment_id=published.experiment_id)
    assert by_experiment.total_size == 1


def test_requests_are_recorded_reads_apart_from_writes(kfp_server, client, published):
    job_id = create(kfp_server, published.body()).json["recurring_run_id"]
    kfp_server.clear_requests()
    client.list_recurring_runs()
    client.get_recurring_run(job_id)
    assert not [r for r in kfp_server.requests if r.is_write]
    client.disable_recurring_run(job_id)
    (write,) = [r for r in kfp_server.requests if r.is_write]
    assert (write.method, write.path) == ("POST", f"{RECURRING}/{job_id}:disable")
