"""``cleanup``: pull requests' versions deleted from the KFP API test server, through the same
client publish uses; the mark publish writes is what makes a version a candidate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from scripts.cli.main import main
from scripts.repo.environments import load_environment
from scripts.targets.kfp.client import connect
from scripts.targets.publish.marks import PrMark, pipeline_mark, version_mark
from tests.helpers.pipeline_repos import make_pipeline_repo
from tests.servers.github_fixtures import REPOSITORY

START = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_mark_round_trips_and_belongs_to_one_repository():
    mark = PrMark.for_branch(REPOSITORY, 7, "feature/Tune-Features")
    assert mark.branch == "feature-tune-features"
    assert version_mark(mark.version_description(), None, REPOSITORY) == mark
    assert version_mark("", mark.tags(), REPOSITORY) == mark  # a server that kept the tags only
    assert version_mark(mark.version_description(), mark.tags(), "acme/other") is None
    assert version_mark("kfp-monorepo-pr: main", {}, REPOSITORY) is None
    assert pipeline_mark(f"says hi\n{mark.pipeline_line()}", REPOSITORY) == mark


class Server:
    """Pipelines and versions as publish leaves them, one second apart (newest = latest)."""

    def __init__(self, kfp_server, api, package):
        self.kfp, self.api, self.package = kfp_server, api, package
        self.kfp.clock.set(START)

    def pipeline(self, name: str, created_for: PrMark | None = None) -> str:
        description = created_for.pipeline_line() if created_for else "made on main"
        return self.api.create_pipeline(name, name, description).pipeline_id

    def version(self, pipeline_id: str, name: str, mark: PrMark | None = None) -> str:
        self.kfp.clock.advance(1)
        description = mark.version_description() if mark else ""
        tags = mark.tags() if mark else None
        uploaded = self.api.upload_version(pipeline_id, name, self.package, description, tags)
        return uploaded.pipeline_version_id

    def names(self) -> set[str]:
        return {v.name for v in self.kfp.versions}


@pytest.fixture
def world(tmp_path, monkeypatch, kfp_server, schedule_package, isolated_kfp_home):
    for name in ("KFP_TOKEN", "GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    repo = make_pipeline_repo(tmp_path / "repo", {"shop": ["train_model"]})
    api = connect(load_environment(repo.path, "dev"))
    return repo, Server(kfp_server, api, schedule_package)


PR7 = PrMark.for_branch(REPOSITORY, 7, "feature/a")
PR8 = PrMark.for_branch(REPOSITORY, 8, "feature/b")
OTHER_REPO = PrMark.for_branch("acme/other", 7, "feature/a")


def populate(server: Server) -> dict[str, str]:
    """Main's versions, two PRs', an unmarked look-alike, another repo's, a pinned one, a
    pipeline created for PR 7 alone and one holding PR 7's versions only."""
    shared = server.pipeline("shop-train-model")
    ids = {
        "main-00000001": server.version(shared, "main-00000001"),
        "feature-a-0000000a": server.version(shared, "feature-a-0000000a", PR7),
        "feature-b-0000000b": server.version(shared, "feature-b-0000000b", PR8),
        "feature-a-1111111a": server.version(shared, "feature-a-1111111a"),  # no mark
        "feature-a-2222222a": server.version(shared, "feature-a-2222222a", OTHER_REPO),
        "feature-a-3333333a": server.version(shared, "feature-a-3333333a", PR7),  # pinned
        "feature-a-4444444a": server.version(shared, "feature-a-4444444a", PR7),
    }
    new = server.pipeline("shop-new-model", created_for=PR7)
    ids["new-1"] = server.version(new, "feature-a-5555555a", PR7)
    ids["new-2"] = server.version(new, "feature-a-6666666a", PR7)
    lone = server.pipeline("shop-lone-model")
    ids["lone-1"] = server.version(lone, "feature-a-7777777a", PR7)
    ids["lone-2"] = server.version(lone, "feature-a-8888888a", PR7)
    experiment = server.api.create_experiment("shop/Default").experiment_id
    server.api.client.create_recurring_run(
        experiment_id=experiment,
        job_name="nightly",
        cron_expression="0 0 3 * * *",
        pipeline_id=shared,
        version_id=ids["feature-a-3333333a"],
        enabled=False,
    )
    return ids


