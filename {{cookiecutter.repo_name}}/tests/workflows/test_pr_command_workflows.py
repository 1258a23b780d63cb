"""pr-command.yml and pr-closed.yml: read as data (triggers, permissions, where untrusted text
goes), then run end to end as GitHub Actions runs them (tests/helpers/actions_runner.py) against
the KFP and GitHub API test servers. actionlint and zizmor check them in the template's tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scripts.cli.main import main
from scripts.core.naming import version_name
from scripts.targets.publish.marks import PrMark
from tests.helpers.actions_runner import WorkflowRun, runner_environment
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.pipeline_repos import HELPERS, manifest, pipeline_source
from tests.helpers.prod_target import google_permissions
from tests.servers.github_fixtures import PR_NUMBER, REPOSITORY

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PR_COMMAND = WORKFLOWS / "pr-command.yml"
PR_CLOSED = WORKFLOWS / "pr-closed.yml"
OPEN = "$" + "{" * 2  # a GitHub expression, without two braces in a row (template engine)
KFP_TOKEN = "kfp-dev-token"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


def test_pr_command_runs_the_default_branch_on_pr_comments_with_least_privilege():
    document = load(PR_COMMAND)
    assert document[True] == {"issue_comment": {"types": ["created"]}}
    assert document["permissions"] == {}
    job = document["jobs"]["command"]
    assert job["environment"] == "dev"
    expected = {"contents": "read", "pull-requests": "write"} | google_permissions("dev")
    assert job["permissions"] == expected
    assert "github.event.issue.pull_request" in job["if"] and "'/kfp'" in job["if"]
    (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"] == {"persist-credentials": False}  # no ref: the default branch
    for step in job["steps"]:
        assert OPEN not in step.get("run", "")
        assert "comment" not in json.dumps(step.get("env", {}))  # the text stays in the payload
    (answer,) = [s for s in job["steps"] if "pr-command" in s.get("run", "")]
    assert answer["run"] == 'python -m scripts pr-command --env dev --event "$GITHUB_EVENT_PATH"'


def test_pr_closed_cleans_same_repo_prs_and_sweeps_weekly_from_the_default_branch():
    document = load(PR_CLOSED)
    triggers = document[True]
    assert triggers["pull_request"] == {"types": ["closed"]}
    assert triggers["schedule"] and "workflow_dispatch" in triggers
    assert document["permissions"] == {}
    jobs = document["jobs"]
    assert "head.repo.full_name == github.repository" in jobs["pr-versions"]["if"]
    google = google_permissions("dev")
    assert jobs["pr-versions"]["permissions"] == {"contents": "read"} | google
    assert jobs["sweep"]["permissions"] == {"contents": "read", "pull-requests": "read"} | google
    for job in jobs.values():
        assert job["environment"] == "dev"
        (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        assert checkout["with"]["ref"] == f"{OPEN} github.event.repository.default_branch " + "}}"
        assert all(OPEN not in step.get("run", "") for step in job["steps"])
    runs = [s["run"] for job in jobs.values() for s in job["steps"] if "run" in s]
    assert 'python -m scripts cleanup --env dev --pr "$PR_NUMBER"' in runs
    assert "python -m scripts cleanup --env dev --closed-before 30d" in runs


# -- end to end -------------------------------------------------------------------------------


@pytest.fixture
def workspace(monorepo, kfp_server_factory, isolated_kfp_home):
    """The default branch's checkout (this repository) with shop/train_model, and dev holding
    main's version and the one publish uploaded (marked) for the PR head."""
    repo = monorepo
    repo.write("projects/shop.yml", manifest("shop", ["Default"]))
    repo.write("pipelines/shop/_helpers.py", HELPERS)
    repo.write("pipelines/shop/train_model.py", pipeline_source("shop train"))
    assert main(["compile", "shop/train_model", "--repo", str(repo.path)]) == 0
    kfp = kfp_server_factory(token=KFP_TOKEN)
    import kfp as sdk

    client = sdk.Client(host=kfp.url, existing_token=KFP_TOKEN)
    package = str(repo.path / "build" / "pipelines" / "shop" / "train_model.yaml")
    pipeline = client.upload_pipeline(package, pipeline_name="shop-train-model")
    mark = PrMark.for_branch(REPOSITORY, PR_NUMBER, "feature")
    client.pipeline_uploads.upload_pipeline_version(
        package,
        name=version_name("feature", f"{PR_NUMBER:040x}"),
        pipelineid=pipeline.pipeline_id,
        description=mark.version_description(),
        tags=json.dumps(mark.tags()),
    )
    return repo, kfp


