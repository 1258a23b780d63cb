"""The pull-request workflow, run on this machine as GitHub Actions runs it.

The jobs' own `run:` scripts from .github/workflows/pull-request.yml, with their `env:` and
`if:` evaluated, in a real git checkout of the PR's merge commit, with the variables the runner
sets and a `$GITHUB_EVENT_PATH` payload, against the KFP and GitHub API test servers (see
tests/helpers/actions_runner.py for what the runner stands in for). KFP_HOST points dev at the
test server, the one value that differs from CI, where it comes from environments.yml.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.cli.main import main
from scripts.core.naming import version_name
from scripts.github.comment import MARKER
from tests.helpers.actions_runner import WorkflowRun, runner_environment
from tests.helpers.git_repos import REPO_ROOT, GitRepo
from tests.helpers.pipeline_repos import HELPERS, manifest, pipeline_source
from tests.servers.github_fixtures import PR_NUMBER

BRANCH = "feature/Tune-Features"
KFP_TOKEN = "kfp-dev-token"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pull-request.yml"
JOB_ORDER = ("checks", "changes", "images", "compile", "fork-note", "publish-dev")
# `checks` runs validate and codeowners --check here; its lint and test steps are this suite and
# the template's ruff test on every combination (the test suite is running this very test).
SKIPPED_STEPS = ("Install", "Lint", "Tests")


class PullRequest:
    """A PR from BRANCH into main in `repo`, checked out as its merge commit like
    actions/checkout does for `pull_request` events."""

    def __init__(self, repo: GitRepo, tmp_path: Path, head_repo: str, branch: str = BRANCH):
        self.repo = repo
        self.tmp_path = tmp_path
        self.head_repo = head_repo
        self.branch = branch
        self.base = repo.git("rev-parse", "main")

    def push(self, message: str, files: dict[str, str] | None = None) -> str:
        """A new commit on the branch (by default a change to shop/train_model); the workspace
        becomes the new merge commit."""
        self.repo.checkout(self.branch)
        files = files or {"pipelines/shop/train_model.py": pipeline_source(message)}
        for path, text in files.items():
            self.repo.write(path, text)
        self.head = self.repo.commit(message)
        self.repo.git("checkout", "-q", "--detach", "main")
        self.repo.git("merge", "-q", "--no-ff", "--no-edit", self.head)
        self.merge = self.repo.head()
        return self.head

    def event(self) -> dict:
        return {
            "action": "synchronize",
            "number": PR_NUMBER,
            "pull_request": {
                "number": PR_NUMBER,
                "title": "Tune the features; $(echo injected)",
                "head": {
                    "ref": self.branch,
                    "sha": self.head,
                    "repo": {"full_name": self.head_repo},
                },
                "base": {
                    "ref": "main",
                    "sha": self.base,
                    "repo": {"full_name": "acme/ml-pipelines"},
                },
            },
            "repository": {"full_name": "acme/ml-pipelines"},
        }


@pytest.fixture
def pull_request(monorepo: GitRepo, tmp_path: Path) -> PullRequest:
    """The generated repo with a project `shop` on main, and a PR changing its pipeline."""
    add_shop_project(monorepo)
    return PullRequest(monorepo, tmp_path, head_repo="acme/ml-pipelines")


def add_shop_project(repo: GitRepo, branch: str = BRANCH) -> None:
    """What a team does on main: a manifest, a pipeline, CODEOWNERS regenerated; and the
    PR's branch."""
    repo.write("projects/shop.yml", manifest("shop", ["Default", "Tuning"]))
    repo.write("pipelines/shop/_helpers.py", HELPERS)
    repo.write("pipelines/shop/train_model.py", pipeline_source("shop train"))
    assert main(["codeowners", "--repo", str(repo.path)]) == 0
    repo.commit("add the shop project")
    repo.checkout(branch, create=True)
    repo.checkout("main")