def cleanup(repo, capsys, *flags: str) -> tuple[int, dict]:
    capsys.readouterr()
    argv = ["cleanup", "--repo", str(repo.path), "--env", "dev", "--repo-slug", REPOSITORY]
    code = main([*argv, *flags, "--format", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {"err": captured.err}


def test_a_pull_requests_publish_marks_its_versions_and_the_pipelines_it_creates(
    world, capsys, tmp_path, monkeypatch
):
    repo, server = world
    assert main(["compile", "--all", "--repo", str(repo.path)]) == 0
    head = "ab" * 20
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": head}}}))
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_HEAD_REF": "feature/A",
        "GITHUB_SHA": "cd" * 20,
        "GITHUB_REPOSITORY": REPOSITORY,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["publish", "--env", "dev", "--repo", str(repo.path)]) == 0
    [version] = server.kfp.versions
    assert version.name == "feature-a-abababab"
    assert version_mark(version.description, None, REPOSITORY) == PR7
    assert version.tags == PR7.tags()
    [pipeline] = server.kfp.pipelines
    assert pipeline_mark(pipeline.description, REPOSITORY) == PR7


def test_cleanup_deletes_exactly_the_pull_requests_versions_and_is_idempotent(world, capsys):
    repo, server = world
    populate(server)
    code, report = cleanup(repo, capsys, "--pr", "7", "--jobs", "4")
    assert code == 0, report
    assert server.names() == {
        "main-00000001",  # main's
        "feature-b-0000000b",  # PR 8's
        "feature-a-1111111a",  # named like PR 7's, but without the mark
        "feature-a-2222222a",  # another repository's mark
        "feature-a-3333333a",  # a recurring run pins it
        "feature-a-8888888a",  # the last version of a pipeline publish did not create for PR 7
    }
    # The pipeline publish created for PR 7 went with its versions; the others stay.
    assert {p.name for p in server.kfp.pipelines} == {"shop-train-model", "shop-lone-model"}
    spared = {i["version"]: i["reason"] for i in report["items"] if i["action"] == "spare"}
    assert "recurring run 'nightly' pins it" in spared["feature-a-3333333a"]
    assert spared["feature-a-8888888a"] == "the pipeline's only version left"
    assert report["counts"] == {"deleted": 6, "spared": 2}  # 5 versions and a pipeline

    before = len(server.kfp.requests)
    code, again = cleanup(repo, capsys, "--pr", "7")
    assert code == 0 and again["counts"] == {"spared": 2}
    assert not [r for r in server.kfp.requests[before:] if r.method == "DELETE"]


def test_dry_run_shows_the_plan_first_and_deletes_nothing(world, capsys):
    repo, server = world
    populate(server)
    before = server.names()
    capsys.readouterr()
    argv = ["cleanup", "--repo", str(repo.path), "--env", "dev", "--repo-slug", REPOSITORY]
    assert main([*argv, "--pr", "7", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete 6 items" in out and "feature-a-0000000a" in out
    assert server.names() == before
    assert not [r for r in server.kfp.requests if r.method == "DELETE"]


def test_branch_selection_and_keep(world, capsys):
    repo, server = world
    shared = server.pipeline("shop-train-model")
    server.version(shared, "main-00000001")
    for index in range(4):
        server.version(shared, f"feature-b-{index:08x}", PR8)
    code, report = cleanup(repo, capsys, "--branch", "Feature/B", "--keep", "1")
    assert code == 0, report
    assert server.names() == {"main-00000001", "feature-b-00000003"}


def test_one_failed_delete_does_not_stop_the_others(world, capsys):
    repo, server = world
    shared = server.pipeline("shop-train-model")
    server.version(shared, "main-00000001")
    ids = [server.version(shared, f"feature-a-{i:08x}", PR7) for i in range(3)]
    server.kfp.fail_next(1, status=500, match=f"/versions/{ids[1]}$")
    code, report = cleanup(repo, capsys, "--pr", "7", "--jobs", "1")
    assert code == 1
    assert server.names() == {"main-00000001", "feature-a-00000001"}
    [failed] = [i for i in report["items"] if i["status"] == "failed"]
    assert failed["version"] == "feature-a-00000001" and "HTTP 500" in failed["message"]


def test_transient_failures_are_retried(world, capsys):
    repo, server = world
    shared = server.pipeline("shop-train-model")
    server.version(shared, "main-00000001")
    server.version(shared, "feature-a-00000000", PR7)
    server.kfp.fail_next(2, status=503, match="/versions/[^/]+$")
    code, report = cleanup(repo, capsys, "--pr", "7")
    assert code == 0 and report["counts"] == {"deleted": 1}


def test_closed_before_asks_github_which_pull_requests_closed_long_ago(
    world, capsys, github_server, github_env, monkeypatch
):
    repo, server = world
    now = datetime.now(UTC)
    github_server.set_time(now - timedelta(days=40))
    old = github_server.add_pull_request(head_ref="old", state="closed")
    github_server.set_time(now - timedelta(days=2))
    recent = github_server.add_pull_request(head_ref="recent", merged=True)
    still_open = github_server.add_pull_request(head_ref="open")
    shared = server.pipeline("shop-train-model")
    server.version(shared, "main-00000001")
    for number in (old, recent, still_open):
        mark = PrMark.for_branch(REPOSITORY, number, f"pr{number}")
        server.version(shared, f"pr{number}-00000000", mark)
    monkeypatch.setattr(
        "scripts.github.sticky_comment.github_client",
        lambda token, url: __import__("github").Github(
            auth=__import__("github").Auth.Token(token),
            base_url=url,
            retry=None,
            seconds_between_requests=0,
            seconds_between_writes=0,
        ),
    )
    code, report = cleanup(repo, capsys, "--closed-before", "30d")
    assert code == 0, report
    assert server.names() == {"main-00000001", f"pr{recent}-00000000", f"pr{still_open}-00000000"}
