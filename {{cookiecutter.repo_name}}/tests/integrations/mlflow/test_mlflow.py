"""MLflow: experiment sync against a real MLflow tracking server.

The server is ``mlflow server`` with MLflow's basic-auth app (tests/integrations/mlflow/server.py),
one for the whole session: every test names its projects uniquely. The sync runs as the server's
admin user (MLFLOW_TRACKING_USERNAME/PASSWORD); what the server holds is read back with
``mlflow.MlflowClient``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid

import pytest

from scripts.cli import main as cli
from scripts.integrations import SyncContext
from scripts.integrations.mlflow import sync as mlflow_sync
from scripts.integrations.mlflow.api import MlflowApi, settings_for
from scripts.repo.environments import load_environment
from scripts.repo.manifests import load_projects
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.mini_repo import make_mini_repo

pytestmark = pytest.mark.mlflow
REPOSITORY = Repo(REPO_ROOT).settings.github_repository
OWNERS = ("@acme/demo-ml", "@jdoe")


def unique(prefix: str) -> str:
    """Project names unique across the session: every test shares one server."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def manifest(name: str, experiments: dict[str, str], owners: tuple[str, ...] = OWNERS) -> str:
    """A manifest with ``experiments`` (name -> description, "" for none) and ``owners``."""
    lines = ["kind: Project", f"name: {name}", "description: A test project.", "experiments:"]
    for experiment, description in experiments.items():
        lines.append(f"  - name: {experiment}")
        if description:
            lines.append(f"    description: {description}")
    lines.append("owners:")
    lines += [f'  - github: "{owner}"' for owner in owners]
    return "\n".join(lines) + "\n"


@pytest.fixture
def mini(tmp_path):
    return make_mini_repo(tmp_path / "repo")


@pytest.fixture
def mlflow_env(monkeypatch, mlflow_server):
    """The server as the dev environment's MLflow, its admin user as the credentials."""
    for name, value in mlflow_server.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    return mlflow_server


@pytest.fixture
def client(mlflow_env):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=mlflow_env.url)


def sync(mini, capsys, *flags: str) -> tuple[int, dict, str]:
    """``mlflow-sync --env dev --format json``: exit code, parsed stdout, stderr."""
    capsys.readouterr()
    arguments = ["mlflow-sync", "--repo", str(mini.root), "--env", "dev", "--format", "json"]
    code = cli.main([*arguments, *flags])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


def statuses(document: dict) -> dict[str, str]:
    return {row["name"]: row["status"] for row in document["experiments"]}


def api_for(mini) -> MlflowApi:
    return MlflowApi(settings_for(load_environment(mini.root, "dev")))


def wanted(mini) -> list[mlflow_sync.ExperimentTarget]:
    return mlflow_sync.targets(load_projects(Repo.discover(mini.root)), REPOSITORY)


# -- sync -----------------------------------------------------------------------------------


def test_sync_creates_tagged_experiments_and_a_rerun_changes_nothing(mini, capsys, client):
    name = unique("shop")
    mini.project(name, manifest(name, {"Default": "", "Trading Cards": "Cards only."}))
    default, cards = f"{name}/Default", f"{name}/Trading Cards"

    code, plan, err = sync(mini, capsys, "--dry-run")
    assert code == 0, err
    assert statuses(plan) == {default: "create", cards: "create"}
    assert client.get_experiment_by_name(default) is None  # a dry run writes nothing

    code, document, err = sync(mini, capsys)
    assert code == 0, err
    assert statuses(document) == {default: "created", cards: "created"}
    created = client.get_experiment_by_name(cards)
    assert created.lifecycle_stage == "active"
    assert {key: created.tags.get(key) for key in ("project", "owners", "repo")} == {
        "project": name,
        "owners": "@acme/demo-ml, @jdoe",
        "repo": REPOSITORY,
    }
    assert created.tags["mlflow.note.content"] == "Cards only."
    assert "mlflow.note.content" not in client.get_experiment_by_name(default).tags
    [row] = [row for row in document["experiments"] if row["name"] == cards]
    assert row["link"] == f"{client.tracking_uri}/#/experiments/{created.experiment_id}"

    code, again, err = sync(mini, capsys)
    assert code == 0, err
    assert statuses(again) == {default: "exists", cards: "exists"}
    after = client.get_experiment_by_name(cards)
    assert (after.last_update_time, after.tags) == (created.last_update_time, created.tags)


