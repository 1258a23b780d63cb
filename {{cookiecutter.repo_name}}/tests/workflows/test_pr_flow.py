"""The pull-request workflow, run on this machine as GitHub Actions runs it.

The jobs' own `run:` scripts from .github/workflows/pull-request.yml, with their `env:` and
`if:` evaluated, in a real git checkout of the PR's merge commit, with the variables the runner
sets and a `$GITHUB_EVENT_PATH` payload, against the KFP and GitHub API test servers (see
tests/helpers/actions_runner.py for what the runner stands in for). KFP_HOST points dev at the
test server, the one value that differs from CI, where it comes from environments.yml.

Last, the README's "Try it locally": the same commands by hand, as the README writes them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from scripts.cli.main import main
from scripts.core.naming import version_name
from scripts.github.comment import MARKER
from tests.helpers.actions_runner import WorkflowRun, runner_environment
from tests.helpers.docker_services import free_port
from tests.helpers.git_repos import ANYWHERE, REPO_ROOT, ROOT_ONLY, GitRepo
from tests.helpers.pipeline_repos import HELPERS, manifest, pipeline_source
from tests.servers.github_fixtures import PR_NUMBER

BRANCH = "feature/Tune-Features"
KFP_TOKEN = "kfp-dev-token"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pull-request.yml"
JOB_ORDER = (
    "checks",
    "changes",
    "tooling-tests",
    "services-tests",
    "images",
    "compile",
    "fork-note",
    "publish-dev",
)


# Steps that run the test suite, or install a service it starts.
SUITE_WORDS = ("pytest", "polyaxon-sandbox", "mlflow-server")


def steps_to_skip() -> tuple[str, ...]:
    """`checks` runs validate and codeowners --check here; its lint step is the template's ruff
    test on every combination, and the steps that run the test suite (or install the services
    it needs) are this suite, which is running this very test: never run it from inside."""
    workflow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    suite = [
        step["name"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if any(word in step.get("run", "") for word in SUITE_WORDS)
    ]
    return ("Install", "Lint", *suite)


SKIPPED_STEPS = steps_to_skip()


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
        "tooling-tests": "skipped",  # a pipeline change: the tooling's own tests are not needed
        "services-tests": "skipped",
        "images": "skipped",  # no component changed
        "compile": "success",
        "fork-note": "skipped",
        "publish-dev": "success",
        "all-green": "success",
    }, logs
    assert json.loads(run.needs["changes"]["outputs"]["pipelines"]) == ["shop/train_model"]
    assert run.needs["changes"]["outputs"]["tooling"] == "false"

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
    # The compile job's diff against the base, carried to the comment in the build artifact.
    assert (
        "<details><summary><b>shop/train_model</b>: default of <code>message</code> "
        "<code>shop train</code> -&gt; <code>shop tuned</code></summary>"
    ) in posted["body"]

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
        "tooling-tests": "skipped",
        "services-tests": "skipped",
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


def test_a_change_to_the_tooling_runs_its_tests_and_all_green_waits_for_them(
    pull_request, kfp_server_factory, github_server, github_token
):
    kfp = kfp_server_factory(token=KFP_TOKEN)
    pull_request.push("a test helper", {"tests/helpers/extra.py": "EXTRA = 1\n"})
    run, results, _, logs = run_workflow(pull_request, 1, kfp.url, github_server.url, github_token)
    assert results == {
        "checks": "success",
        "changes": "success",
        "tooling-tests": "success",
        "services-tests": "success",
        "images": "skipped",
        "compile": "skipped",  # no pipeline or manifest changed
        "fork-note": "skipped",
        "publish-dev": "skipped",
        "all-green": "success",
    }, logs
    assert run.needs["changes"]["outputs"]["tooling"] == "true"
    assert "tests/helpers/extra.py changed: the tooling's tests run" in logs
    assert kfp.requests == []


# -- the README's "Try it locally": CI's commands by hand, in a repository fresh from the template
#
# Run as written in a copy of this repository that is not a git repository yet. The
# environments' KFP hosts are placeholders, so the README points `publish` at the KFP API test
# server (`python -m tests.servers.kfp_api`); the test only moves it to a free port.

README_PORT = "8888"


def fresh_copy(target: Path) -> Path:
    """This repository's files as generated: no git history, build output or caches."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        at_root = Path(folder) == REPO_ROOT
        return {n for n in names if n in ANYWHERE or (at_root and n in ROOT_ONLY)}

    shutil.copytree(REPO_ROOT, target, ignore=ignore)
    return target


def run_in_own_group(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``command``; whatever it started in the background ends with it. Output goes to
    files, not pipes: a background process that still holds a pipe would keep a reader
    waiting after the command itself has finished."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            command, stdout=out, stderr=err, text=True, start_new_session=True, **kwargs
        )
        try:
            process.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())


def try_it_locally() -> list[str]:
    """The bash blocks of the README's "Try it locally" section."""
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    start = text.index("### Try it locally")
    section = text[start : text.index("\n## ", start)]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_the_readme_commands_work_in_a_freshly_generated_repository(tmp_path: Path):
    blocks = try_it_locally()
    assert len(blocks) == 2
    script = "\n".join(blocks)
    assert f"--port {README_PORT}" in script and f"127.0.0.1:{README_PORT}" in script
    port = str(free_port())
    repo = fresh_copy(tmp_path / "fresh")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "You",
        "GIT_AUTHOR_EMAIL": "you@example.com",
        "GIT_COMMITTER_NAME": "You",
        "GIT_COMMITTER_EMAIL": "you@example.com",
    }
    # Wait for the server before the first publish, as someone typing the commands does; and
    # stop it however the script ends.
    wait = f"until (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 0.1; done\n"
    script = script.replace(README_PORT, port).replace("export KFP_HOST", wait + "export KFP_HOST")
    script = "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script
    result = run_in_own_group(["bash", "-e", "-c", script], cwd=repo, env=env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    head = subprocess.run(
        ["git", "rev-parse", "--short=8", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    version = f"try-ci-{head}"
    assert "1 pipeline affected:\n  demo/example" in log
    assert "compiled demo/example -> build/pipelines/demo/example.yaml" in log
    publishes = log.split(f"publish to dev (http://127.0.0.1:{port}), version {version}")
    assert len(publishes) == 4, log  # the dry run and two publishes, all to the test server
    assert "dry run: nothing was written" in publishes[1]
    assert re.search(rf"demo/example +created +{version}", publishes[2])
    assert re.search(rf"demo/example +exists +{version}", publishes[3])