def run_workflow(
    pr: PullRequest,
    run_id: int,
    kfp_url: str,
    github_url: str,
    token: str,
    secrets: dict | None = None,
) -> tuple[WorkflowRun, dict[str, str], Path, str]:
    """Run every job as GitHub would for the PR's current head; `secrets` default to the
    Environment's KFP token."""
    secrets = {"KFP_TOKEN": KFP_TOKEN} if secrets is None else secrets
    event_path = pr.tmp_path / f"event-{run_id}.json"
    event_path.write_text(json.dumps(pr.event()), encoding="utf-8")
    summary = pr.tmp_path / f"step-summary-{run_id}.md"
    summary.write_text("", encoding="utf-8")
    home = pr.tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = runner_environment(
        home,
        {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_BASE_REF": "main",
            "GITHUB_HEAD_REF": pr.branch,
            "GITHUB_REF": f"refs/pull/{PR_NUMBER}/merge",
            "GITHUB_REF_NAME": f"{PR_NUMBER}/merge",
            "GITHUB_SHA": pr.merge,
            "GITHUB_REPOSITORY": "acme/ml-pipelines",
            "GITHUB_API_URL": github_url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": str(run_id),
            "GITHUB_STEP_SUMMARY": str(summary),
            "KFP_HOST": kfp_url,
        },
    )
    github = {
        "event_name": "pull_request",
        "event": pr.event(),
        "head_ref": pr.branch,
        "base_ref": "main",
        "ref": env["GITHUB_REF"],
        "sha": pr.merge,
        "repository": "acme/ml-pipelines",
        "token": token,
    }
    run = WorkflowRun(
        WORKFLOW, workspace=pr.repo.path, github=github, secrets=secrets, runner_env=env
    )
    jobs = {job: run.run_job(job, skip_steps=SKIPPED_STEPS) for job in (*JOB_ORDER, "all-green")}
    logs = "\n".join(line for job in jobs.values() for line in job.logs)
    return run, {name: job.result for name, job in jobs.items()}, summary, logs


def test_pull_request_flow_publishes_the_head_version_and_comments_once(
    pull_request, kfp_server_factory, github_server, github_token
):
    kfp = kfp_server_factory(token=KFP_TOKEN)
    head = pull_request.push("shop tuned")
    run, results, summary, logs = run_workflow(
        pull_request, 1, kfp.url, github_server.url, github_token
    )
    assert results == {
        "checks": "success",
        "changes": "success",
        "images": "skipped",  # no component changed
        "compile": "success",
        "fork-note": "skipped",
        "publish-dev": "success",
        "all-green": "success",
    }, logs
    assert json.loads(run.needs["changes"]["outputs"]["pipelines"]) == ["shop/train_model"]

    # The version is named after the PR head, not the merge commit the workspace holds.
    version = version_name(BRANCH, head)
    assert version == f"feature-tune-features-{head[:8]}"
    assert [v.name for v in kfp.versions] == [version]
    assert [p.name for p in kfp.pipelines] == ["shop-train-model"]
    shop_experiments = sorted(e.name for e in kfp.experiments if e.name.startswith("shop/"))
    assert shop_experiments == ["shop/Default", "shop/Tuning"]
    assert version in summary.read_text("utf-8")

    [posted] = [c for c in github_server.comments(PR_NUMBER) if c["body"].startswith(MARKER)]
    pipeline = kfp.pipelines[0]
    link = f"{kfp.url}/#/pipelines/details/{pipeline.uuid}/version/{kfp.versions[0].uuid}"
    assert f"| `shop/train_model` | created | `{version}` | [open]({link}) |" in posted["body"]
    assert "actions/runs/1" in posted["body"]

    # The next push updates the same comment with the new version.
    second = pull_request.push("shop tuned again")
    run, results, _, logs = run_workflow(pull_request, 2, kfp.url, github_server.url, github_token)
    assert results["publish-dev"] == "success" and results["all-green"] == "success", logs
    comments = [c for c in github_server.comments(PR_NUMBER) if c["body"].startswith(MARKER)]
    assert [c["id"] for c in comments] == [posted["id"]]
    assert f"`{version_name(BRANCH, second)}`" in comments[0]["body"]
    assert "| uploaded |" in comments[0]["body"]