def test_a_deleted_experiment_is_restored_with_its_tags(mini, capsys, client):
    name = unique("restore")
    mini.project(name, manifest(name, {"Default": ""}))
    assert sync(mini, capsys)[0] == 0
    experiment = client.get_experiment_by_name(f"{name}/Default")
    client.set_experiment_tag(experiment.experiment_id, "owners", "@someone/else")
    client.delete_experiment(experiment.experiment_id)

    code, plan, err = sync(mini, capsys, "--dry-run")
    assert code == 0, err
    assert statuses(plan) == {f"{name}/Default": "restore"}
    assert client.get_experiment(experiment.experiment_id).lifecycle_stage == "deleted"

    code, document, err = sync(mini, capsys)
    assert code == 0, err
    [row] = document["experiments"]
    assert (row["status"], row["message"]) == ("restored", "set tag(s) owners")
    restored = client.get_experiment_by_name(f"{name}/Default")
    assert restored.experiment_id == experiment.experiment_id  # the same one, not a new one
    assert restored.lifecycle_stage == "active"
    assert restored.tags["owners"] == "@acme/demo-ml, @jdoe"
    assert statuses(sync(mini, capsys)[1]) == {f"{name}/Default": "exists"}


def test_changed_owners_and_descriptions_update_tags_and_nothing_is_deleted(mini, capsys, client):
    name = unique("tags")
    mini.project(name, manifest(name, {"Default": "", "Old": "Old words."}))
    assert sync(mini, capsys)[0] == 0
    default = client.get_experiment_by_name(f"{name}/Default")
    client.set_experiment_tag(default.experiment_id, "team.note", "added by hand")
    mini.project(name, manifest(name, {"Default": "Now described."}, owners=("@acme/new-team",)))

    code, document, err = sync(mini, capsys)

    assert code == 0, err
    [row] = document["experiments"]  # "Old" left the manifest: not synced, not deleted
    assert (row["status"], row["message"]) == ("updated", "set tag(s) mlflow.note.content, owners")
    tags = client.get_experiment(default.experiment_id).tags
    assert tags["owners"] == "@acme/new-team"
    assert tags["mlflow.note.content"] == "Now described."
    assert tags["team.note"] == "added by hand"  # tags the manifest does not set are kept
    assert client.get_experiment_by_name(f"{name}/Old").lifecycle_stage == "active"


def test_two_jobs_syncing_at_once_both_succeed(mini, mlflow_env, client):
    name = unique("race")
    mini.project(name, manifest(name, {f"E{number}": "" for number in range(6)}))
    targets = wanted(mini)
    start = threading.Barrier(2)
    results: list[list[mlflow_sync.ExperimentResult]] = []

    def job() -> None:
        api = api_for(mini)
        start.wait(timeout=30)
        results.append(mlflow_sync.sync_experiments(api, targets, dry_run=False))

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == 2
    for target in targets:
        rows = sorted(row.status for result in results for row in result if row.name == target.name)
        assert rows == ["created", "exists"], (target.name, rows)  # no "failed"
        assert client.get_experiment_by_name(target.name).lifecycle_stage == "active"
    listed = client.search_experiments(filter_string=f"name LIKE '{name}/%'")
    assert len(listed) == len(targets)  # one experiment each


class StaleApi(MlflowApi):
    """Lists the experiments as they were before another job's write: the moment a race is
    lost, replayed deterministically against the real server."""

    def __init__(self, settings, stale: dict):
        super().__init__(settings)
        self.stale = stale

    def list_experiments(self, prefix: str) -> dict:
        return {name: e for name, e in self.stale.items() if name.startswith(prefix)}


