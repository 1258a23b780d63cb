"""The main workflow, run on this machine as GitHub Actions runs it after a push to main.

Like tests/workflows/test_pr_flow.py: the jobs' own scripts, env and if: evaluated, on a real
checkout of the pushed commit, with a push event payload, against prod's test servers (KFP, or
Vertex AI and Artifact Registry when environments.yml puts prod there: ``prod_target``). No
component changes here, so the images job is rightly skipped (tests/workflows/test_workflows.py
runs its pin commit script against real git remotes).
"""

from __future__ import annotations

from pathlib import Path

from scripts.cli.main import main
from tests.helpers.actions_runner import WorkflowRun, push_to_main, runner_environment
from tests.helpers.git_repos import REPO_ROOT, GitRepo
from tests.helpers.pipeline_repos import HELPERS, manifest, pipeline_source

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "main.yml"
JOBS = ("validate", "changes", "images", "compile", "publish-prod")


def push_run(repo: GitRepo, tmp_path: Path, before: str, prod):
    run = push_to_main(
        WORKFLOW,
        repo.path,
        tmp_path,
        before=before,
        after=repo.head(),
        secrets=prod.secrets,
        env=prod.env,
    )
    jobs = {job: run.run_job(job) for job in JOBS}
    logs = "\n".join(line for job in jobs.values() for line in job.logs)
    return run, {name: job.result for name, job in jobs.items()}, logs


def test_a_push_to_main_publishes_the_changed_pipeline_to_prod_as_main_sha8(
    monorepo, tmp_path, prod_target
):
    monorepo.write("projects/shop.yml", manifest("shop", ["Default"]))
    monorepo.write("pipelines/shop/_helpers.py", HELPERS)
    monorepo.write("pipelines/shop/train_model.py", pipeline_source("shop train"))
    monorepo.write("pipelines/shop/score.py", pipeline_source("shop score"))
    assert main(["codeowners", "--repo", str(monorepo.path)]) == 0
    before = monorepo.commit("add the shop project")
    monorepo.write("pipelines/shop/score.py", pipeline_source("shop score v2"))
    after = monorepo.commit("tune scoring")
    run, results, logs = push_run(monorepo, tmp_path, before, prod_target)
    assert results == {
        "validate": "success",
        "changes": "success",
        "images": "skipped",
        "compile": "success",
        "publish-prod": "success",
    }, logs
    assert run.needs["compile"]["outputs"]["sha"] == after
    # Only what the push changed, named main-<sha8> of the pushed commit.
    assert prod_target.published() == [("shop-score", f"main-{after[:8]}")]


def test_a_manual_run_from_another_branch_deploys_nothing(monorepo, tmp_path, prod_target):
    run = WorkflowRun(
        WORKFLOW,
        workspace=monorepo.path,
        github={"event_name": "workflow_dispatch", "ref": "refs/heads/experiment", "event": {}},
        secrets=prod_target.secrets,
        runner_env=runner_environment(tmp_path, prod_target.env),
    )
    assert {job: run.run_job(job).result for job in JOBS} == dict.fromkeys(JOBS, "skipped")
    assert prod_target.server.requests == []
    assert prod_target.published() == []
