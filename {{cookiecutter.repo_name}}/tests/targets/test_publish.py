"""``publish`` through the real kfp.Client against the KFP API test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import integrations
from scripts.build.specs import local_spec, same_spec
from scripts.cli import main as cli
from scripts.core.errors import UsageError
from scripts.core.report import SyncResult
from scripts.targets.publish.versions import default_version_name
from tests.helpers.pipeline_repos import manifest, pipeline_source

VERSION = "feature-x-1a2b3c4d"
AUTH_VARIABLES = ("KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH", "KFP_COOKIES", "KFP_NAMESPACE")
GITHUB_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "GITHUB_SHA",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, isolated_kfp_home):
    """No credentials, namespace or GitHub context leaking in from the machine running tests."""
    for name in AUTH_VARIABLES + GITHUB_VARIABLES + ("KFP_HOST",):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def compiled(pipeline_repo):
    """pipeline_repo with build/ compiled."""
    assert cli.main(["compile", "--repo", str(pipeline_repo.path), "--all"]) == 0
    return pipeline_repo


def run_publish(monkeypatch, repo, server, *args: str, version: str | None = VERSION) -> int:
    monkeypatch.setenv("KFP_HOST", server.url)
    flags = ["--version", version] if version else []
    return cli.main(["publish", "--repo", str(repo.path), "--env", "dev", *flags, *args])


def json_publish(monkeypatch, capsys, repo, server, *args: str, **kwargs) -> tuple[int, dict]:
    """Publish with --format json; the parsed stdout (stderr stays readable via capsys)."""
    capsys.readouterr()
    code = run_publish(monkeypatch, repo, server, "--format", "json", *args, **kwargs)
    captured = capsys.readouterr()
    json_publish.last_err = captured.err
    return code, json.loads(captured.out)


def statuses(document: dict) -> dict[str, str]:
    return {p["selector"]: p["status"] for p in document["pipelines"]}


# -- the happy path -------------------------------------------------------------------------


def test_first_publish_creates_pipelines_and_versions_without_a_phantom(
    compiled, kfp_server, monkeypatch, capsys
):
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server)
    assert code == 0, document
    assert statuses(document) == {
        "alpha/score": "created",
        "alpha/train_model": "created",
        "beta/report": "created",
    }
    pipelines = {p.name: p for p in kfp_server.pipelines}
    assert sorted(pipelines) == ["alpha-score", "alpha-train-model", "beta-report"]
    assert pipelines["alpha-train-model"].display_name == "alpha/train_model"
    assert pipelines["alpha-train-model"].description == "says alpha train_model"
    # Exactly one version per pipeline, named after the commit: no version named after the
    # pipeline (what POST /pipelines/upload would have created).
    versions = sorted((v.pipeline_id, v.name) for v in kfp_server.versions)
    assert versions == sorted((p.uuid, VERSION) for p in pipelines.values())
    row = document["pipelines"][1]
    version = next(v for v in kfp_server.versions if v.pipeline_id == row["pipeline_id"])
    assert row["version_id"] == version.uuid
    assert row["link"] == (
        f"{kfp_server.url}/#/pipelines/details/{row['pipeline_id']}/version/{row['version_id']}"
    )
    assert document["counts"] == {
        "created": 3,
        "uploaded": 0,
        "exists": 0,
        "unchanged": 0,
        "failed": 0,
    }
    # The server's own "Default" experiment (KFP creates it at start-up) is not ours.
    assert sorted(e.name for e in kfp_server.experiments if "/" in e.name) == [
        "alpha/Default",
        "alpha/Trading Cards",
        "beta/Default",
    ]
    assert [(e["name"], e["status"]) for e in document["experiments"]] == [
        ("alpha/Default", "created"),
        ("alpha/Trading Cards", "created"),
        ("beta/Default", "created"),
    ]


def test_the_uploaded_spec_is_the_compiled_file(compiled, kfp_server, monkeypatch, capsys):
    assert run_publish(monkeypatch, compiled, kfp_server) == 0
    local = local_spec(compiled.path / "build/pipelines/beta/report.yaml")
    (pipeline,) = [p for p in kfp_server.pipelines if p.name == "beta-report"]
    (version,) = [v for v in kfp_server.versions if v.pipeline_id == pipeline.uuid]
    assert same_spec(local, version.template.api_struct())


def test_a_second_identical_publish_is_idempotent(compiled, kfp_server, monkeypatch, capsys):
    assert run_publish(monkeypatch, compiled, kfp_server) == 0
    before = [(v.pipeline_id, v.name) for v in kfp_server.versions]
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server)
    assert code == 0
    assert set(statuses(document).values()) == {"exists"}
    assert [(v.pipeline_id, v.name) for v in kfp_server.versions] == before
    assert {e["status"] for e in document["experiments"]} == {"exists"}
    # A new commit with the same specs: nothing uploaded, each points at the latest version.
    code, document = json_publish(
        monkeypatch, capsys, compiled, kfp_server, version="feature-x-99999999"
    )
    assert code == 0
    assert set(statuses(document).values()) == {"unchanged"}
    assert {p["version"] for p in document["pipelines"]} == {VERSION}
    assert all(p["link"] and p["version_id"] for p in document["pipelines"])
    assert [(v.pipeline_id, v.name) for v in kfp_server.versions] == before


def test_always_upload_uploads_an_unchanged_spec(compiled, kfp_server, monkeypatch, capsys):
    assert run_publish(monkeypatch, compiled, kfp_server) == 0
    code, document = json_publish(
        monkeypatch, capsys, compiled, kfp_server, "--always-upload", version="v2"
    )
    assert code == 0
    assert set(statuses(document).values()) == {"uploaded"}
    assert len(kfp_server.versions) == 6


def test_a_changed_pipeline_is_uploaded_and_the_others_are_unchanged(
    compiled, kfp_server, monkeypatch, capsys
):
    assert run_publish(monkeypatch, compiled, kfp_server) == 0
    compiled.write("pipelines/alpha/score.py", pipeline_source("a new message"))
    assert cli.main(["compile", "--repo", str(compiled.path), "--all"]) == 0
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server, version="v2")
    assert code == 0
    assert statuses(document) == {
        "alpha/score": "uploaded",
        "alpha/train_model": "unchanged",
        "beta/report": "unchanged",
    }


def test_the_same_version_name_with_a_different_spec_fails(
    compiled, kfp_server, monkeypatch, capsys
):
    assert run_publish(monkeypatch, compiled, kfp_server) == 0
    compiled.write("pipelines/alpha/score.py", pipeline_source("a new message"))
    assert cli.main(["compile", "--repo", str(compiled.path), "--all"]) == 0
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server)
    assert code == 1
    assert statuses(document) == {
        "alpha/score": "failed",
        "alpha/train_model": "exists",
        "beta/report": "exists",
    }
    failed = document["pipelines"][0]
    assert "already exists with a different spec" in failed["message"]
    assert failed["link"]  # points at the version that is there
    assert len(kfp_server.versions) == 3


def test_a_concurrent_upload_of_the_same_version_counts_as_exists(
    compiled, kfp_server, monkeypatch, capsys
):
    """Another job uploads the same version between our lookup and our upload: the 409 is
    resolved by comparing specs."""
    from scripts.targets.kfp.api import KfpApi

    assert run_publish(monkeypatch, compiled, kfp_server, version="v1") == 0
    original = KfpApi.find_version
    calls: list[str] = []

    def lookup_misses_once(self, pipeline_id, version_name):
        calls.append(pipeline_id)
        if calls.count(pipeline_id) == 1:
            return None  # as if the other job had not uploaded yet
        return original(self, pipeline_id, version_name)

    monkeypatch.setattr(KfpApi, "find_version", lookup_misses_once)
    code, document = json_publish(
        monkeypatch, capsys, compiled, kfp_server, "--always-upload", version="v1"
    )
    assert code == 0
    assert set(statuses(document).values()) == {"exists"}
    uploads = [r for r in kfp_server.requests if r.path.endswith("/upload_version")]
    assert [r.status for r in uploads[-3:]] == [409, 409, 409]


# -- failures -------------------------------------------------------------------------------


def test_three_injected_503s_are_survived(compiled, kfp_server, monkeypatch, capsys):
    kfp_server.fail_next(3, 503)
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server)
    assert code == 0
    assert set(statuses(document).values()) == {"created"}
    assert [r.status for r in kfp_server.requests[:4]] == [503, 503, 503, 200]
    assert "note: 3 transient failure(s) retried" in json_publish.last_err


def test_transient_upload_failures_are_retried(compiled, kfp_server, monkeypatch, capsys):
    kfp_server.fail_next(2, 502, match="upload_version")
    kfp_server.fail_next(1, 429, match="upload_version")
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server, "--jobs", "1")
    assert code == 0
    assert set(statuses(document).values()) == {"created"}
    assert len(kfp_server.versions) == 3
    uploads = [r.status for r in kfp_server.requests if r.path.endswith("/upload_version")]
    assert uploads == [502, 502, 429, 200, 200, 200]


def test_a_400_is_not_retried_and_does_not_stop_the_others(
    compiled, kfp_server, monkeypatch, capsys
):
    kfp_server.fail_next(1, 400, match="upload_version")
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server, "--jobs", "1")
    assert code == 1
    assert statuses(document) == {
        "alpha/score": "failed",
        "alpha/train_model": "created",
        "beta/report": "created",
    }
    assert (
        "upload version feature-x-1a2b3c4d failed: HTTP 400" in document["pipelines"][0]["message"]
    )
    uploads = [r.status for r in kfp_server.requests if r.path.endswith("/upload_version")]
    assert uploads == [400, 200, 200]
    assert "pipelines/alpha/score.py: alpha/score: " in json_publish.last_err


def test_a_pipeline_that_failed_to_compile_is_reported_and_the_rest_publish(
    pipeline_repo, kfp_server, monkeypatch, capsys
):
    pipeline_repo.write("pipelines/beta/report.py", "raise ValueError('bad config')\n")
    assert cli.main(["compile", "--repo", str(pipeline_repo.path), "--all"]) == 1
    code, document = json_publish(monkeypatch, capsys, pipeline_repo, kfp_server)
    assert code == 1
    assert statuses(document) == {
        "alpha/score": "created",
        "alpha/train_model": "created",
        "beta/report": "failed",
    }
    failed = document["pipelines"][2]
    assert failed["message"] == (
        "did not compile: cannot import the pipeline module: ValueError: bad config"
    )
    assert sorted(p.name for p in kfp_server.pipelines) == ["alpha-score", "alpha-train-model"]
    assert json_publish.last_err.startswith("pipelines/beta/report.py:1: beta/report: ")
    # The project's experiments are still synced.
    assert "beta/Default" in [e.name for e in kfp_server.experiments]


def cli_subprocess(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """A fresh process, as CI runs it; the timeout guards the "within 30 s" promise (kfp.Client's
    own constructor would spend 25 s retrying healthz)."""
    return subprocess.run(
        [sys.executable, "-m", "scripts", "publish", "--repo", str(repo), *args],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_401_is_one_clear_line(compiled, kfp_server_factory, tmp_path):
    server = kfp_server_factory(token="s3cret-token")
    summary = tmp_path / "summary.json"
    result = cli_subprocess(
        compiled.path,
        {"KFP_HOST": server.url},
        "--env",
        "dev",
        "--version",
        VERSION,
        "--summary-json",
        str(summary),
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{server.url}: 401 Unauthorized")
    assert "KFP_TOKEN" in lines[0]
    assert result.stdout == ""
    assert not [r for r in server.requests if r.is_write]
    # The PR comment can still say why nothing was published.
    document = json.loads(summary.read_text("utf-8"))
    assert document["ok"] is False and document["error"] == lines[0]
    assert document["pipelines"] == [] and document["version"] == VERSION


def test_a_wrong_token_is_a_403_that_never_shows_the_token(compiled, kfp_server_factory):
    server = kfp_server_factory(token="the-right-token")
    result = cli_subprocess(
        compiled.path,
        {"KFP_HOST": server.url, "KFP_TOKEN": "a-wrong-token-value"},
        "--env",
        "dev",
        "--version",
        VERSION,
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{server.url}: 403 Forbidden")
    assert "the bearer token from KFP_TOKEN" in line
    assert "a-wrong-token-value" not in result.stderr + result.stdout


def test_an_unreachable_host_is_one_clear_line(compiled, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = cli_subprocess(compiled.path, {"KFP_HOST": url}, "--env", "dev", "--version", "v1")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{url}: cannot reach the KFP API (GET /apis/v2beta1/healthz")
    assert "after 5 attempts: connection refused)" in line
    assert "check the host (environments.yml or KFP_HOST)" in line


def test_credentials_from_each_variable_are_accepted(compiled, kfp_server_factory, tmp_path):
    server = kfp_server_factory(token="tok-123")
    token_file = tmp_path / "sa-token"
    token_file.write_text("tok-123", encoding="utf-8")
    by_token = cli_subprocess(
        compiled.path,
        {"KFP_HOST": server.url, "KFP_TOKEN": "tok-123"},
        "--env",
        "dev",
        "--version",
        "v1",
        "--dry-run",
    )
    assert by_token.returncode == 0, by_token.stderr
    by_file = cli_subprocess(
        compiled.path,
        {"KFP_HOST": server.url, "KF_PIPELINES_SA_TOKEN_PATH": str(token_file)},
        "--env",
        "dev",
        "--version",
        "v1",
        "--dry-run",
    )
    assert by_file.returncode == 0, by_file.stderr
    assert "tok-123" not in by_token.stdout + by_token.stderr + by_file.stdout + by_file.stderr


def test_cookies_are_sent(compiled, kfp_server, monkeypatch, capsys):
    monkeypatch.setenv("KFP_COOKIES", "authservice_session=abc")
    assert run_publish(monkeypatch, compiled, kfp_server, "--dry-run") == 0
    assert all(r.headers.get("cookie") == "<redacted>" for r in kfp_server.requests)
    assert "abc" not in capsys.readouterr().out


def test_a_stale_kfp_context_file_changes_nothing(compiled, kfp_server, tmp_path):
    home = tmp_path / "stale-home"
    context = home / ".config" / "kfp" / "context.json"
    context.parent.mkdir(parents=True)
    text = json.dumps(
        {
            "namespace": "someone-else",
            "client_authentication_cookie": "stale=1",
            "client_authentication_header_name": "x-stale",
            "client_authentication_header_value": "yes",
        }
    )
    context.write_text(text, encoding="utf-8")
    result = cli_subprocess(
        compiled.path,
        {"KFP_HOST": kfp_server.url, "HOME": str(home)},
        "--env",
        "dev",
        "--version",
        "v1",
    )
    assert result.returncode == 0, result.stderr
    assert context.read_text("utf-8") == text
    for request in kfp_server.requests:
        assert "x-stale" not in {name.lower() for name in request.headers}
        assert "cookie" not in request.headers
        assert request.query.get("namespace", [""]) == [""]
        assert (request.json or {}).get("namespace") in (None, "")


# -- multi-user -----------------------------------------------------------------------------


def test_multi_user_mode_sends_the_namespace_on_every_call(
    compiled, kfp_server_multi_user, monkeypatch, capsys
):
    monkeypatch.setenv("KFP_NAMESPACE", "team-a")
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server_multi_user)
    assert code == 0, document
    assert {p.namespace for p in kfp_server_multi_user.pipelines} == {"team-a"}
    assert {e.namespace for e in kfp_server_multi_user.experiments} == {"team-a"}
    requests = kfp_server_multi_user.requests
    namespaced = [
        r
        for r in requests
        if r.path.startswith(("/apis/v2beta1/pipelines/names/", "/apis/v2beta1/experiments"))
        or r.path == "/apis/v2beta1/pipelines"
    ]
    assert len(namespaced) > 6
    for request in namespaced:
        sent = request.query.get("namespace") or [(request.json or {}).get("namespace")]
        assert sent == ["team-a"], request


def test_multi_user_mode_without_a_namespace_is_a_configuration_error(
    compiled, kfp_server_multi_user, monkeypatch, capsys
):
    assert run_publish(monkeypatch, compiled, kfp_server_multi_user) == 2
    assert "is a multi-user KFP: set the namespace" in capsys.readouterr().err


def test_a_project_namespace_override_is_used(compiled, kfp_server_multi_user, monkeypatch):
    manifest = compiled.path / "projects/beta.yml"
    manifest.write_text(
        manifest.read_text("utf-8") + "namespaces:\n  dev: team-b\n", encoding="utf-8"
    )
    monkeypatch.setenv("KFP_NAMESPACE", "team-a")
    assert run_publish(monkeypatch, compiled, kfp_server_multi_user) == 0
    owners = {p.name: p.namespace for p in kfp_server_multi_user.pipelines}
    assert owners == {
        "alpha-score": "team-a",
        "alpha-train-model": "team-a",
        "beta-report": "team-b",
    }
    assert {e.name: e.namespace for e in kfp_server_multi_user.experiments if "/" in e.name} == {
        "alpha/Default": "team-a",
        "alpha/Trading Cards": "team-a",
        "beta/Default": "team-b",
    }


# -- dry run, output, configuration ---------------------------------------------------------


def test_dry_run_prints_the_plan_and_sends_no_write_request(
    compiled, kfp_server, monkeypatch, capsys
):
    assert run_publish(monkeypatch, compiled, kfp_server, version="v1") == 0
    compiled.write("pipelines/alpha/score.py", pipeline_source("changed"))
    compiled.write("pipelines/gamma/new.py", pipeline_source("new"))
    compiled.write(
        "pipelines/gamma/_helpers.py",
        (compiled.path / "pipelines/alpha/_helpers.py").read_text("utf-8"),
    )
    compiled.write("projects/gamma.yml", manifest("gamma", ["Default"]))
    assert cli.main(["compile", "--repo", str(compiled.path), "--all"]) == 0
    kfp_server.clear_requests()
    code, document = json_publish(
        monkeypatch, capsys, compiled, kfp_server, "--dry-run", version="v2"
    )
    assert code == 0
    assert document["dry_run"] is True
    assert statuses(document) == {
        "alpha/score": "upload",
        "alpha/train_model": "unchanged",
        "beta/report": "unchanged",
        "gamma/new": "create",
    }
    assert {e["name"]: e["status"] for e in document["experiments"]} == {
        "alpha/Default": "exists",
        "alpha/Trading Cards": "exists",
        "beta/Default": "exists",
        "gamma/Default": "create",
    }
    assert run_publish(monkeypatch, compiled, kfp_server, "--dry-run", version="v2") == 0
    out = capsys.readouterr().out
    assert "version v2 (dry run: nothing was written)" in out
    assert any(line.split()[:2] == ["gamma/new", "create"] for line in out.splitlines())
    assert kfp_server.requests and not [r for r in kfp_server.requests if r.is_write]
    assert len(kfp_server.versions) == 3 and len(kfp_server.pipelines) == 3


def test_summary_json_and_the_github_step_summary(compiled, kfp_server, monkeypatch, tmp_path):
    summary = tmp_path / "out" / "summary.json"
    step_summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    monkeypatch.setenv("GITHUB_HEAD_REF", "Feature/Add Thing")
    monkeypatch.setenv("GITHUB_REF_NAME", "12/merge")
    monkeypatch.setenv("GITHUB_SHA", "ABCDEF0123456789abcdef0123456789abcdef01")
    assert (
        run_publish(monkeypatch, compiled, kfp_server, "--summary-json", str(summary), version=None)
        == 0
    )
    document = json.loads(summary.read_text("utf-8"))
    assert document["version"] == "feature-add-thing-abcdef01"
    assert document["schema"] == 1 and document["ok"] is True and document["dry_run"] is False
    assert document["error"] is None
    assert document["environment"] == "dev" and document["host"] == kfp_server.url
    assert set(document) == {
        "schema",
        "environment",
        "host",
        "version",
        "dry_run",
        "ok",
        "counts",
        "pipelines",
        "experiments",
        "syncs",
        "error",
    }
    assert set(document["pipelines"][0]) == {
        "selector",
        "name",
        "display_name",
        "project",
        "source",
        "namespace",
        "status",
        "pipeline_id",
        "version_id",
        "version",
        "link",
        "message",
    }
    markdown = step_summary.read_text("utf-8")
    assert markdown.startswith("### KFP publish to `dev`")
    assert "| `alpha/train_model` | created | feature-add-thing-abcdef01 | [open](" in markdown


def test_results_keep_a_stable_order_whatever_finishes_first(
    tmp_path, kfp_server, monkeypatch, capsys
):
    from tests.helpers.pipeline_repos import make_pipeline_repo

    repo = make_pipeline_repo(tmp_path / "many", {"p": [f"pipe_{i:02d}" for i in range(12)]})
    assert cli.main(["compile", "--repo", str(repo.path), "--all"]) == 0
    kfp_server.set_latency(0.01)
    code, document = json_publish(monkeypatch, capsys, repo, kfp_server, "--jobs", "6")
    assert code == 0
    assert [p["selector"] for p in document["pipelines"]] == [f"p/pipe_{i:02d}" for i in range(12)]


def test_the_version_name_comes_from_the_checkout_outside_actions(compiled):
    compiled.checkout("Feature/Ünïcode_and__more", create=True)
    expected = "feature-n-code-and-more-" + compiled.head()[:8]
    assert default_version_name(compiled.path, environ={}) == expected


def test_in_actions_a_pull_request_is_named_after_its_head_not_the_merge_commit(tmp_path):
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"head": {"sha": "1234567890abcdef"}}}')
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_HEAD_REF": "feature/x",
        "GITHUB_SHA": "fedcba0987654321",  # the merge commit
    }
    assert default_version_name(tmp_path, environ=environ) == "feature-x-12345678"
    push = {
        **environ,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_HEAD_REF": "",
        "GITHUB_REF_NAME": "main",
    }
    assert default_version_name(tmp_path, environ=push) == "main-fedcba09"


def test_a_detached_head_needs_an_explicit_version(compiled):
    compiled.git("checkout", "-q", "--detach")
    with pytest.raises(UsageError, match="pass --version NAME"):
        default_version_name(compiled.path, environ={})


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--env", "staging"), {}, "no environment 'staging'"),
        (("--env", "dev"), {"KFP_HOST": "kfp.example.com"}, "is not an http(s) URL"),
        (("--env", "dev", "--version", ""), {}, "--version must not be empty"),
        (("--env", "dev", "--version", "v" * 128), {}, "over 127 bytes"),
    ],
    ids=["missing-environment", "host-not-a-url", "empty-version", "long-version"],
)
def test_configuration_errors_exit_2(compiled, monkeypatch, capsys, args, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["publish", "--repo", str(compiled.path), *args]) == 2
    assert message in capsys.readouterr().err


def test_publishing_without_compiling_says_to_compile(
    pipeline_repo, kfp_server, monkeypatch, capsys
):
    assert run_publish(monkeypatch, pipeline_repo, kfp_server) == 2
    assert "run `python -m scripts compile` first" in capsys.readouterr().err


def record_touched_projects(context):
    """A sync step for the seam test: one row per touched project, failing for "beta"."""
    return [
        SyncResult(
            "test sync",
            project.name,
            "failed" if project.name == "beta" else ("would sync" if context.dry_run else "ok"),
            message="beta refused" if project.name == "beta" else "",
        )
        for project in context.projects
    ]


def test_sync_steps_run_for_the_touched_projects(compiled, kfp_server, monkeypatch, capsys):
    monkeypatch.setattr(
        integrations,
        "sync_steps",
        lambda: [
            "scripts.not_in_this_repo:sync_step",
            "tests.targets.test_publish:record_touched_projects",
        ],
    )
    code, document = json_publish(monkeypatch, capsys, compiled, kfp_server, "--dry-run")
    assert code == 1  # the failed sync row fails the publish
    assert document["syncs"] == [
        {"kind": "test sync", "name": "alpha", "status": "would sync", "link": None, "message": ""},
        {
            "kind": "test sync",
            "name": "beta",
            "status": "failed",
            "link": None,
            "message": "beta refused",
        },
    ]
    assert document["ok"] is False
    assert "test sync beta: beta refused" in json_publish.last_err
