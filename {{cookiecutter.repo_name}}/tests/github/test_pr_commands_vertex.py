"""``pr-command`` with dev on Vertex AI: `/kfp run` starts a job from the pull request's tag,
`/kfp runs` finds it by its labels, through PyGithub and google-cloud-aiplatform against the
GitHub, Artifact Registry and Vertex AI test servers."""

from __future__ import annotations

import pytest

from scripts.cli.main import main
from scripts.core.naming import version_name
from tests.github.test_pr_commands import command, replies, run_command
from tests.helpers.pipeline_repos import make_pipeline_repo
from tests.servers.github_fixtures import PR_NUMBER
from tests.servers.registry_fixtures import PROJECT, REPOSITORY

# PyGithub without its write throttle (1 s a write on github.com), which a test server
# does not need.
pytestmark = pytest.mark.usefixtures("fast_github")

VERSION = version_name("feature", f"{PR_NUMBER:040x}")
ENVIRONMENTS = """\
environments:
  dev:
    target: vertex
    project: acme-ml-prod
    region: europe-west4
    registry: https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines
    pipeline_root: gs://acme-ml-prod-pipelines/root
    service_account: pipelines@acme-ml-prod.iam.gserviceaccount.com
"""


@pytest.fixture
def setup(
    tmp_path,
    monkeypatch,
    github_server,
    github_env,
    vertex_server,
    vertex_credentials,
    vertex_aiplatform,
    artifact_registry,
    artifact_registry_url,
):
    """shop/train_model published to the dev registry as the PR head's version."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("VERTEX_API_ENDPOINT", vertex_server.endpoint)
    monkeypatch.setenv("KFP_REGISTRY_HOST", artifact_registry_url)
    repo = make_pipeline_repo(
        tmp_path / "repo", {"shop": ["train_model"]}, experiments={"shop": ["Default", "Tuning"]}
    )
    repo.write("environments.yml", ENVIRONMENTS)
    repo.commit("dev on Vertex AI")
    root = str(repo.path)
    assert main(["compile", "--all", "--repo", root]) == 0
    assert main(["publish", "--repo", root, "--env", "dev", "--version", VERSION]) == 0
    return repo


def test_run_and_runs_on_vertex(
    setup, tmp_path, github_server, github_user, vertex_server, artifact_registry, capsys
):
    github_user("alice", "write")
    _, event = command(
        tmp_path,
        github_server,
        "/kfp run shop/train_model --no-cache --param message=hi --experiment Tuning",
    )
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "started", outcome
    (job,) = vertex_server.jobs
    digest = artifact_registry.tags(PROJECT, REPOSITORY, "shop-train-model")[VERSION]
    assert job.template_uri.endswith(f"/shop-train-model/{digest}")
    assert job.runtime_config["parameterValues"] == {"message": "hi"}
    assert job.labels["kfp-monorepo-pr"] == str(PR_NUMBER)
    assert job.labels["kfp-monorepo-experiment"] == "shop-tuning"
    tasks = job.pipeline_spec["root"]["dag"]["tasks"]
    assert all(not t.get("cachingOptions", {}).get("enableCache") for t in tasks.values())
    assert "console.cloud.google.com/vertex-ai/" in replies(github_server)[-1]

    _, listing = command(tmp_path, github_server, "/kfp runs")
    code, outcome = run_command(setup, listing, capsys)
    assert code == 0 and outcome["action"] == "runs" and outcome["reason"] == "1 run(s)"
    assert f"`{VERSION}`" in replies(github_server)[-1]


def test_a_version_not_published_is_said_not_replaced(
    setup, tmp_path, github_server, github_user, vertex_server, artifact_registry_url, capsys
):
    from kfp.registry import RegistryClient

    github_user("alice", "write")
    _, event = command(tmp_path, github_server, "/kfp run shop/train_model")
    RegistryClient(host=artifact_registry_url, auth=None).delete_tag("shop-train-model", VERSION)
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "refused", outcome
    assert f"has no version {VERSION}" in outcome["reason"]
    assert vertex_server.jobs == []