def test_a_fork_pull_request_skips_publish_with_a_note_and_stays_green(
    monorepo, tmp_path, kfp_server_factory, github_server
):
    add_shop_project(monorepo)
    pr = PullRequest(monorepo, tmp_path, head_repo="someone/ml-pipelines")
    pr.push("a contributor's change")
    kfp = kfp_server_factory(token=KFP_TOKEN)
    read_only = github_server.add_token(bot=True, can_write=False)

    _, results, summary, logs = run_workflow(
        pr, 1, kfp.url, github_server.url, read_only, secrets={}
    )
    assert results == {
        "checks": "success",
        "changes": "success",
        "images": "skipped",
        "compile": "success",
        "fork-note": "success",
        "publish-dev": "skipped",
        "all-green": "success",
    }, logs
    assert "::notice title=publish-dev skipped::" in logs
    assert "comes from a fork" in summary.read_text("utf-8")
    assert kfp.requests == [] and github_server.requests == []


def test_a_failed_publish_is_still_commented_and_keeps_all_green_red(
    pull_request, kfp_server_factory, github_server, github_token
):
    kfp = kfp_server_factory(token=KFP_TOKEN)
    pull_request.push("shop tuned")
    _, results, _, logs = run_workflow(
        pull_request,
        1,
        kfp.url,
        github_server.url,
        github_token,
        secrets={"KFP_TOKEN": "a-revoked-token"},
    )
    assert results["publish-dev"] == "failure" and results["all-green"] == "failure", logs
    assert "a-revoked-token" not in logs
    [posted] = [c for c in github_server.comments(PR_NUMBER) if c["body"].startswith(MARKER)]
    assert "publish failed" in posted["body"]
    # The test server answers a wrong bearer token with 403, as KFP behind its auth proxy does.
    assert "- publish stopped:" in posted["body"] and "403 Forbidden" in posted["body"]
    assert "nothing was published" in posted["body"]
    assert kfp.pipelines == []


def test_a_manifest_only_change_creates_its_new_experiment_and_uploads_nothing(
    pull_request, kfp_server_factory, github_server, github_token
):
    kfp = kfp_server_factory(token=KFP_TOKEN)
    new_manifest = manifest("shop", ["Default", "Tuning", "Holiday Sale"])
    pull_request.push("a new experiment", {"projects/shop.yml": new_manifest})
    run, results, _, logs = run_workflow(pull_request, 1, kfp.url, github_server.url, github_token)
    assert run.needs["changes"]["outputs"]["pipelines"] == "[]"
    assert results["compile"] == results["publish-dev"] == results["all-green"] == "success", logs
    assert kfp.pipelines == [] and kfp.versions == []
    assert "shop/Holiday Sale" in {e.name for e in kfp.experiments}
    [posted] = [c for c in github_server.comments(PR_NUMBER) if c["body"].startswith(MARKER)]
    assert "`shop/Holiday Sale` (created)" in posted["body"]


def test_a_branch_name_that_is_shell_code_is_only_ever_data(
    monorepo, tmp_path, kfp_server_factory, github_server, github_token
):
    # Git allows $( ), backticks and ; in branch names, and anyone who can push a branch
    # chooses it. The runner substitutes expressions into `run:` text as GitHub does, so an
    # expression of the branch name in a script would run this; through env: it is data.
    touch = "touch$" + "{IFS}pwned"  # `pwned` in the workspace, where every step runs
    hostile = f"fix/$({touch})`{touch}`;{touch}"
    add_shop_project(monorepo, hostile)
    pr = PullRequest(monorepo, tmp_path, head_repo="acme/ml-pipelines", branch=hostile)
    head = pr.push("shop tuned")
    kfp = kfp_server_factory(token=KFP_TOKEN)
    _, results, _, logs = run_workflow(pr, 1, kfp.url, github_server.url, github_token)
    assert results["publish-dev"] == results["all-green"] == "success", logs
    assert not (monorepo.path / "pwned").exists()
    assert [v.name for v in kfp.versions] == [version_name(hostile, head)]