def workflow_run(
    path: Path, repo, tmp_path, event_name: str, event: dict, env: dict
) -> WorkflowRun:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    runner_env = runner_environment(
        home,
        {
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": REPOSITORY,
            **env,
        },
    )
    github = {"event_name": event_name, "event": event, "repository": REPOSITORY, **env}
    return WorkflowRun(
        path,
        workspace=repo.path,
        github=github,
        secrets={"KFP_TOKEN": KFP_TOKEN},
        runner_env=runner_env,
    )


def test_a_pr_comment_command_runs_end_to_end_and_its_text_never_reaches_a_shell(
    workspace, tmp_path, github_server, github_token, github_user
):
    repo, kfp = workspace
    github_user("alice", "write")
    env = {"GITHUB_API_URL": github_server.url, "KFP_HOST": kfp.url}
    hostile = github_server.add_comment(PR_NUMBER, "/kfp run shop/x $(touch pwned)", login="alice")
    good = github_server.add_comment(
        PR_NUMBER, "/kfp run shop/train_model --no-cache", login="alice"
    )
    issue = {"number": PR_NUMBER, "pull_request": {"url": "u"}}
    for comment in (hostile, good):
        event = {
            "action": "created",
            "repository": {"full_name": REPOSITORY},
            "issue": issue,
            "comment": {"id": comment["id"], "body": comment["body"], "user": {"login": "alice"}},
        }
        run = workflow_run(PR_COMMAND, repo, tmp_path, "issue_comment", event, env)
        run.github["token"] = github_token
        result = run.run_job("command")
        assert result.result == "success", result.logs
    assert not (repo.path / "pwned").exists()
    [started] = kfp.runs
    assert started.pipeline_version_id == ""  # --no-cache: the version's spec, cache off
    bodies = [c["body"] for c in github_server.comments(PR_NUMBER)[2:]]
    assert "not allowed" in bodies[0] and f"/#/runs/details/{started.uuid}" in bodies[1]


def test_a_comment_on_an_issue_or_not_a_command_skips_the_job(workspace, tmp_path):
    repo, _ = workspace
    on_pr = {"number": 3, "pull_request": {"url": "u"}}
    for issue, body in (({"number": 3}, "/kfp help"), (on_pr, "hi /kfp help")):
        event = {"action": "created", "issue": issue, "comment": {"body": body, "id": 1}}
        run = workflow_run(PR_COMMAND, repo, tmp_path, "issue_comment", event, {})
        assert run.run_job("command").result == "skipped"


def test_closing_a_pull_request_deletes_its_versions_from_dev(workspace, tmp_path, github_server):
    repo, kfp = workspace
    env = {"KFP_HOST": kfp.url}
    pull = {"number": PR_NUMBER, "head": {"repo": {"full_name": REPOSITORY}}}
    event = {"action": "closed", "pull_request": pull, "repository": {"default_branch": "main"}}
    run = workflow_run(PR_CLOSED, repo, tmp_path, "pull_request", event, env)
    assert run.run_job("sweep").result == "skipped"
    result = run.run_job("pr-versions")
    assert result.result == "success", result.logs
    assert [v.name for v in kfp.versions] == ["shop-train-model"]  # main's first version stays

    fork = {"number": 9, "head": {"repo": {"full_name": "someone/ml-pipelines"}}}
    run = workflow_run(PR_CLOSED, repo, tmp_path, "pull_request", {"pull_request": fork}, env)
    assert run.run_job("pr-versions").result == "skipped"


def test_the_weekly_sweep_deletes_versions_of_long_closed_pull_requests(
    workspace, tmp_path, github_server, github_token
):
    from datetime import UTC, datetime, timedelta

    repo, kfp = workspace
    github_server.set_time(datetime.now(UTC) - timedelta(days=45))
    old = github_server.add_pull_request(head_ref="old", state="closed")
    import kfp as sdk

    client = sdk.Client(host=kfp.url, existing_token=KFP_TOKEN)
    mark = PrMark.for_branch(REPOSITORY, old, "old")
    client.pipeline_uploads.upload_pipeline_version(
        str(repo.path / "build" / "pipelines" / "shop" / "train_model.yaml"),
        name="old-00000000",
        pipelineid=kfp.pipelines[0].uuid,
        description=mark.version_description(),
    )
    env = {"KFP_HOST": kfp.url, "GITHUB_API_URL": github_server.url}
    run = workflow_run(PR_CLOSED, repo, tmp_path, "schedule", {"schedule": "17 5 * * 1"}, env)
    run.github["token"] = github_token
    result = run.run_job("sweep")
    assert result.result == "success", result.logs
    # PR 7 is still open: its version stays; the one closed 45 days ago is gone.
    names = {v.name for v in kfp.versions}
    assert names == {"shop-train-model", version_name("feature", f"{PR_NUMBER:040x}")}
