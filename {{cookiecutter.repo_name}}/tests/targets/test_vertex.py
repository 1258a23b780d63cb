"""Vertex AI as a second target: dev on KFP, prod on Vertex AI, the same commands.

Driven through the real clients: kfp.Client against the KFP API test server, kfp's
RegistryClient against the Artifact Registry test server, google-cloud-aiplatform (REST
transport) against the Vertex AI test server, with Workload Identity Federation credentials
(``external_account``) whose token exchange the Vertex server answers, as in GitHub Actions.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from scripts.cli import main as cli
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.pipeline_repos import manifest, pipeline_source
from tests.servers.registry_fixtures import PROJECT, REPOSITORY

MAIN = "main-1a2b3c4d"
SERVICE_ACCOUNT = "pipelines@acme-ml-prod.iam.gserviceaccount.com"
REGISTRY = "https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines"
ENVIRONMENTS = """\
environments:
  dev:
    kfp_host: "http://127.0.0.1:9"
  prod:
    target: vertex
    project: acme-ml-prod
    region: europe-west4
    registry: https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines
    pipeline_root: gs://acme-ml-prod-pipelines/root
    service_account: pipelines@acme-ml-prod.iam.gserviceaccount.com
    timezone: Europe/Amsterdam
"""
NIGHTLY = (
    "schedules:\n"
    "  - {name: nightly, pipeline: train_model, cron: '0 3 * * *', environments: [prod],\n"
    "     parameters: {message: 'nightly run'}}\n"
)
HOURLY = "  - {name: hourly, pipeline: score, cron: '@hourly', environments: [prod]}\n"

pytestmark = pytest.mark.usefixtures("clean_kfp_environment")


@pytest.fixture
def world(
    pipeline_repo,
    kfp_server,
    vertex_server,
    vertex_credentials,
    vertex_aiplatform,
    artifact_registry,
    artifact_registry_url,
    monkeypatch,
):
    """The pipeline repo with prod on Vertex AI; every client pointed at its test server the
    way a user points them at a private endpoint (KFP_HOST, VERTEX_API_ENDPOINT,
    KFP_REGISTRY_HOST)."""
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    monkeypatch.setenv("VERTEX_API_ENDPOINT", vertex_server.endpoint)
    monkeypatch.setenv("KFP_REGISTRY_HOST", artifact_registry_url)
    for name in ("GITHUB_EVENT_NAME", "GITHUB_HEAD_REF", "GITHUB_EVENT_PATH", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
    repo = pipeline_repo
    repo.write("environments.yml", ENVIRONMENTS)
    shutil.copytree(REPO_ROOT / "schemas", repo.path / "schemas", dirs_exist_ok=True)
    repo.commit("prod on Vertex AI")
    assert cli.main(["compile", "--repo", str(repo.path), "--all"]) == 0
    return repo, kfp_server, vertex_server, artifact_registry


def run_cli(capsys, *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = cli.main([*args, "--format", "json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else {}), captured.err


def publish(repo, capsys, env: str = "prod", version: str = MAIN) -> tuple[int, dict, str]:
    return run_cli(capsys, "publish", "--repo", str(repo.path), "--env", env, "--version", version)


def statuses(document: dict) -> dict[str, str]:
    return {row["name"]: row["status"] for row in document["pipelines"]}


def registry_tags(registry, package: str) -> dict[str, str]:
    return registry.tags(PROJECT, REPOSITORY, package)


def test_dev_on_kfp_and_prod_on_vertex_publish_the_same_compile(world, capsys):
    repo, kfp, vertex, registry = world
    code, dev, err = publish(repo, capsys, env="dev", version="feature-x-1a2b3c4d")
    assert code == 0, err
    assert set(statuses(dev).values()) == {"created"} and dev["host"] == kfp.url
    assert {v.name for v in kfp.versions} == {"feature-x-1a2b3c4d"}

    code, prod, err = publish(repo, capsys)
    assert code == 0, err
    assert statuses(prod) == dict.fromkeys(
        ["alpha-score", "alpha-train-model", "beta-report"], "created"
    )
    assert registry.packages(PROJECT, REPOSITORY) == [
        "alpha-score",
        "alpha-train-model",
        "beta-report",
    ]
    tags = registry_tags(registry, "alpha-train-model")
    assert set(tags) == {MAIN, "latest"} and tags[MAIN] == tags["latest"]
    assert tags[MAIN].startswith("sha256:") and len(tags[MAIN]) == 71
    row = next(r for r in prod["pipelines"] if r["name"] == "alpha-train-model")
    assert row["version_id"] == tags[MAIN]
    assert row["link"].endswith(f"/alpha-train-model/{tags[MAIN]}")
    experiments = {r["name"]: r for r in prod["experiments"]}
    assert {r["status"] for r in experiments.values()} == {"created"}
    assert experiments["alpha/Trading Cards"]["experiment_id"] == "alpha-trading-cards"
    contexts = {c.display_name for c in vertex.contexts if "experiment" in c.schema_title.lower()}
    assert {"alpha-default", "alpha-trading-cards", "beta-default"} <= contexts
    # Nothing of prod went to the KFP server.
    assert {v.name for v in kfp.versions} == {"feature-x-1a2b3c4d"}


def test_a_rerun_of_the_same_commit_is_idempotent(world, capsys):
    repo, _, _, registry = world
    assert publish(repo, capsys)[0] == 0
    before = {p: registry_tags(registry, p) for p in registry.packages(PROJECT, REPOSITORY)}
    registry.clear_requests()
    code, again, err = publish(repo, capsys)
    assert code == 0, err
    assert set(statuses(again).values()) == {"exists"}
    assert {r["status"] for r in again["experiments"]} == {"exists"}
    after = {p: registry_tags(registry, p) for p in registry.packages(PROJECT, REPOSITORY)}
    assert after == before
    assert not [r for r in registry.requests if r.method != "GET"]  # reads only


def test_a_tag_on_other_content_is_refused(world, capsys):
    repo, _, _, registry = world
    assert publish(repo, capsys)[0] == 0
    first = registry_tags(registry, "alpha-train-model")[MAIN]
    repo.write("pipelines/alpha/train_model.py", pipeline_source("something else"))
    assert cli.main(["compile", "--repo", str(repo.path), "--all"]) == 0
    code, document, _ = publish(repo, capsys)
    assert code == 1
    row = next(r for r in document["pipelines"] if r["name"] == "alpha-train-model")
    assert row["status"] == "failed"
    assert f"tag {MAIN!r} of alpha-train-model already points at" in row["message"]
    assert registry_tags(registry, "alpha-train-model")[MAIN] == first  # not moved


def test_an_unchanged_spec_is_tagged_not_uploaded_again(world, capsys):
    repo, _, _, registry = world
    assert publish(repo, capsys)[0] == 0
    versions = len(registry.versions(PROJECT, REPOSITORY, "beta-report"))
    code, document, err = publish(repo, capsys, version="main-99999999")
    assert code == 0, err
    assert set(statuses(document).values()) == {"unchanged"}
    tags = registry_tags(registry, "beta-report")
    assert tags["main-99999999"] == tags[MAIN] == tags["latest"]
    assert len(registry.versions(PROJECT, REPOSITORY, "beta-report")) == versions


def test_transient_answers_are_retried(world, capsys):
    repo, _, vertex, registry = world
    registry.fail_next(503, 2)
    vertex.fail_next(429, 1)
    code, document, err = publish(repo, capsys)
    assert code == 0, err
    assert set(statuses(document).values()) == {"created"}
    assert "transient failure(s) retried" in err


def test_a_403_is_one_line_naming_the_service_account(world, capsys):
    repo, _, _, registry = world
    registry.deny(permission="artifactregistry.repositories.uploadArtifacts")
    code, document, err = publish(repo, capsys)
    assert code == 1
    message = next(r["message"] for r in document["pipelines"] if r["status"] == "failed")
    assert "403 Permission denied" in message
    assert SERVICE_ACCOUNT in message  # the identity CI impersonates
    assert "roles/artifactregistry.writer" in message
    assert "\n" not in message and "Traceback" not in err


def test_vertex_permission_denied_stops_at_the_preflight(world, capsys):
    repo, _, vertex, registry = world
    vertex.deny("aiplatform.schedules.list")
    code = cli.main(["publish", "--repo", str(repo.path), "--env", "prod", "--version", MAIN])
    err = capsys.readouterr().err
    assert code == 1
    assert "403 Permission denied (list schedules)" in err
    assert SERVICE_ACCOUNT in err and "roles/aiplatform.user" in err
    assert registry.packages(PROJECT, REPOSITORY) == []
    assert "Traceback" not in err


def set_schedules(repo, text: str) -> None:
    repo.write("projects/alpha.yml", manifest("alpha", ["Default", "Trading Cards"]) + text)


def sync(repo, capsys, version: str = MAIN) -> tuple[int, dict, str]:
    return run_cli(
        capsys, "schedules", "--repo", str(repo.path), "--env", "prod", "--version", version
    )


def test_schedules_on_vertex_pin_sha256_with_the_zone_and_swap_safely(world, capsys):
    repo, _, vertex, registry = world
    assert publish(repo, capsys)[0] == 0
    digest = registry_tags(registry, "alpha-train-model")[MAIN]
    set_schedules(repo, NIGHTLY)
    vertex.clock.set(datetime(2030, 1, 1, 12, tzinfo=UTC))
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    assert [(r["key"], r["action"]) for r in document["schedules"]] == [("alpha/nightly", "create")]
    (schedule,) = vertex.schedules
    assert schedule.state == "ACTIVE"
    assert schedule.cron == "TZ=Europe/Amsterdam 0 3 * * *"
    job = schedule.create_pipeline_job_request["pipelineJob"]
    assert job["templateUri"] == f"{REGISTRY}/alpha-train-model/{digest}"  # never the endpoint
    assert job["serviceAccount"] == SERVICE_ACCOUNT
    assert job["runtimeConfig"]["parameterValues"] == {"message": "nightly run"}
    assert job["labels"]["managed-by"] == "kfp-monorepo"

    # Runs fire from the sha256 version, never from a tag, so they do not fail.
    fired = vertex.advance_to(datetime(2030, 1, 2, 3, 30, tzinfo=UTC))
    assert fired and all(j.state != "PIPELINE_STATE_FAILED" for j in fired)

    code, document, _ = sync(repo, capsys)
    assert code == 0
    assert [r["action"] for r in document["schedules"]] == ["unchanged"]
    assert document["writes"] == 0

    set_schedules(repo, NIGHTLY.replace("nightly run", "tuned run"))
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    (row,) = document["schedules"]
    assert row["action"] == "replace" and "parameters" in row["changes"]
    states = sorted(s.state for s in vertex.schedules)
    assert states == ["ACTIVE", "PAUSED"]  # never two active
    vertex.keep_jobs_running()
    vertex.finish_jobs_after(timedelta(0))
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    (remaining,) = vertex.schedules  # the old one deleted once idle
    assert remaining.state == "ACTIVE"
    params = remaining.create_pipeline_job_request["pipelineJob"]["runtimeConfig"]
    assert params["parameterValues"] == {"message": "tuned run"}


def test_run_on_vertex_submits_a_job_from_the_registry_version(world, capsys):
    repo, _, vertex, registry = world
    assert publish(repo, capsys)[0] == 0
    code, started, err = run_cli(
        capsys,
        "run",
        "alpha/train_model",
        "--repo",
        str(repo.path),
        "--env",
        "prod",
        "--param",
        "message=hi",
    )
    assert code == 0, err
    digest = registry_tags(registry, "alpha-train-model")["latest"]
    assert started["version"] == "latest" and started["version_id"] == digest
    assert started["experiment"] == "alpha-default"
    (job,) = vertex.jobs
    assert job.template_uri.endswith(f"/alpha-train-model/{digest}")
    assert job.service_account == SERVICE_ACCOUNT
    assert job.runtime_config["parameterValues"] == {"message": "hi"}
    assert job.labels["kfp-monorepo-experiment"] == "alpha-default"
    assert started["link"].startswith("https://console.cloud.google.com/vertex-ai/")


def test_monitor_on_vertex_finds_a_failed_run(world, capsys):
    repo, _, vertex, _ = world
    assert publish(repo, capsys)[0] == 0
    set_schedules(repo, NIGHTLY)
    vertex.clock.set(datetime(2030, 1, 1, 12, tzinfo=UTC))
    assert sync(repo, capsys)[0] == 0
    fired = vertex.advance_to(datetime(2030, 1, 2, 3, 5, tzinfo=UTC))
    (run,) = fired
    vertex.set_job_state(run.name, "PIPELINE_STATE_FAILED", end_time=vertex.clock.now())
    vertex.advance_to(datetime(2030, 1, 2, 4, tzinfo=UTC))
    code, report, err = run_cli(
        capsys,
        "monitor",
        "--repo",
        str(repo.path),
        "--env",
        "prod",
        "--since",
        "1d",
        "--until",
        "2030-01-02T04:00Z",
        "--dry-run",
    )
    assert code == 0, err
    (watched,) = report["schedules"]
    assert watched["key"] == "alpha/nightly" and watched["status"] == "breach"
    assert [f["kind"] for f in watched["findings"]] == ["failed"]  # found, so not "missed"
    assert watched["findings"][0]["link"].startswith("https://console.cloud.google.com/")


def pull_request(monkeypatch, tmp_path, number: int, branch: str, sha: str) -> None:
    event = tmp_path / f"event-{number}.json"
    event.write_text(json.dumps({"pull_request": {"number": number, "head": {"sha": sha}}}))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_HEAD_REF", branch)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/ml-pipelines")
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))


def test_cleanup_deletes_pr_tags_then_untagged_versions(world, capsys, monkeypatch, tmp_path):
    repo, _, _, registry = world
    assert publish(repo, capsys)[0] == 0  # main's versions
    main_tags = registry_tags(registry, "beta-report")
    repo.write("pipelines/beta/report.py", pipeline_source("pr change"))
    assert cli.main(["compile", "--repo", str(repo.path), "--all"]) == 0
    pull_request(monkeypatch, tmp_path, 7, "feature/tune", "a" * 40)
    code, document, err = publish(repo, capsys, version="feature-tune-aaaaaaaa")
    assert code == 0, err
    assert statuses(document)["beta-report"] == "uploaded"
    tags = registry_tags(registry, "beta-report")
    assert tags["feature-tune-aaaaaaaa"] == tags["pr-7-aaaaaaaa"] != tags["latest"]
    # alpha's specs did not change: the PR tags sit on main's versions.
    assert (
        registry_tags(registry, "alpha-score")["pr-7-aaaaaaaa"]
        == (registry_tags(registry, "alpha-score")[MAIN])
    )
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_HEAD_REF"):
        monkeypatch.delenv(name)
    code, report, err = run_cli(
        capsys, "cleanup", "--repo", str(repo.path), "--env", "prod", "--pr", "7"
    )
    assert code == 0, err
    planned = {(i["pipeline"], i["action"]) for i in report["items"]}
    assert ("beta-report", "delete") in planned
    assert registry_tags(registry, "beta-report") == main_tags  # PR tags and version gone
    assert len(registry.versions(PROJECT, REPOSITORY, "beta-report")) == 1
    alpha = registry_tags(registry, "alpha-score")
    assert set(alpha) == {MAIN, "latest"}  # main's version stays, only the PR tags went
    assert len(registry.versions(PROJECT, REPOSITORY, "alpha-score")) == 1


GRID = (
    '"""Grid search."""\n\nfrom kfp import dsl\n\nfrom ._helpers import say\n\n\n'
    "@dsl.pipeline\n"
    'def grid(rates: list = [0.1, 0.2], options: dict = {"depth": 3}, message: str = "x"):\n'
    "    say(message=message)\n"
)


def test_list_and_dict_parameters_compare_as_json_and_stay_unchanged(world, capsys):
    repo, _, vertex, _ = world
    repo.write("pipelines/alpha/grid.py", GRID)
    assert cli.main(["compile", "--repo", str(repo.path), "--all"]) == 0
    assert publish(repo, capsys)[0] == 0
    set_schedules(
        repo,
        "schedules:\n  - {name: grid, pipeline: grid, cron: '0 4 * * *', environments: [prod],\n"
        "     parameters: {rates: [0.5, 1], options: {depth: 5, tags: [a]}}}\n",
    )
    vertex.clock.set(datetime(2030, 1, 1, 12, tzinfo=UTC))
    assert sync(repo, capsys)[0] == 0
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    assert [r["action"] for r in document["schedules"]] == ["unchanged"]
    assert document["writes"] == 0


def test_a_failed_pause_of_the_new_schedule_removes_it(world, capsys):
    """Never two firing: the new schedule is deleted again, the row fails, the next sync
    creates it."""
    repo, _, vertex, _ = world
    assert publish(repo, capsys)[0] == 0
    set_schedules(repo, NIGHTLY)
    vertex.fail_next(500, 1, path_contains=":pause")
    code, document, _ = sync(repo, capsys)
    assert code == 1
    (row,) = document["schedules"]
    assert row["status"] == "failed" and "pause new schedule alpha/nightly" in row["message"]
    assert vertex.schedules == []
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    assert [s.state for s in vertex.schedules] == ["ACTIVE"]


def test_a_schedule_create_is_not_retried_after_a_503(world, capsys):
    """A create has no request id: after a 503 it may have landed, so it is not repeated."""
    repo, _, vertex, _ = world
    assert publish(repo, capsys)[0] == 0
    set_schedules(repo, NIGHTLY)
    vertex.fail_next(503, 1, path_contains="/schedules", method="POST")
    code, document, _ = sync(repo, capsys)
    assert code == 1
    creates = [r for r in vertex.requests if r.method == "POST" and r.path.endswith("/schedules")]
    assert len(creates) == 1 and vertex.schedules == []
    assert "HTTP 503" in document["schedules"][0]["message"]
    assert sync(repo, capsys)[0] == 0 and len(vertex.schedules) == 1


def test_a_spec_named_otherwise_is_refused_before_the_upload(world, capsys):
    repo, _, _, registry = world
    spec = repo.path / "build" / "pipelines" / "beta" / "report.yaml"
    spec.write_text(spec.read_text().replace("name: beta-report", "name: beta-other"))
    code, document, _ = publish(repo, capsys)
    assert code == 1
    row = next(r for r in document["pipelines"] if r["name"] == "beta-report")
    assert "pipelineInfo.name is 'beta-other', not 'beta-report'" in row["message"]
    assert "beta-other" not in registry.packages(PROJECT, REPOSITORY)


def test_json_output_is_json_alone_outside_pytest(world, capsys):
    """The SDK logs its progress to a stdout handler of its own when nothing else handles
    its loggers (pytest's capture hides that): a real process must print JSON alone."""
    import os
    import subprocess
    import sys

    repo, _, _, _ = world
    assert publish(repo, capsys)[0] == 0
    set_schedules(repo, NIGHTLY)
    command = ["schedules", "--repo", str(repo.path), "--env", "prod", "--version", MAIN]
    result = subprocess.run(
        [sys.executable, "-m", "scripts", *command, "--format", "json"],
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # nothing else on stdout
    assert [r["action"] for r in document["schedules"]] == ["create"]


def test_credentials_that_cannot_be_refreshed_are_one_line(world, capsys):
    """A Workload Identity set-up that fails (here: impersonation refused) is said as such,
    not as an internal error."""
    repo, _, vertex, _ = world
    vertex.deny("iam.serviceAccounts.getAccessToken")
    code = cli.main(["publish", "--repo", str(repo.path), "--env", "prod", "--version", MAIN])
    err = capsys.readouterr().err
    assert code == 1
    assert "the Google credentials could not be refreshed" in err
    assert "internal error" not in err and "Traceback" not in err


def test_a_cron_macro_is_sent_as_five_fields(world, capsys):
    """Vertex AI reads five-field crons only: @hourly goes as 0 * * * *, in its zone."""
    repo, _, vertex, _ = world
    assert publish(repo, capsys)[0] == 0
    set_schedules(repo, NIGHTLY + HOURLY)
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    crons = sorted(s.cron for s in vertex.schedules)
    assert crons == ["TZ=Europe/Amsterdam 0 * * * *", "TZ=Europe/Amsterdam 0 3 * * *"]
    code, document, _ = sync(repo, capsys)
    assert code == 0 and document["writes"] == 0  # the expanded form compares equal


NODE_PINNED = (
    '"""Pinned to a node pool."""\n\nfrom kfp import dsl, kubernetes\n\n'
    "from ._helpers import say\n\n\n"
    "@dsl.pipeline\n"
    'def pinned(message: str = "x"):\n'
    "    task = say(message=message)\n"
    '    kubernetes.add_node_selector(task, label_key="pool", label_value="cpu")\n'
)


def test_a_spec_with_a_kubernetes_platform_spec_runs_from_its_pipeline_spec(world, capsys):
    """kfp-kubernetes compiles a second YAML document (the platform spec): the registry keeps
    the file whole, Vertex AI jobs and schedules get the pipeline spec alone."""
    repo, _, vertex, _ = world
    repo.write("pipelines/alpha/pinned.py", NODE_PINNED)
    assert cli.main(["compile", "--repo", str(repo.path), "--all"]) == 0
    compiled = (repo.path / "build" / "pipelines" / "alpha" / "pinned.yaml").read_text()
    assert "\n---\n" in compiled and "platforms:" in compiled
    assert publish(repo, capsys)[0] == 0
    pinned = "  - {name: pinned, pipeline: pinned, cron: '0 5 * * *', environments: [prod]}\n"
    set_schedules(repo, "schedules:\n" + pinned)
    code, document, err = sync(repo, capsys)
    assert code == 0, err
    assert [r["action"] for r in document["schedules"]] == ["create"]
    (schedule,) = vertex.schedules
    job = schedule.create_pipeline_job_request["pipelineJob"]
    assert job["pipelineSpec"]["pipelineInfo"]["name"] == "alpha-pinned"
    assert "platforms" not in job["pipelineSpec"]