def test_losing_a_create_or_restore_race_is_not_an_error(mini, capsys, client):
    name = unique("lost")
    mini.project(name, manifest(name, {"Created": "", "Restored": ""}))
    assert sync(mini, capsys)[0] == 0
    restored = client.get_experiment_by_name(f"{name}/Restored")
    client.delete_experiment(restored.experiment_id)
    deleted = client.get_experiment(restored.experiment_id)
    client.restore_experiment(restored.experiment_id)  # "the other job" restores it first
    api = StaleApi(
        settings_for(load_environment(mini.root, "dev")),
        {f"{name}/Restored": deleted},  # what this job saw: Created missing, Restored deleted
    )

    rows = mlflow_sync.sync_experiments(api, wanted(mini), dry_run=False)

    assert [(row.name, row.status) for row in rows] == [
        (f"{name}/Created", "exists"),  # the server answered RESOURCE_ALREADY_EXISTS
        (f"{name}/Restored", "restored"),  # ... and RESOURCE_DOES_NOT_EXIST to the restore
    ]


def test_publish_runs_the_sync_for_the_touched_projects(mini, mlflow_env, monkeypatch):
    name = unique("publish")
    mini.project(name, manifest(name, {"Default": ""}))
    repo = Repo.discover(mini.root)
    environment = load_environment(mini.root, "dev")
    context = SyncContext(repo, environment, tuple(load_projects(repo)), dry_run=False)

    rows = mlflow_sync.sync_step(context)

    assert [(r.kind, r.name, r.status) for r in rows] == [
        ("mlflow experiment", f"{name}/Default", "created")
    ]
    assert [r.status for r in mlflow_sync.sync_step(context)] == ["exists"]
    # An environment without a tracking URI has no MLflow: nothing to sync, nothing failed.
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert mlflow_sync.sync_step(context) == []


# -- failures: one line each ----------------------------------------------------------------


def test_a_wrong_token_is_one_clear_line(mini, capsys, monkeypatch, mlflow_env, client):
    name = unique("token")
    mini.project(name, manifest(name, {"Default": ""}))
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "not-the-token-123")

    code, document, err = sync(mini, capsys)

    assert code == 1
    assert document == {}
    assert err.splitlines() == [
        f"MLflow at {mlflow_env.url} rejected the token from MLFLOW_TRACKING_TOKEN (401 "
        "Unauthorized) — set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and "
        "MLFLOW_TRACKING_PASSWORD, to valid credentials"
    ]
    assert "not-the-token-123" not in err
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", mlflow_env.username)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", mlflow_env.password)
    assert client.get_experiment_by_name(f"{name}/Default") is None


def test_an_unreachable_server_fails_in_bounded_time_with_one_line(mini):
    """A server that accepts connections and never answers: MLflow's own defaults would retry
    for many minutes; mlflow-sync's bounds end it in about 20 s (the subprocess's generous
    timeout only stops a hang from stalling the suite)."""
    mini.project("silent", manifest("silent", {"Default": ""}))
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        environ = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MLFLOW_HTTP_", "MLFLOW_TRACKING_"))
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scripts",
                "mlflow-sync",
                "--repo",
                str(mini.root),
                "--env",
                "dev",
            ],
            cwd=REPO_ROOT,
            env={**environ, "MLFLOW_TRACKING_URI": url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"cannot reach MLflow at {url} to list experiments (no answer: read timed out) — check "
        "the tracking URI (from $MLFLOW_TRACKING_URI) and the network"
    ]


def test_no_tracking_uri_is_a_configuration_error_naming_the_fix(mini, capsys, monkeypatch):
    mini.project("demo")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)

    code, _, err = sync(mini, capsys)

    assert code == 2
    assert err.splitlines() == [
        "environments.yml: environments.dev.mlflow_tracking_uri is not set — set it to the "
        "MLflow tracking server (https://...) in environments.yml, or set MLFLOW_TRACKING_URI"
    ]


def test_validate_checks_the_tracking_uri(mini, capsys):
    mini.write(
        "environments.yml",
        "environments:\n  dev:\n    kfp_host: https://kfp.example.com\n"
        "    mlflow_tracking_uri: databricks\n",
    )
    capsys.readouterr()

    code = cli.main(["validate", "--repo", str(mini.root)])

    assert code == 1
    assert (
        "environments.yml:4: environments.dev.mlflow_tracking_uri 'databricks' is not valid — "
        "write the MLflow tracking server address as an http(s) URL, e.g. https://mlflow.example.com"
    ) in capsys.readouterr().err.splitlines()
