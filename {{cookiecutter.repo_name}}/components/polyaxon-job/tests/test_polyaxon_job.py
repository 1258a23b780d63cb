"""polyaxon-job: the spec as KFP loads it, and the program's checks before it talks to Polyaxon.

Submitting, following and reporting a run are tested against a real Polyaxon API server in
tests/integrations/polyaxon/test_polyaxon.py.
"""

from __future__ import annotations

import base64
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

COMPONENT = Path(__file__).resolve().parents[1]
PROGRAM = COMPONENT / "src" / "polyaxon_job.py"


def load_program():
    """The program as a module (it lives in src/, which is not a package)."""
    spec = importlib.util.spec_from_file_location("polyaxon_job_program", PROGRAM)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


job = load_program()


def run_program(tmp_path, *args: str, environ: dict[str, str] | None = None):
    base = [
        "--polyaxonfile",
        "jobs/train.yaml",
        "--project",
        "demo",
        "--git-revision",
        "main",
        "--repository-url",
        (tmp_path / "nowhere").as_uri(),
        "--polyaxon-host",
        "http://127.0.0.1:9",
        "--polyaxon-owner",
        "default",
    ]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **(environ or {})}
    return subprocess.run(
        [sys.executable, str(PROGRAM), *base, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_spec_loads_in_kfp_with_its_inputs_and_outputs():
    from kfp import components

    component = components.load_component_from_file(str(COMPONENT / "component.yaml"))
    spec = component.component_spec
    assert set(spec.inputs) == {
        "polyaxonfile",
        "project",
        "git_revision",
        "params",
        "repository_url",
        "polyaxon_host",
        "polyaxon_owner",
    }
    assert spec.inputs["params"].default == "{}"
    assert set(spec.outputs) == {"polyaxon_project", "user", "run_uuid", "status"}
    assert spec.implementation.container.command == ["python", "/app/polyaxon_job.py"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("{oops", "polyaxon-job: params is not valid JSON"),
        ("[1, 2]", "polyaxon-job: params must be a JSON object of input name -> value"),
    ],
)
def test_bad_params_are_one_line(tmp_path, params, message):
    result = run_program(tmp_path, "--params", params)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(message)


def test_a_missing_token_file_is_one_line(tmp_path):
    missing = tmp_path / "secrets" / "token"
    result = run_program(tmp_path, environ={"POLYAXON_TOKEN_FILE": str(missing)})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"polyaxon-job: no Polyaxon token at {missing} — mount the secret there (see README)"
    ]


def test_an_unknown_revision_is_one_line_without_the_git_token(tmp_path, git_repo):
    git_repo.write("jobs/train.yaml", "kind: component\n")
    git_repo.commit("job")
    polyaxon_token = tmp_path / "polyaxon-token"
    polyaxon_token.write_text("p-token\n")
    git_token = tmp_path / "git-token"
    git_token.write_text("g-secret-token\n")
    result = run_program(
        tmp_path,
        "--repository-url",
        git_repo.path.as_uri(),
        "--git-revision",
        "no-such-branch",
        environ={"POLYAXON_TOKEN_FILE": str(polyaxon_token), "GIT_TOKEN_FILE": str(git_token)},
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(
        f"polyaxon-job: cannot fetch 'no-such-branch' from {git_repo.path.as_uri()}: "
    )
    assert "g-secret-token" not in result.stdout + result.stderr


def test_the_clone_is_exactly_the_revision(tmp_path, git_repo):
    git_repo.write("jobs/train.yaml", "first\n")
    first = git_repo.commit("first")
    git_repo.write("jobs/train.yaml", "second\n")
    git_repo.commit("second")
    checkout = job.clone(git_repo.path.as_uri(), first, tmp_path / "clone", token=None)
    assert (checkout / "jobs" / "train.yaml").read_text() == "first\n"


def test_the_git_token_travels_as_a_header_in_the_environment_only():
    env = job.git_environment("s3cret", base={})
    expected = base64.b64encode(b"x-access-token:s3cret").decode()
    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"] == f"Authorization: Basic {expected}"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert "GIT_CONFIG_COUNT" not in job.git_environment(None, base={})


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("../outside.yaml", "points outside the repository"),
        ("/etc/passwd", "must be a path relative to the repository root"),
        ("jobs/missing.yaml", "does not exist at this revision"),
    ],
)
def test_the_polyaxonfile_must_be_a_file_of_the_checkout(tmp_path, relative, message):
    checkout = tmp_path / "checkout"
    (checkout / "jobs").mkdir(parents=True)
    (tmp_path / "outside.yaml").write_text("kind: component\n")
    with pytest.raises(job.JobError, match=message):
        job.polyaxonfile_in(checkout, relative)


def test_outputs_are_written_where_kfp_asks(tmp_path):
    outcome = job.Outcome("default/demo", "", "abc123", "succeeded")
    paths = {
        "project": tmp_path / "a" / "project",
        "user": tmp_path / "b" / "user",
        "run_uuid": tmp_path / "c" / "uuid",
        "status": None,
    }
    job.write_outputs(outcome, paths)
    assert paths["project"].read_text() == "default/demo"
    assert paths["user"].read_text() == ""
    assert paths["run_uuid"].read_text() == "abc123"
