"""Polyaxon: project sync and the polyaxon-job component, against a real Polyaxon API server.

The server is ``haupt sandbox`` (tests/integrations/polyaxon/sandbox.py). It cannot execute runs
here (Polyaxon CE executes through an agent on Kubernetes), so the component tests play the
agent's part through the API (``PolyaxonAgent``) while the component's real code submits,
polls statuses and follows logs. Polyaxon CE accepts any token; the wrong-token tests go
through ``polyaxon_gateway``, the token-checking front door deployments put before it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid

import pytest

from scripts.cli import main as cli
from scripts.integrations import SyncContext
from scripts.integrations.polyaxon import api as polyaxon_api
from scripts.integrations.polyaxon import sync as polyaxon
from scripts.repo.environments import load_environment
from scripts.repo.manifests import load_projects
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT, GitRepo
from tests.helpers.mini_repo import VALID_MANIFEST, make_mini_repo
from tests.integrations.polyaxon.sandbox import DEFAULT_OWNER, PolyaxonAgent

pytestmark = pytest.mark.polyaxon
COMPONENT = REPO_ROOT / "components" / "polyaxon-job"


def unique(prefix: str) -> str:
    """Project names unique across the session: every test shares one server."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def manifest(name: str, **section: object) -> str:
    lines = ["polyaxon:", "  enabled: true"]
    for key, value in section.items():
        lines.append(f"  {key}: {json.dumps(value)}")
    return VALID_MANIFEST.replace("name: demo", f"name: {name}") + "\n".join(lines) + "\n"


@pytest.fixture
def mini(tmp_path):
    return make_mini_repo(tmp_path / "repo")


@pytest.fixture
def polyaxon_env(monkeypatch, polyaxon_server):
    """The sandbox as the dev environment's Polyaxon (CE: owner "default", no token)."""
    monkeypatch.setenv("POLYAXON_HOST", polyaxon_server.url)
    monkeypatch.setenv("POLYAXON_OWNER", DEFAULT_OWNER)
    monkeypatch.delenv("POLYAXON_AUTH_TOKEN", raising=False)
    return polyaxon_server


