"""``publish``: the offline dry run, what the closing line says, and where a bad host is blamed.

A dry run whose KFP server cannot be reached shows the plan alone (every compiled pipeline
"create or upload (offline)", every experiment "create if missing (offline)") after one warning
line naming the host and why, and exits 0; without ``--dry-run`` the unreachable server stays
the error ``test_publish.py`` pins.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.build.index import CompileIndex
from scripts.cli import main as cli
from scripts.core.errors import ConfigError
from scripts.repo.environments import Environment
from scripts.targets.kfp.client import connect
from scripts.targets.publish.report import (
    OFFLINE_EXPERIMENT,
    OFFLINE_PIPELINE,
    ExperimentResult,
    PipelineResult,
    PublishReport,
)

SERVER_VARIABLES = ("KFP_HOST", "KFP_NAMESPACE", "KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH")
DEV_V1 = ("--env", "dev", "--version", "v1")
OFFLINE_HEADER = "(dry run, offline: not compared with the server; nothing was written)"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, isolated_kfp_home):
    for name in (*SERVER_VARIABLES, "KFP_COOKIES", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def compiled(pipeline_repo):
    """pipeline_repo (alpha/{score,train_model}, beta/report) with build/ compiled."""
    assert cli.main(["compile", "--repo", str(pipeline_repo.path), "--all"]) == 0
    return pipeline_repo


@pytest.fixture
def nowhere() -> str:
    """A KFP host nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def publish(repo: Path, host: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``python -m scripts publish --env dev --version v1`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "scripts", "publish", "--repo", str(repo), *DEV_V1, *args],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "KFP_HOST": host, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# -- the offline dry run --------------------------------------------------------------------


def test_an_offline_dry_run_prints_the_plan_after_one_warning(compiled, nowhere):
    result = publish(compiled.path, nowhere, "--dry-run")
    assert result.returncode == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(
        f"warning: dry run offline, not compared with the server: {nowhere}: cannot reach the "
        "KFP API (GET /apis/v2beta1/healthz"
    )
    lines = result.stdout.splitlines()
    assert lines[0] == f"publish to dev ({nowhere}), version v1 {OFFLINE_HEADER}"
    for name in ("alpha/score", "alpha/train_model", "beta/report"):
        assert any(line.split("  ")[0] == name and OFFLINE_PIPELINE in line for line in lines)
    for name in ("alpha/Default", "alpha/Trading Cards", "beta/Default"):
        assert any(line.startswith(f"{name}  ") and OFFLINE_EXPERIMENT in line for line in lines)
    assert lines[-1] == (
        "3 create or upload (offline); 3 experiments to create if missing (offline)"
    )


def test_an_offline_dry_run_as_json(compiled, nowhere, tmp_path):
    summary = tmp_path / "summary.json"
    result = publish(
        compiled.path, nowhere, "--dry-run", "--format", "json", "--summary-json", str(summary)
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1
    document = json.loads(result.stdout)  # the JSON alone on stdout
    assert document == json.loads(summary.read_text("utf-8"))
    assert document["ok"] is True and document["dry_run"] is True and document["error"] is None
    assert document["offline"].startswith(f"{nowhere}: cannot reach the KFP API")
    assert document["counts"] == {OFFLINE_PIPELINE: 3, "failed": 0}
    assert {p["name"]: p["status"] for p in document["pipelines"]} == {
        "alpha-score": OFFLINE_PIPELINE,
        "alpha-train-model": OFFLINE_PIPELINE,
        "beta-report": OFFLINE_PIPELINE,
    }
    assert {p["version"] for p in document["pipelines"]} == {"v1"}
    assert {e["name"]: e["status"] for e in document["experiments"]} == {
        "alpha/Default": OFFLINE_EXPERIMENT,
        "alpha/Trading Cards": OFFLINE_EXPERIMENT,
        "beta/Default": OFFLINE_EXPERIMENT,
    }
    assert PublishReport.from_json(document).offline == document["offline"]


def test_an_offline_dry_run_still_fails_on_a_pipeline_that_did_not_compile(pipeline_repo, nowhere):
    pipeline_repo.write("pipelines/alpha/broken.py", "raise RuntimeError('boom')\n")
    assert cli.main(["compile", "--repo", str(pipeline_repo.path), "--all"]) == 1
    result = publish(pipeline_repo.path, nowhere, "--dry-run", "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert {p["selector"]: p["status"] for p in document["pipelines"]}["alpha/broken"] == "failed"
    warning, error = result.stderr.splitlines()
    assert warning.startswith("warning: dry run offline")
    assert error.startswith("pipelines/alpha/broken.py:1: alpha/broken: did not compile: ")


def test_an_unreachable_server_without_dry_run_is_still_the_error(compiled, nowhere):
    result = publish(compiled.path, nowhere)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{nowhere}: cannot reach the KFP API")


def test_a_server_that_refuses_the_credentials_is_no_offline_plan(compiled, kfp_server_factory):
    """A 401 comes from a reachable server: the dry run needs those credentials to compare."""
    server = kfp_server_factory(token="s3cret-token")
    result = publish(compiled.path, server.url, "--dry-run")
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{server.url}: 401 Unauthorized")


# -- the closing line -----------------------------------------------------------------------


def report(pipelines=(), experiments=(), **options) -> PublishReport:
    options = {"environment": "dev", "host": "h", "version": "v1", "dry_run": False, **options}
    return PublishReport(pipelines=list(pipelines), experiments=list(experiments), **options)


def pipeline(status: str) -> PipelineResult:
    return PipelineResult("p/x", "p-x", "p/x", "p", "pipelines/p/x.py", None, status)


def experiment(status: str, name: str = "p/Default") -> ExperimentResult:
    return ExperimentResult("p", name, None, status)


@pytest.mark.parametrize(
    ("made", "line"),
    [
        (report(), "nothing to publish"),
        (report(experiments=[experiment("exists")]), "nothing to publish"),
        (report(error="h: 401 Unauthorized"), "nothing was published"),
        (
            report(experiments=[experiment("created")]),
            "no pipeline to publish; 1 experiment created",
        ),
        (
            report(experiments=[experiment("create"), experiment("create", "p/B")], dry_run=True),
            "no pipeline to publish; 2 experiments to create",
        ),
        (
            report([pipeline("created")], [experiment("created"), experiment("failed", "p/B")]),
            "1 created; 1 experiment created; 1 experiment failed",
        ),
        (report([pipeline("unchanged")], [experiment("exists")]), "1 unchanged"),
        (
            report(
                [pipeline(OFFLINE_PIPELINE)],
                [experiment(OFFLINE_EXPERIMENT)],
                dry_run=True,
                offline="h: cannot reach the KFP API",
            ),
            "1 create or upload (offline); 1 experiment to create if missing (offline)",
        ),
    ],
    ids=[
        "nothing",
        "experiments-exist",
        "stopped",
        "experiment-created",
        "dry-run-experiments",
        "pipeline-and-experiments",
        "unchanged",
        "offline",
    ],
)
def test_the_closing_line_says_what_was_done(made, line):
    assert made.counts_line() == line


def test_a_publish_that_only_creates_experiments_says_so(pipeline_repo, kfp_server):
    """A manifest change alone: compile.json lists the projects and no pipeline."""
    CompileIndex(kfp_version="2.17.0", projects={"alpha", "beta"}).write(
        pipeline_repo.path / "build"
    )
    result = publish(pipeline_repo.path, kfp_server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no pipeline to publish; 3 experiments created"


# -- a bad host is blamed where it came from ------------------------------------------------


def test_a_bad_kfp_host_variable_is_blamed_on_the_variable(compiled):
    result = publish(compiled.path, "127.0.0.1:9", "--dry-run")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "KFP_HOST '127.0.0.1:9' is not an http(s) URL (from $KFP_HOST) — set it to the KFP API "
        "address, e.g. https://kfp.example.com\n"
    )


def test_a_bad_namespace_variable_is_blamed_on_the_variable(compiled, nowhere):
    result = publish(compiled.path, nowhere, KFP_NAMESPACE="Team_A")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "KFP_NAMESPACE 'Team_A' is not a Kubernetes namespace name (from $KFP_NAMESPACE) — "
    )


def test_the_client_blames_a_host_where_it_came_from():
    with pytest.raises(ConfigError) as from_variable:
        connect(Environment("dev", "127.0.0.1:9", from_variables=frozenset({"kfp_host"})))
    assert str(from_variable.value).startswith(
        "KFP_HOST '127.0.0.1:9' is not an http(s) URL (from $KFP_HOST) — "
    )
    with pytest.raises(ConfigError) as from_file:
        connect(Environment("dev", "kfp.example.com"))
    assert str(from_file.value).startswith(
        "environments.yml: environments.dev.kfp_host 'kfp.example.com' is not an http(s) URL"
    )
