"""scripts/targets/kfp/ (client, api, errors) through the real kfp.Client against the KFP API
test server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from scripts.core.errors import ConfigError
from scripts.core.retry import RetryPolicy
from scripts.repo.environments import Environment
from scripts.targets.kfp import api as kfp_api
from scripts.targets.kfp import errors as kfp_errors
from scripts.targets.kfp.auth import Auth
from scripts.targets.kfp.client import connect
from scripts.targets.kfp.errors import KfpError

FAST = RetryPolicy(attempts=4, total_seconds=5.0, base_delay=0.01, max_delay=0.02)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, isolated_kfp_home):
    for name in ("KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH", "KFP_COOKIES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def spec_file(pipeline_repo) -> Path:
    from scripts.cli import main as cli

    assert cli.main(["compile", "--repo", str(pipeline_repo.path), "alpha/score"]) == 0
    return pipeline_repo.path / "build/pipelines/alpha/score.yaml"


def api_for(server, namespace=None, **kwargs):
    return connect(Environment("dev", server.url, namespace=namespace), retry=FAST, **kwargs)


def test_building_the_client_sends_no_request(kfp_server):
    api = api_for(kfp_server, preflight=False)
    assert kfp_server.requests == []
    assert api.client.get_kfp_healthz().multi_user is False  # answered without a request
    assert kfp_server.requests == []


def test_preflight_is_healthz_then_one_authenticated_read(kfp_server):
    api = api_for(kfp_server)
    assert [(r.method, r.path) for r in kfp_server.requests] == [
        ("GET", "/apis/v2beta1/healthz"),
        ("GET", "/apis/v2beta1/experiments"),
    ]
    assert api.multi_user is False and api.namespace is None


def test_an_unhealthy_server_fails_the_preflight_quickly(kfp_server, monkeypatch):
    monkeypatch.setattr(kfp_api, "PREFLIGHT_RETRY", FAST)
    kfp_server.fail_next(50, 503)
    with pytest.raises(KfpError) as caught:
        api_for(kfp_server)
    assert str(caught.value).startswith(
        f"{kfp_server.url}: GET /apis/v2beta1/healthz failed after 4 attempts: HTTP 503"
    )
    assert len(kfp_server.requests) == 4


def test_transient_statuses_are_retried_within_the_budget(kfp_server):
    api = api_for(kfp_server)
    for status in (429, 502, 504):
        kfp_server.fail_next(1, status)
    assert api.find_pipeline("nothing-here") is None
    assert api.retries_done == 3
    kfp_server.fail_next(10, 503)
    with pytest.raises(KfpError, match="look up pipeline nothing-here failed after 4 attempts"):
        api.find_pipeline("nothing-here")


def test_other_client_errors_are_not_retried(kfp_server, spec_file):
    api = api_for(kfp_server)
    kfp_server.clear_requests()
    kfp_server.fail_next(1, 400)
    with pytest.raises(KfpError) as caught:
        api.create_pipeline("p-x", "p/x")
    assert caught.value.status == 400
    assert len(kfp_server.requests) == 1


def test_find_pipeline_uses_the_unique_name_not_the_display_name(kfp_server):
    api = api_for(kfp_server)
    first = api.create_pipeline("alpha-score", "same display name")
    api.create_pipeline("beta-score", "same display name")
    found = api.find_pipeline("alpha-score")
    assert found.pipeline_id == first.pipeline_id
    assert [r.path for r in kfp_server.requests][-1] == "/apis/v2beta1/pipelines/names/alpha-score"


def test_a_missing_pipeline_is_one_request(kfp_server):
    api = api_for(kfp_server)
    kfp_server.clear_requests()
    assert api.find_pipeline("not-there") is None
    (by_name,) = kfp_server.requests
    assert (by_name.path, by_name.status) == ("/apis/v2beta1/pipelines/names/not-there", 404)


def test_a_by_name_route_the_server_lacks_falls_back_to_a_name_filter(kfp_server):
    api = api_for(kfp_server)
    created = api.create_pipeline("alpha-score", "alpha/score")
    kfp_server.clear_requests()
    kfp_server.fail_next(1, 501, match="/names/")  # e.g. a proxy that does not route it
    assert api.find_pipeline("alpha-score").pipeline_id == created.pipeline_id
    by_name, listing = kfp_server.requests
    assert by_name.status == 501
    assert listing.path == "/apis/v2beta1/pipelines"
    assert json.loads(unquote(listing.query["filter"][0])) == {
        "predicates": [{"operation": "EQUALS", "key": "name", "string_value": "alpha-score"}]
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"code":5,"message":"Pipeline not found","details":[]}', True),
        ('{"error":"not found","code":5,"message":"not found"}', True),
        ("<html><body>404 Not Found</body></html>", False),
        ('{"code":12,"message":"Method Not Allowed"}', False),
    ],
    ids=["grpc-status", "old-gateway", "proxy-page", "other-code"],
)
def test_only_the_apis_own_not_found_means_absent(body, expected):
    assert kfp_errors.is_api_not_found(body) is expected


def test_create_pipeline_makes_no_version_and_a_409_returns_the_existing_one(kfp_server):
    api = api_for(kfp_server)
    created = api.create_pipeline("alpha-score", "alpha/score", "desc")
    again = api.create_pipeline("alpha-score", "alpha/score", "desc")
    assert again.pipeline_id == created.pipeline_id
    assert kfp_server.versions == []
    creates = [r.status for r in kfp_server.requests if r.method == "POST"]
    assert creates == [200, 409]


def test_versions_upload_conflict_lookup_and_latest(kfp_server, spec_file):
    api = api_for(kfp_server)
    pipeline = api.create_pipeline("alpha-score", "alpha/score")
    first = api.upload_version(pipeline.pipeline_id, "v1", spec_file, "first")
    with pytest.raises(KfpError) as caught:
        api.upload_version(pipeline.pipeline_id, "v1", spec_file)
    assert caught.value.status == 409
    second = api.upload_version(pipeline.pipeline_id, "v2", spec_file)
    found = api.find_version(pipeline.pipeline_id, "v1")
    assert found.pipeline_version_id == first.pipeline_version_id
    assert found.pipeline_spec["pipelineInfo"]["name"] == "alpha-score"
    assert api.find_version(pipeline.pipeline_id, "v3") is None
    assert api.latest_version(pipeline.pipeline_id).pipeline_version_id == (
        second.pipeline_version_id
    )


@pytest.mark.parametrize("name", ["p/Trading Cards", "p/50% + more", 'p/"quoted" & {json}'])
def test_experiment_names_survive_the_servers_double_decoding(kfp_server, name):
    api = api_for(kfp_server)
    created = api.create_experiment(name, "d")
    found = api.find_experiment(name)
    assert found is not None and found.experiment_id == created.experiment_id
    assert api.create_experiment(name).experiment_id == created.experiment_id  # 409 -> exists
    assert [e.name for e in kfp_server.experiments].count(name) == 1


def test_multi_user_namespace_is_sent_and_required(kfp_server_multi_user):
    with pytest.raises(ConfigError, match="multi-user KFP: set the namespace"):
        api_for(kfp_server_multi_user)
    api = api_for(kfp_server_multi_user, namespace="team-a")
    assert api.namespace == "team-a"
    pipeline = api.create_pipeline("alpha-score", "alpha/score")
    assert api.find_pipeline("alpha-score").pipeline_id == pipeline.pipeline_id
    assert api.in_namespace("team-b").find_pipeline("alpha-score") is None


def test_the_context_file_is_neither_read_nor_written(kfp_server, isolated_kfp_home):
    import kfp

    context = Path(kfp.Client._LOCAL_KFP_CONTEXT)
    context.parent.mkdir(parents=True)
    stale = {
        "namespace": "stale-ns",
        "client_authentication_header_name": "x-stale",
        "client_authentication_header_value": "1",
    }
    context.write_text(json.dumps(stale), encoding="utf-8")
    api = api_for(kfp_server)
    api.find_pipeline("anything")
    assert api.client.get_user_namespace() == ""
    assert json.loads(context.read_text("utf-8")) == stale
    assert all("x-stale" not in r.headers for r in kfp_server.requests)


def test_auth_comes_only_from_the_documented_variables(tmp_path):
    assert Auth.from_environ({}).describe() == "no credentials"
    token = Auth.from_environ({"KFP_TOKEN": "t0k", "KFP_COOKIES": "c=1"})
    assert token.describe() == "the bearer token from KFP_TOKEN"
    assert "t0k" not in repr(token) and "c=1" not in repr(token)
    path = tmp_path / "token"
    path.write_text("x", encoding="utf-8")
    by_file = Auth.from_environ({"KF_PIPELINES_SA_TOKEN_PATH": str(path)})
    assert by_file.describe() == "the service-account token from KF_PIPELINES_SA_TOKEN_PATH"
    with pytest.raises(ConfigError, match="KF_PIPELINES_SA_TOKEN_PATH points to"):
        Auth.from_environ({"KF_PIPELINES_SA_TOKEN_PATH": str(tmp_path / "missing")})


def test_service_account_token_file_is_sent_as_bearer(kfp_server_factory, tmp_path, monkeypatch):
    server = kfp_server_factory(token="from-file")
    path = tmp_path / "token"
    path.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(path))
    api = api_for(server)
    assert api.find_pipeline("x") is None
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(tmp_path / "gone"))
    with pytest.raises(ConfigError):
        api_for(server)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ('{"error_message":"Failed to create","error_details":"x"}', "Failed to create"),
        ('{"code":6,"message":"already exists","details":[]}', "already exists"),
        ('{"error":"old shape","code":3}', "old shape"),
        ("Invalid input error: Pipeline.Name length cannot exceed 128\n", "Invalid input error"),
    ],
    ids=["upload-shape", "grpc-shape", "old-gateway-shape", "plain-text"],
)
def test_error_bodies_of_every_shape_become_one_line(body, text):
    assert kfp_errors.error_text(body).startswith(text)
    assert "\n" not in kfp_errors.error_text(body)


def _connection_errors():
    import urllib3

    exceptions = urllib3.exceptions
    return [
        (
            exceptions.NameResolutionError("kfp.invalid", None, OSError("no such host")),
            "host name not found",
        ),
        (exceptions.ConnectTimeoutError(None, "timed out"), "connection timed out"),
        (exceptions.NewConnectionError(None, "refused"), "connection refused"),
        (exceptions.ReadTimeoutError(None, "/", "read timed out"), "no answer in time"),
        (exceptions.ProtocolError("reset"), "connection dropped"),
    ]


@pytest.mark.parametrize(
    ("error", "words"),
    _connection_errors(),
    ids=["dns", "connect-timeout", "refused", "read-timeout", "dropped"],
)
def test_connection_failures_are_said_in_words(kfp_server, error, words):
    api = api_for(kfp_server, preflight=False)
    message = str(api.translate("GET /x", error, attempts=3))
    assert message == (
        f"{kfp_server.url}: cannot reach the KFP API (GET /x after 3 attempts: {words}) — check "
        "the host (environments.yml or KFP_HOST) and that this machine can reach it"
    )
    assert "object at 0x" not in message