def sync(mini, capsys, *flags: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = cli.main(
        ["polyaxon-sync", "--repo", str(mini.root), "--env", "dev", "--format", "json", *flags]
    )
    captured = capsys.readouterr()
    document = json.loads(captured.out) if captured.out.strip() else {}
    return code, document, captured.err


def server_project(server, name: str):
    """The project as the server has it (None when missing), read with the client library."""
    settings = polyaxon_api.Settings(host=server.url, owner=DEFAULT_OWNER)
    return polyaxon_api.PolyaxonApi(settings).get_project(name)


# -- sync -----------------------------------------------------------------------------------


def test_sync_creates_missing_projects_with_description_and_tags(mini, capsys, polyaxon_env):
    first, second = unique("alpha"), unique("beta")
    mini.project(first, manifest(first, description="Alpha exploration.", tags=["a", "b"]))
    mini.project(second, manifest(second, project=f"{second}-explore"))
    mini.project(unique("off"))  # no polyaxon section: not synced

    code, document, err = sync(mini, capsys)

    assert code == 0, err
    rows = {row["project"]: row for row in document["projects"]}
    assert set(rows) == {first, second}
    assert {row["status"] for row in rows.values()} == {"created"}
    assert rows[second]["name"] == f"{DEFAULT_OWNER}/{second}-explore"
    assert rows[first]["link"] == f"{polyaxon_env.url}/ui/{DEFAULT_OWNER}/{first}/"
    created = server_project(polyaxon_env, first)
    assert created.description == "Alpha exploration."
    assert sorted(created.tags) == ["a", "b"]
    # the default description is the manifest's own
    assert server_project(polyaxon_env, f"{second}-explore").description == "A demo project."


def test_a_second_sync_reports_exists_and_changes_nothing(mini, capsys, polyaxon_env):
    name = unique("again")
    mini.project(name, manifest(name, tags=["x"]))
    assert sync(mini, capsys)[0] == 0
    before = server_project(polyaxon_env, name)

    code, document, err = sync(mini, capsys)

    assert code == 0, err
    assert [row["status"] for row in document["projects"]] == ["exists"]
    after = server_project(polyaxon_env, name)
    assert after.updated_at == before.updated_at
    assert (after.description, after.tags) == (before.description, before.tags)


def test_a_changed_description_or_a_new_tag_is_updated(mini, capsys, polyaxon_env):
    name = unique("changed")
    mini.project(name, manifest(name, description="Old words.", tags=["x"]))
    assert sync(mini, capsys)[0] == 0
    mini.project(name, manifest(name, description="New words.", tags=["x", "y"]))

    code, document, err = sync(mini, capsys)

    assert code == 0, err
    [row] = document["projects"]
    assert (row["status"], row["message"]) == ("updated", "updated description, tags")
    project = server_project(polyaxon_env, name)
    assert project.description == "New words."
    assert project.tags == ["x", "y"]
    assert [r["status"] for r in sync(mini, capsys)[1]["projects"]] == ["exists"]


def test_dry_run_reports_the_plan_and_writes_nothing(mini, capsys, polyaxon_env):
    existing, missing = unique("there"), unique("missing")
    mini.project(existing, manifest(existing, description="One."))
    assert sync(mini, capsys)[0] == 0
    mini.project(existing, manifest(existing, description="Two."))
    mini.project(missing, manifest(missing))

    code, document, err = sync(mini, capsys, "--dry-run")

    assert code == 0, err
    assert document["dry_run"] is True
    statuses = {row["project"]: row["status"] for row in document["projects"]}
    assert statuses == {existing: "update", missing: "create"}
    assert server_project(polyaxon_env, missing) is None
    assert server_project(polyaxon_env, existing).description == "One."


def test_text_output_lists_each_project(mini, capsys, polyaxon_env):
    name = unique("text")
    mini.project(name, manifest(name))
    capsys.readouterr()
    code = cli.main(["polyaxon-sync", "--repo", str(mini.root), "--env", "dev"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"polyaxon-sync to dev ({polyaxon_env.url}, owner default)" in out
    assert f"{name}  default/{name}  created" in out


def test_publish_sync_step_reports_rows(mini, polyaxon_env):
    name = unique("publish")
    mini.project(name, manifest(name))
    repo = Repo.discover(mini.root)
    context = SyncContext(
        repo, load_environment(mini.root, "dev"), tuple(load_projects(repo)), dry_run=False
    )
    rows = polyaxon.sync_step(context)
    assert [(r.kind, r.name, r.status) for r in rows] == [
        ("polyaxon project", f"default/{name}", "created")
    ]
    assert [r.status for r in polyaxon.sync_step(context)] == ["exists"]


def test_wrong_token_is_one_clear_line(mini, capsys, monkeypatch, polyaxon_gateway):
    name = unique("token")
    mini.project(name, manifest(name))
    monkeypatch.setenv("POLYAXON_HOST", polyaxon_gateway.url)
    monkeypatch.setenv("POLYAXON_OWNER", DEFAULT_OWNER)
    monkeypatch.setenv("POLYAXON_AUTH_TOKEN", "not-the-token-123")
    capsys.readouterr()

    code = cli.main(["polyaxon-sync", "--repo", str(mini.root), "--env", "dev"])

    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.splitlines() == [
        f"Polyaxon at {polyaxon_gateway.url} rejected the token from POLYAXON_AUTH_TOKEN "
        "(401 Unauthorized) — set POLYAXON_AUTH_TOKEN to a valid API token"
    ]
    assert "not-the-token-123" not in captured.out + captured.err
    assert server_project(polyaxon_gateway.server, name) is None


def test_the_right_token_through_the_gateway_syncs(mini, capsys, monkeypatch, polyaxon_gateway):
    name = unique("gated")
    mini.project(name, manifest(name))
    monkeypatch.setenv("POLYAXON_HOST", polyaxon_gateway.url)
    monkeypatch.setenv("POLYAXON_OWNER", DEFAULT_OWNER)
    monkeypatch.setenv("POLYAXON_AUTH_TOKEN", polyaxon_gateway.token)
    code, document, err = sync(mini, capsys)
    assert code == 0, err
    assert [row["status"] for row in document["projects"]] == ["created"]


def test_unreachable_host_is_one_line_after_bounded_retries(mini, capsys, monkeypatch):
    from tests.helpers.docker_services import free_port

    name = unique("down")
    mini.project(name, manifest(name))
    host = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("POLYAXON_HOST", host)
    monkeypatch.setenv("POLYAXON_OWNER", DEFAULT_OWNER)
    monkeypatch.setattr(polyaxon_api.RetryPolicy, "delay", lambda self, n, after=None: 0.0)
    capsys.readouterr()

    code = cli.main(["polyaxon-sync", "--repo", str(mini.root), "--env", "dev"])

    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"cannot reach Polyaxon at {host} to list projects after 5 attempts")


def test_missing_polyaxon_host_is_a_config_error(mini, capsys, monkeypatch):
    name = unique("nohost")
    mini.project(name, manifest(name))
    (mini.root / "environments.yml").write_text(
        "environments:\n  dev:\n    kfp_host: https://kfp.example.com\n", encoding="utf-8"
    )
    monkeypatch.delenv("POLYAXON_HOST", raising=False)
    capsys.readouterr()
    code = cli.main(["polyaxon-sync", "--repo", str(mini.root), "--env", "dev"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err == [
        "environments.yml: environments.dev.polyaxon_host is not set — set it to the Polyaxon "
        "API address (https://...) in environments.yml, or set POLYAXON_HOST"
    ]


def test_nothing_enabled_needs_no_polyaxon_at_all(mini, capsys, monkeypatch):
    mini.project(unique("plain"))
    monkeypatch.delenv("POLYAXON_HOST", raising=False)
    capsys.readouterr()
    code = cli.main(["polyaxon-sync", "--repo", str(mini.root), "--env", "dev"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out == "no manifest enables Polyaxon (polyaxon: {enabled: true}); nothing to sync\n"


def test_an_unknown_project_argument_is_a_usage_error(mini, capsys):
    name = unique("known")
    mini.project(name, manifest(name))
    capsys.readouterr()
    code = cli.main(["polyaxon-sync", "--repo", str(mini.root), "--env", "dev", "nope"])
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [f"no project 'nope' — use one of {name}"]


def test_the_publish_step_turns_a_configuration_problem_into_one_failed_row(mini, monkeypatch):
    name = unique("cfg")
    mini.project(name, manifest(name))
    monkeypatch.setenv("POLYAXON_HOST", "https://polyaxon.example.com")
    monkeypatch.delenv("POLYAXON_OWNER", raising=False)
    (mini.root / "environments.yml").write_text(
        "environments:\n  dev:\n    kfp_host: https://kfp.example.com\n", encoding="utf-8"
    )
    repo = Repo.discover(mini.root)
    context = SyncContext(
        repo, load_environment(mini.root, "dev"), tuple(load_projects(repo)), dry_run=True
    )
    [row] = polyaxon.sync_step(context)
    assert (row.kind, row.name, row.status) == ("polyaxon", "dev", "failed")
    assert row.message.startswith("environments.dev.polyaxon_owner is not set")


def unreachable_context(mini, monkeypatch, *, dry_run: bool) -> SyncContext:
    name = unique("offline")
    mini.project(name, manifest(name))
    monkeypatch.setenv("POLYAXON_HOST", "http://127.0.0.1:9")  # nothing listens on port 9
    monkeypatch.setenv("POLYAXON_OWNER", DEFAULT_OWNER)
    monkeypatch.setattr(polyaxon_api.RetryPolicy, "delay", lambda self, n, after=None: 0.0)
    repo = Repo.discover(mini.root)
    environment = load_environment(mini.root, "dev")
    return SyncContext(repo, environment, tuple(load_projects(repo)), dry_run=dry_run)


def test_an_offline_dry_run_shows_the_polyaxon_plan_instead_of_failing(mini, monkeypatch):
    context = unreachable_context(mini, monkeypatch, dry_run=True)
    [row] = polyaxon.sync_step(context)
    assert row.status == "create or update (offline)"
    assert row.name == f"{DEFAULT_OWNER}/{context.projects[0].name}"
    assert row.message.startswith("cannot reach Polyaxon at http://127.0.0.1:9")


def test_without_dry_run_an_unreachable_polyaxon_is_a_failed_row(mini, monkeypatch):
    [row] = polyaxon.sync_step(unreachable_context(mini, monkeypatch, dry_run=False))
    assert (row.kind, row.status) == ("polyaxon", "failed")
    assert row.message.startswith("cannot reach Polyaxon at http://127.0.0.1:9")


# -- the polyaxon-job component -------------------------------------------------------------

POLYAXONFILE = """\
kind: component
name: hello
inputs:
  - {name: message, type: str, value: hi, isOptional: true}
  - {name: count, type: int, value: 1, isOptional: true}
run:
  kind: job
  container:
    image: python:3.12-slim
    command: [python, -c]
    args: ["print('{{ message }}')"]
"""


@pytest.fixture
def job_repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("jobs/hello.yaml", POLYAXONFILE)
    git_repo.commit("a polyaxonfile")
    return git_repo


@pytest.fixture
def secrets(tmp_path) -> dict[str, str]:
    token = tmp_path / "secrets" / "polyaxon-token"
    token.parent.mkdir()
    token.write_text("sandbox-token\n", encoding="utf-8")
    return {"POLYAXON_TOKEN_FILE": str(token), "GIT_TOKEN_FILE": str(tmp_path / "no-git-token")}


def create_project(server, name: str) -> None:
    settings = polyaxon_api.Settings(host=server.url, owner=DEFAULT_OWNER)
    target = polyaxon.ProjectTarget(project=name, name=name, description="", tags=())
    polyaxon_api.PolyaxonApi(settings).create_project(target)


def start_job(tmp_path, server, job_repo, secrets, project: str, params: str) -> subprocess.Popen:
    outputs = tmp_path / "outputs"
    command = [
        sys.executable,
        str(COMPONENT / "src" / "polyaxon_job.py"),
        "--polyaxonfile",
        "jobs/hello.yaml",
        "--project",
        project,
        "--params",
        params,
        "--git-revision",
        job_repo.head(),
        "--repository-url",
        job_repo.path.as_uri(),
        "--polyaxon-host",
        server.url,
        "--polyaxon-owner",
        DEFAULT_OWNER,
        "--poll-interval",
        "0.2",
        "--workdir",
        str(tmp_path / "work"),
    ]
    for name in ("project", "user", "run-uuid", "status"):
        command += [f"--{name}-output", str(outputs / name)]
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **secrets}
    return subprocess.Popen(
        command,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )


def finish(process: subprocess.Popen) -> tuple[str, str]:
    """The program's output once it exits (bounded: a hang fails the test, and is killed)."""
    try:
        return process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def run_job_with_agent(tmp_path, server, job_repo, secrets, *, final: str, lines: list[str]):
    project = unique("job")
    create_project(server, project)
    process = start_job(tmp_path, server, job_repo, secrets, project, '{"message": "from kfp"}')
    agent = PolyaxonAgent(server.url)
    errors: list[BaseException] = []

    def play_agent() -> None:
        try:
            run_uuid = agent.wait_for_run(project)
            agent.execute(project, run_uuid, lines, final=final, folder=tmp_path)
        except BaseException as error:  # reported by the test below
            errors.append(error)

    thread = threading.Thread(target=play_agent)
    thread.start()
    try:
        out, err = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
        thread.join(timeout=60)
    assert not errors, errors
    run = agent.run_client(project, agent.wait_for_run(project))
    return process.returncode, out, err, project, run


def test_the_component_submits_follows_and_reports_a_succeeded_run(
    tmp_path, polyaxon_server, job_repo, secrets
):
    code, out, err, project, run = run_job_with_agent(
        tmp_path, polyaxon_server, job_repo, secrets, final="succeeded", lines=["step 1", "done"]
    )

    assert code == 0, err
    run.refresh_data()
    outputs = tmp_path / "outputs"
    assert (outputs / "run-uuid").read_text() == run.run_uuid
    assert (outputs / "status").read_text() == "succeeded"
    assert (outputs / "project").read_text() == f"{DEFAULT_OWNER}/{project}"
    assert (outputs / "user").read_text() == ""  # Polyaxon CE has no user accounts
    lines = out.splitlines()
    assert lines[0].startswith(f"submitted run {run.run_uuid} to {polyaxon_server.url}/ui/")
    assert lines[1:] == ["step 1", "done", f"run {run.run_uuid} ended: succeeded"]
    # the run was compiled from the Polyaxonfile at that revision, with the parameters
    content = json.loads(run.run_data.content)
    assert content["run"]["container"]["args"] == ["print('from kfp')"]
    assert "kfp" in run.run_data.tags
    assert "sandbox-token" not in out + err


def test_stopping_the_component_stops_the_run(tmp_path, polyaxon_server, job_repo, secrets):
    """KFP stops a task with SIGTERM; the Polyaxon run must not go on without it."""
    import signal

    project = unique("stop")
    create_project(polyaxon_server, project)
    process = start_job(tmp_path, polyaxon_server, job_repo, secrets, project, "{}")
    agent = PolyaxonAgent(polyaxon_server.url)
    try:
        run_uuid = agent.wait_for_run(project)
        assert process.stdout.readline().startswith(f"submitted run {run_uuid}")
        process.send_signal(signal.SIGTERM)
        out, _ = finish(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert out.splitlines() == [f"stopping run {run_uuid} (signal {int(signal.SIGTERM)})"]
    status, _ = agent.run_client(project, run_uuid).get_statuses()
    assert status in ("stopping", "stopped")


def test_the_component_fails_when_the_run_fails(tmp_path, polyaxon_server, job_repo, secrets):
    code, out, err, _, run = run_job_with_agent(
        tmp_path, polyaxon_server, job_repo, secrets, final="failed", lines=["Traceback: boom"]
    )

    assert code == 1
    assert "Traceback: boom" in out.splitlines()
    assert err.splitlines() == [
        f"polyaxon-job: Polyaxon run {run.run_uuid} ended failed, not succeeded"
    ]
    assert (tmp_path / "outputs" / "status").read_text() == "failed"


def test_the_component_reports_an_invalid_parameter_in_one_line(
    tmp_path, polyaxon_server, job_repo, secrets
):
    project = unique("badparam")
    create_project(polyaxon_server, project)
    process = start_job(tmp_path, polyaxon_server, job_repo, secrets, project, '{"count": "many"}')
    _out, err = finish(process)
    assert process.returncode == 1
    assert err.splitlines() == [
        "polyaxon-job: invalid Polyaxonfile or params: Polyaxonfile is not valid: Could not "
        "parse value `many` for `count`, an error was encountered: Cannot convert value `many` "
        "(key: `count`) to `int`"
    ]
    assert PolyaxonAgent(polyaxon_server.url).client.runs_v1.list_runs(
        DEFAULT_OWNER, project
    ).results in (None, [])


def test_the_component_reports_a_missing_project_in_one_line(
    tmp_path, polyaxon_server, job_repo, secrets
):
    process = start_job(tmp_path, polyaxon_server, job_repo, secrets, unique("absent"), "{}")
    _out, err = finish(process)
    assert process.returncode == 1
    [line] = err.splitlines()
    assert line.startswith(f"polyaxon-job: Polyaxon at {polyaxon_server.url} could not create")


def test_the_component_through_the_gateway_with_a_wrong_token(
    tmp_path, polyaxon_gateway, job_repo, secrets
):
    project = unique("gate")
    create_project(polyaxon_gateway.server, project)
    gateway = type("Server", (), {"url": polyaxon_gateway.url})()
    process = start_job(tmp_path, gateway, job_repo, secrets, project, "{}")
    out, err = finish(process)
    assert process.returncode == 1
    assert err.splitlines() == [
        f"polyaxon-job: Polyaxon at {polyaxon_gateway.url} rejected the token (401 "
        "Unauthorized) — fix the mounted token"
    ]
    assert "sandbox-token" not in out + err


def test_the_example_polyaxonfile_is_valid_for_the_client(tmp_path):
    from polyaxon._polyaxonfile.check import check_polyaxonfile

    path = REPO_ROOT / "pipelines" / "price-suggestion" / "polyaxonfiles" / "explore.yaml"
    if not path.exists():
        pytest.skip("the example project is not part of this repository")
    operation = check_polyaxonfile(
        polyaxonfile=str(path),
        params={"rows": 100, "max_rmse": 9.5, "revision": "abc123"},
        is_cli=False,
        verbose=False,
    )
    assert operation.component.run.kind == "job"


def placeholder(parameter: str) -> str:
    """KFP's run-time placeholder for a pipeline parameter inside a constant."""
    return "{{$.inputs.parameters['pipelinechannel--" + parameter + "']}}"


def test_the_helper_is_one_line_in_a_pipeline_and_fills_params_at_run_time(tmp_path):
    import importlib

    import yaml
    from kfp import compiler, dsl

    from scripts.repo.model import Repo

    package = importlib.import_module(f"{Repo.discover(REPO_ROOT).settings.components_package}")
    polyaxon_job = importlib.import_module(f"{package.__name__}.polyaxon").polyaxon_job

    def explore(git_revision="main", rows=5):
        polyaxon_job(
            polyaxonfile="jobs/hello.yaml",
            project="demo",
            git_revision=git_revision,
            params={"rows": rows, "revision": git_revision, "note": 'say "hi"'},
        )

    # real types, not the strings `from __future__ import annotations` would leave for kfp
    explore.__annotations__ = {"git_revision": str, "rows": int}
    output = tmp_path / "explore.yaml"
    compiler.Compiler().compile(dsl.pipeline(explore), str(output))
    spec = yaml.safe_load(output.read_text())
    inputs = spec["root"]["dag"]["tasks"]["polyaxon-job"]["inputs"]["parameters"]
    revision, rows = placeholder("git_revision"), placeholder("rows")
    assert inputs["params"]["runtimeValue"]["constant"] == (
        f'{{"note": "say \\"hi\\"", "revision": "{revision}", "rows": {rows}}}'
    )
    assert inputs["polyaxonfile"]["runtimeValue"]["constant"] == "jobs/hello.yaml"
    assert inputs["git_revision"] == {"componentInputParameter": "git_revision"}
