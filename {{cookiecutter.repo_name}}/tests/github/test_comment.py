"""`comment`: the sticky PR comment, through the real PyGithub against the GitHub API test server.

Summaries are made by `scripts.targets.publish.report.PublishReport.to_json()`, the code that
writes them in CI, so a change to the summary schema shows up here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.cli.main import main
from scripts.github import comment
from scripts.targets.publish.report import (
    ExperimentResult,
    PipelineResult,
    PublishReport,
    SyncResult,
)
from tests.servers.github_api import GitHubApiServer
from tests.servers.github_fixtures import PR_NUMBER

HOST = "https://kfp.dev.example.com"


def pipeline(selector: str, status: str, **extra) -> PipelineResult:
    project, name = selector.split("/")
    ids = {} if status == "failed" else {"pipeline_id": f"pid-{name}", "version_id": f"vid-{name}"}
    link = f"{HOST}/#/pipelines/details/pid-{name}/version/vid-{name}" if ids else None
    return PipelineResult(
        selector=selector,
        name=f"{project}-{name.replace('_', '-')}",
        display_name=selector,
        project=project,
        source=f"pipelines/{selector}.py",
        namespace=None,
        status=status,
        version=None if status == "failed" else "feature-x-1a2b3c4d",
        link=link,
        **ids,
        **extra,
    )


def summary_document(*pipelines: PipelineResult, syncs=()) -> dict:
    report = PublishReport(
        environment="dev",
        host=HOST,
        version="feature-x-1a2b3c4d",
        dry_run=False,
        pipelines=list(pipelines)
        or [pipeline("shop/train_model", "created"), pipeline("shop/score", "unchanged")],
        experiments=[
            ExperimentResult("shop", "shop/Default", None, "created", "e1"),
            ExperimentResult("shop", "shop/Sneakers", None, "exists", "e2"),
        ],
        syncs=list(syncs),
    )
    return report.to_json()


def write_summary(tmp_path: Path, document: dict, name: str = "summary.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run_comment(summary: Path, *extra: str) -> int:
    return main(["comment", "--pr", str(PR_NUMBER), "--summary", str(summary), *extra])


def marked(server: GitHubApiServer) -> list[dict]:
    return [c for c in server.comments(PR_NUMBER) if c["body"].startswith(comment.MARKER)]


# -- rendering -------------------------------------------------------------------------------


def test_comment_lists_status_version_link_experiments_and_failures():
    failed = pipeline("shop/broken", "failed", message="upload failed: 400 <bad> spec | x")
    body = comment.render_comment(
        summary_document(pipeline("shop/train_model", "created"), failed),
        run_url="https://github.com/acme/ml-pipelines/actions/runs/42",
    )
    assert body.startswith(comment.MARKER + "\n")
    assert "| `shop/train_model` | created | `feature-x-1a2b3c4d` | [open](" in body
    assert f"({HOST}/#/pipelines/details/pid-train_model/version/vid-train_model)" in body
    assert "| `shop/broken` | **failed** |  |  |" in body
    assert "`shop/Default` (created), `shop/Sneakers` (exists)" in body
    # The failure's message, on one line, as code: its HTML shows as written and does nothing.
    assert "- `shop/broken` (`pipelines/shop/broken.py`): `upload failed: 400 <bad> spec | x`" in (
        body
    )
    assert "publish failed" in body and "1 created, 1 failed" in body
    assert "actions/runs/42" in body
    # A later push that affects no pipeline publishes nothing, so the comment stays as it is.
    assert "on every push" not in body and "each later push that publishes" in body


def test_comment_shows_sync_rows_and_a_dry_run():
    document = summary_document(
        syncs=[SyncResult("polyaxon project", "shop", "failed", message="401 Unauthorized")]
    )
    document["dry_run"] = True
    body = comment.render_comment(document)
    assert "dry run" in body
    assert "**Synced:** polyaxon project `shop` (failed)" in body
    assert "- polyaxon project `shop`: `401 Unauthorized`" in body


def test_a_publish_stopped_by_its_preflight_says_why():
    report = PublishReport(
        environment="dev",
        host=HOST,
        version="feature-x-1a2b3c4d",
        dry_run=False,
        pipelines=[],
        experiments=[],
        error=f"{HOST}: KFP answered 401 Unauthorized — check KFP_TOKEN",
    )
    body = comment.render_comment(report.to_json())
    assert "publish failed" in body
    assert f"- publish stopped: `{HOST}: KFP answered 401 Unauthorized — check KFP_TOKEN`" in body
    assert "nothing was published" in body


def test_a_huge_summary_is_cut_to_githubs_limit_keeping_failures():
    many = [pipeline(f"shop/p{i:04d}", "uploaded") for i in range(3000)]
    failed = pipeline("shop/zz_broken", "failed", message="boom")
    body = comment.render_comment(summary_document(*many, failed))
    assert len(body) <= comment.MAX_COMMENT_CHARS
    assert "more pipeline(s)" in body
    assert "- `shop/zz_broken` (`pipelines/shop/zz_broken.py`): `boom`" in body


def test_a_message_cannot_mention_link_embed_or_break_out_of_its_code_span():
    # KFP's answer is not ours: it must not ping a team, show an image or forge Markdown.
    hostile = "see @acme/platform ![x](https://t.example/p.png) <details> ``a`` `b`\nnext line"
    body = comment.render_comment(
        summary_document(pipeline("shop/broken", "failed", message=hostile))
    )
    [line] = [line for line in body.splitlines() if line.startswith("- `shop/broken`")]
    # One code span whose fence is longer than any backtick run inside, so nothing ends it.
    flat = "see @acme/platform ![x](https://t.example/p.png) <details> ``a`` `b` next line"
    assert line.endswith(f": ``` {flat} ```")
    assert "<details>" not in body.replace(line, "")


def test_a_long_message_is_cut_and_many_failures_still_fit_githubs_limit():
    long_message = "spec rejected: " + "x" * 5000
    failed = [
        pipeline(f"shop/p{i:04d}", "failed", message=f"{i} {long_message}") for i in range(500)
    ]
    body = comment.render_comment(summary_document(*failed))
    assert len(body) <= comment.MAX_COMMENT_CHARS
    assert body.startswith(comment.MARKER + "\n")
    assert "more failure(s): see the workflow run's summary" in body
    shown = [line for line in body.splitlines() if line.startswith("- `shop/p")]
    assert shown and all(len(line) < comment.MAX_MESSAGE_CHARS + 100 for line in shown)
    assert shown[0].endswith("x…`")


def test_a_vast_experiment_list_is_cut_at_a_line_with_a_note():
    document = summary_document()
    document["experiments"] = [
        {"project": "shop", "name": f"shop/experiment {i:05d}", "status": "exists"}
        for i in range(5000)
    ]
    body = comment.render_comment(document)
    assert len(body) <= comment.MAX_COMMENT_CHARS
    assert body.startswith(comment.MARKER + "\n")
    assert body.endswith("… cut to GitHub's comment size limit: see the workflow run's summary.\n")


def test_a_summary_with_many_long_failures_is_still_posted(tmp_path, github_server, github_env):
    # GitHub refuses a body over 65,536 characters (the test server too): then the PR would
    # get no comment at all, exactly when it has the most to say.
    failed = [pipeline(f"shop/p{i:04d}", "failed", message="x" * 400) for i in range(400)]
    assert run_comment(write_summary(tmp_path, summary_document(*failed))) == 0
    [posted] = marked(github_server)
    assert "more failure(s)" in posted["body"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{not json", "not a JSON publish summary"),
        ('{"schema": 99}', "not a publish summary of schema 1"),
        ('{"schema": 1, "pipelines": {}}', '"pipelines" must be a list'),
    ],
    ids=["missing", "not-json", "other-schema", "bad-shape"],
)
def test_a_bad_summary_file_is_one_line_and_exit_2(tmp_path, capsys, content, expected):
    path = tmp_path / "summary.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert run_comment(path) == 2
    err = capsys.readouterr().err
    assert expected in err and str(path) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# -- posting ---------------------------------------------------------------------------------


def test_first_run_creates_the_comment_and_the_second_updates_it(
    tmp_path, capsys, github_server, github_env
):
    assert run_comment(write_summary(tmp_path, summary_document())) == 0
    first = marked(github_server)
    assert len(first) == 1
    assert first[0]["user"]["login"] == "github-actions[bot]"
    assert "created comment https://github.com/acme/ml-pipelines/pull/7#issuecomment-" in (
        capsys.readouterr().out
    )

    second = summary_document(pipeline("shop/train_model", "uploaded"))
    assert run_comment(write_summary(tmp_path, second, "second.json")) == 0
    after = marked(github_server)
    assert [c["id"] for c in after] == [first[0]["id"]]  # the same comment, not another
    assert "| `shop/train_model` | uploaded |" in after[0]["body"]
    assert "updated comment" in capsys.readouterr().out
    assert [r.method for r in github_server.requests].count("POST") == 1
    assert [r.method for r in github_server.requests].count("PATCH") == 1


def test_other_users_comments_are_left_alone(tmp_path, github_server, github_env):
    # A person quoting our marker, a plain review remark: neither is ours to edit.
    quoting = github_server.add_comment(PR_NUMBER, comment.MARKER + "\nlook at this", login="ana")
    remark = github_server.add_comment(PR_NUMBER, "Please rename the step.", login="bo")
    assert run_comment(write_summary(tmp_path, summary_document())) == 0
    assert run_comment(write_summary(tmp_path, summary_document(), "again.json")) == 0

    by_id = {c["id"]: c for c in github_server.comments(PR_NUMBER)}
    assert by_id[quoting["id"]]["body"] == quoting["body"]
    assert by_id[remark["id"]]["body"] == remark["body"]
    assert by_id[quoting["id"]]["updated_at"] == quoting["updated_at"]
    patched = [r.path for r in github_server.requests if r.method == "PATCH"]
    assert all(str(quoting["id"]) not in p and str(remark["id"]) not in p for p in patched)
    assert len(marked(github_server)) == 2  # the person's quote and our one comment


def test_with_a_user_token_only_that_users_marked_comment_is_updated(
    tmp_path, github_server, monkeypatch, github_env
):
    # A personal token can read /user: then another bot's marked comment is not ours either.
    other_bot = github_server.add_comment(
        PR_NUMBER, comment.MARKER + "\nfrom another bot", login="other-app[bot]", bot=True
    )
    monkeypatch.setenv("GITHUB_TOKEN", github_server.add_token(login="release-bot", bot=False))
    assert run_comment(write_summary(tmp_path, summary_document())) == 0
    assert run_comment(write_summary(tmp_path, summary_document(), "again.json")) == 0
    ours = [c for c in marked(github_server) if c["user"]["login"] == "release-bot"]
    assert len(ours) == 1
    assert github_server.comments(PR_NUMBER)[0]["body"] == other_bot["body"]


def test_existing_comment_on_a_later_page_is_found(tmp_path, github_server, github_env):
    for i in range(64):
        github_server.add_comment(PR_NUMBER, f"review remark {i}", login="octocat")
    ours = github_server.add_comment(
        PR_NUMBER, comment.MARKER + "\nold result", login="github-actions[bot]", bot=True
    )
    for i in range(10):
        github_server.add_comment(PR_NUMBER, f"later remark {i}", login="octocat")

    assert run_comment(write_summary(tmp_path, summary_document())) == 0

    pages = [
        r.query.get("page", ["1"])[0]
        for r in github_server.requests
        if r.method == "GET" and r.path.endswith(f"/issues/{PR_NUMBER}/comments")
    ]
    assert pages == ["1", "2", "3"]  # 30 per page: ours is the 65th comment
    assert [c["id"] for c in marked(github_server)] == [ours["id"]]
    assert "feature-x-1a2b3c4d" in marked(github_server)[0]["body"]
    assert not [r for r in github_server.requests if r.method == "POST"]


def test_a_token_without_permission_is_a_warning(
    tmp_path, capsys, github_server, github_env, monkeypatch
):
    read_only = github_server.add_token(login="github-actions[bot]", bot=True, can_write=False)
    monkeypatch.setenv("GITHUB_TOKEN", read_only)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run_comment(write_summary(tmp_path, summary_document())) == 0
    err = capsys.readouterr().err
    assert "warning: GitHub refused to comment on acme/ml-pipelines#7" in err
    assert "403: Resource not accessible by integration" in err
    assert "::warning::" in err
    assert read_only not in err
    assert github_server.comments(PR_NUMBER) == []
    assert [r.status for r in github_server.requests if r.method == "POST"] == [403]


def test_a_missing_token_is_a_warning(tmp_path, capsys, github_server, github_env, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    assert run_comment(write_summary(tmp_path, summary_document())) == 0
    assert "warning: GITHUB_TOKEN is not set" in capsys.readouterr().err
    assert github_server.requests == []


def test_a_bad_token_is_one_line_and_exit_1(
    tmp_path, capsys, github_server, github_env, monkeypatch
):
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_not_a_real_token_0123456789")
    assert run_comment(write_summary(tmp_path, summary_document())) == 1
    err = capsys.readouterr().err
    assert "401: Bad credentials" in err and "check GITHUB_TOKEN" in err
    assert "ghs_not_a_real_token" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unknown_pull_request_is_one_line_and_exit_1(
    tmp_path, capsys, github_server, github_env
):
    summary = write_summary(tmp_path, summary_document())
    assert main(["comment", "--pr", "404", "--summary", str(summary)]) == 1
    err = capsys.readouterr().err
    assert "acme/ml-pipelines#404" in err and "not found (404)" in err
    assert len(err.strip().splitlines()) == 1


def test_repo_slug_flag_and_api_url_are_used(
    tmp_path, capsys, github_server, github_env, monkeypatch
):
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/else")
    summary = write_summary(tmp_path, summary_document())
    assert run_comment(summary, "--repo-slug", github_server.repository) == 0
    assert len(marked(github_server)) == 1


def test_github_enterprise_api_url_with_its_path_is_used_for_every_call(
    tmp_path, github_env, monkeypatch
):
    # GitHub Enterprise Server serves the API under /api/v3 (GITHUB_API_URL says so); the
    # path must survive into every call, the pages of comments included.
    with GitHubApiServer(repository="acme/ml-pipelines", path_prefix="/api/v3") as ghes:
        ghes.add_pull_request(PR_NUMBER)
        for i in range(35):
            ghes.add_comment(PR_NUMBER, f"remark {i}")
        monkeypatch.setenv("GITHUB_API_URL", ghes.url)
        monkeypatch.setenv("GITHUB_TOKEN", ghes.add_token())
        assert ghes.url.endswith("/api/v3")
        assert run_comment(write_summary(tmp_path, summary_document())) == 0
        assert run_comment(write_summary(tmp_path, summary_document(), "again.json")) == 0
        assert len(marked(ghes)) == 1
        statuses = {r.status for r in ghes.requests}
        assert statuses <= {200, 201, 403}  # 403: GET /user with an installation token
        pages = [r.query.get("page", ["1"])[0] for r in ghes.requests if "comments" in r.path]
        assert "2" in pages


def test_a_passing_github_outage_is_retried_the_edit_included(tmp_path, github_server, github_env):
    github_server.fail_next(2, 502, method="POST")
    assert run_comment(write_summary(tmp_path, summary_document())) == 0
    github_server.fail_next(1, 502, method="PATCH")  # editing to the same body is idempotent
    second = summary_document(pipeline("shop/train_model", "uploaded"))
    assert run_comment(write_summary(tmp_path, second, "second.json")) == 0
    [posted] = marked(github_server)
    assert "| `shop/train_model` | uploaded |" in posted["body"]
    writes = [(r.method, r.status) for r in github_server.requests if r.is_write]
    assert writes == [("POST", 502), ("POST", 502), ("POST", 201), ("PATCH", 502), ("PATCH", 200)]


def test_an_unreachable_api_is_one_line(tmp_path, capsys, github_env, monkeypatch):
    with GitHubApiServer() as gone:
        url = gone.url
    monkeypatch.setenv("GITHUB_API_URL", url)
    assert run_comment(write_summary(tmp_path, summary_document())) == 1
    err = capsys.readouterr().err
    assert f"cannot reach the GitHub API at {url}" in err
    assert len(err.strip().splitlines()) == 1


def test_dry_run_prints_the_body_and_posts_nothing(tmp_path, capsys, github_server, github_env):
    assert run_comment(write_summary(tmp_path, summary_document()), "--dry-run") == 0
    assert capsys.readouterr().out.startswith(comment.MARKER)
    assert github_server.requests == []
