"""The main workflow with a component change, end to end, as GitHub Actions runs it: a real
Docker Engine and registry build and store the image, the pin commit goes to a real `origin`,
compile runs on that pinned commit and publish names the version after it.

Needs the Docker services of tests/helpers/docker_services.py (skipped without them unless
REQUIRE_DOCKER=1, as in CI). Images are `FROM scratch`: nothing can be pulled here.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from scripts.cli.main import main
from tests.helpers.actions_runner import WorkflowRun, push_to_main, runner_environment
from tests.helpers.docker_services import registry_manifest_digest
from tests.helpers.git_repos import REPO_ROOT, GitRepo
from tests.helpers.pipeline_repos import manifest

pytestmark = pytest.mark.docker

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "main.yml"
JOBS = ("validate", "changes", "images", "compile", "publish-prod")
SPEC = """\
# ping: prints a greeting. This comment survives pinning.
name: ping
description: Prints the greeting baked into its image.
implementation:
  container:
    image: "example.invalid/ping:dev"
    command: [cat, /hello.txt]
"""
PIPELINE = """\
from kfp import dsl
from kfp.components import load_component_from_file

ping = load_component_from_file("components/ping/component.yaml")


@dsl.pipeline(name="ping", description="pings")
def pipeline():
    ping()
"""


@pytest.fixture
def pushed_repo(monorepo: GitRepo, tmp_path: Path) -> tuple[GitRepo, GitRepo, str]:
    """The monorepo with a `ping` component used by shop/ping, pushed to a bare `origin`; then
    a second push that changes the component. Returns (workspace, origin, before)."""
    monorepo.write("projects/shop.yml", manifest("shop", ["Default"]))
    monorepo.write("pipelines/shop/ping.py", PIPELINE)
    monorepo.write("components/ping/component.yaml", SPEC)
    monorepo.write("components/ping/Dockerfile", "FROM scratch\nCOPY src/hello.txt /\n")
    monorepo.write("components/ping/src/hello.txt", "hello\n")
    assert main(["codeowners", "--repo", str(monorepo.path)]) == 0
    before = monorepo.commit("add ping")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(monorepo.path), str(bare)], check=True)
    monorepo.git("remote", "add", "origin", str(bare))
    monorepo.write("components/ping/src/hello.txt", "hello, again\n")
    monorepo.commit("a new greeting")
    monorepo.git("push", "-q", "origin", "main")
    return monorepo, GitRepo(bare), before


def test_a_component_change_on_main_is_built_pinned_committed_compiled_and_published(
    pushed_repo, tmp_path, docker_env, registry, prod_target
):
    repo, origin, before = pushed_repo
    after = repo.head()
    prefix = f"{registry}/main-flow"
    run = push_to_main(
        WORKFLOW,
        repo.path,
        tmp_path,
        before=before,
        after=after,
        secrets=prod_target.secrets,
        env={
            **prod_target.env,
            "IMAGE_REGISTRY": prefix,
            "DOCKER_HOST": docker_env,
            "DOCKER_CONFIG": str(tmp_path / "docker-config"),
        },
    )
    jobs = {job: run.run_job(job) for job in JOBS}
    logs = "\n".join(line for job in jobs.values() for line in job.logs)
    assert {name: job.result for name, job in jobs.items()} == dict.fromkeys(JOBS, "success"), logs

    # One bot commit on origin's main, on top of the push, changing only the image line.
    pinned = origin.git("rev-parse", "refs/heads/main")
    assert origin.git("rev-parse", "refs/heads/main~1") == after
    assert jobs["images"].outputs["sha"] == pinned == jobs["compile"].outputs["sha"]
    diff = origin.git("diff", "-U0", f"{after}..{pinned}")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert len(changed) == 2 and changed[0] == '-    image: "example.invalid/ping:dev"'
    pinned_digest = re.search(r"@(sha256:[0-9a-f]{64})", changed[1]).group(1)
    digest = registry_manifest_digest(registry, "main-flow/ping", pinned_digest)
    assert digest == pinned_digest  # the registry has exactly what was pinned
    assert changed[1].startswith("+    image: ") and f"{prefix}/ping@{digest}" in changed[1]
    assert "[skip ci]" in origin.git("log", "-1", "--format=%B", "main")

    # Compiled from the pinned commit, published as main-<sha8> of it, with the digest inside.
    assert prod_target.published() == [("shop-ping", f"main-{pinned[:8]}")]
    spec = (repo.path / "build" / "pipelines" / "shop" / "ping.yaml").read_text("utf-8")
    assert f"{prefix}/ping@{digest}" in spec


def test_a_pull_request_builds_the_changed_component_and_pushes_nothing(
    pushed_repo, tmp_path, docker_env, registry
):
    import docker

    repo, _, _ = pushed_repo
    base = repo.git("rev-parse", "main")
    repo.git("checkout", "-q", "-b", "feature/greeting", "main")
    repo.write("components/ping/src/hello.txt", "hello from a branch\n")
    head = repo.commit("branch greeting")
    repo.git("checkout", "-q", "--detach", base)
    repo.git("merge", "-q", "--no-ff", "--no-edit", head)  # what actions/checkout gives a PR
    prefix = f"{registry}/pr-flow"
    event = {
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"ref": "feature/greeting", "sha": head, "repo": {"full_name": "acme/x"}},
            "base": {"ref": "main", "sha": base, "repo": {"full_name": "acme/x"}},
        },
    }
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = runner_environment(
        home,
        {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_BASE_REF": "main",
            "GITHUB_HEAD_REF": "feature/greeting",
            "GITHUB_SHA": repo.head(),
            "IMAGE_REGISTRY": prefix,
            "DOCKER_HOST": docker_env,
            "DOCKER_CONFIG": str(tmp_path / "docker-config"),
        },
    )
    github = {"event_name": "pull_request", "event": event, "head_ref": "feature/greeting"}
    workflow = REPO_ROOT / ".github" / "workflows" / "pull-request.yml"
    run = WorkflowRun(workflow, workspace=repo.path, github=github, secrets={}, runner_env=env)
    changes = run.run_job("changes")
    assert changes.result == "success", changes.logs
    assert json.loads(changes.outputs["components"]) == ["ping"]
    images = run.run_job("images")
    assert images.result == "success", images.logs

    built = {
        tag for image in docker.from_env().images.list(name=f"{prefix}/ping") for tag in image.tags
    }
    assert len(built) == 1  # built locally, tagged by its content hash
    assert registry_manifest_digest(registry, "pr-flow/ping", built.pop().rsplit(":", 1)[1]) is None
    assert repo.git("status", "--porcelain") == ""  # nothing pinned on a pull request
