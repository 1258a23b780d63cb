"""``pr-command``: `/kfp run`, `/kfp runs` and `/kfp help` from saved issue_comment payloads,
through the real PyGithub and kfp.Client against the GitHub and KFP API test servers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scripts.cli.main import main
from scripts.core.naming import version_name
from scripts.github.pr_commands.grammar import CommandError, is_command, parse
from scripts.github.pr_commands.replies import MARKER
from tests.helpers.pipeline_repos import make_pipeline_repo
from tests.servers.github_fixtures import PR_NUMBER, REPOSITORY

# PyGithub without its write throttle (1 s a write on github.com), which a test server
# does not need.
pytestmark = pytest.mark.usefixtures("fast_github")

HEAD_REF = "feature"
VERSION = version_name(HEAD_REF, f"{PR_NUMBER:040x}")  # what add_pull_request's head gives


# -- the grammar ------------------------------------------------------------------------------


def test_the_grammar_reads_the_first_line_and_known_flags_only():
    command = parse(
        "/kfp run shop/train_model --no-cache --param message=hi --param n=[1,2] "
        '--experiment "Holiday Sale"\nthanks!'
    )
    assert command.name == "run" and command.selector == "shop/train_model"
    assert command.no_cache and command.experiment == "Holiday Sale"
    assert command.parameters == {"message": "hi", "n": "[1,2]"}
    assert parse("/kfp runs").name == "runs" and parse("  /kfp help").name == "help"
    assert is_command("/kfp help") and not is_command("/kfpx run") and not is_command("hi /kfp")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/kfp run shop/train_model --cache", "unknown flag '--cache'"),
        ("/kfp run shop/train_model --param=a=1", "unknown flag"),
        ("/kfp run shop", "name exactly one pipeline"),
        ("/kfp run shop/a shop/b", "one pipeline at a time"),
        ("/kfp run shop/train_model --param message", "is not NAME=VALUE"),
        ("/kfp run shop/train_model --param a=1 --param a=2", "given twice"),
        ("/kfp run shop/train_model --param m=$(touch x)", "'$' is not allowed"),
        ("/kfp run shop/train_model; rm -rf /", "';' is not allowed"),
        ("/kfp run shop/train_model --param m=`id`", "'`' is not allowed"),
        ('/kfp run shop/train_model --experiment "open', "not closed"),
        ("/kfp runs all", "takes no arguments"),
        ("/kfp deploy", "unknown command"),
        ("/kfp", "say what to do"),
        ("/kfp run Shop/Train", "is no <project>/<pipeline> name"),
        ("/kfp run shop/train_model --param m=a\u00a0b", "U+00A0"),
    ],
)
def test_the_grammar_refuses_anything_else(text, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        parse(text)


# -- the command, end to end ------------------------------------------------------------------


@pytest.fixture
def setup(tmp_path, monkeypatch, kfp_server, github_server, github_env, isolated_kfp_home):
    """A repo with shop/train_model; on KFP its main version and the PR head's version."""
    for name in ("KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH", "KFP_COOKIES", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    repo = make_pipeline_repo(
        tmp_path / "repo", {"shop": ["train_model"]}, experiments={"shop": ["Default", "Tuning"]}
    )
    assert main(["compile", "--all", "--repo", str(repo.path)]) == 0
    package = repo.path / "build" / "pipelines" / "shop" / "train_model.yaml"
    import kfp

    client = kfp.Client(host=kfp_server.url)
    pipeline = client.upload_pipeline(str(package), pipeline_name="shop-train-model")
    client.upload_pipeline_version(str(package), VERSION, pipeline_id=pipeline.pipeline_id)
    kfp_server.clear_requests()
    return repo


def command(tmp_path: Path, github_server, body: str, *, login="alice", number=PR_NUMBER):
    """The comment as someone writes it, and the payload GitHub sends for it."""
    comment = github_server.add_comment(number, body, login=login)
    payload = {
        "action": "created",
        "repository": {"full_name": REPOSITORY},
        "issue": {"number": number, "pull_request": {"url": f"https://x/pulls/{number}"}},
        "comment": {
            "id": comment["id"],
            "body": body,
            "user": {"login": login},
            "author_association": comment["author_association"],
        },
    }
    path = tmp_path / f"event-{comment['id']}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return comment, path


def replies(github_server, number=PR_NUMBER) -> list[str]:
    return [c["body"] for c in github_server.comments(number) if c["body"].startswith(MARKER)]


def run_command(repo, event: Path, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["pr-command", "--repo", str(repo.path), "--event", str(event), "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_a_writer_starts_the_pr_version_with_caching_off_everywhere(
    setup, tmp_path, github_server, github_user, kfp_server, capsys
):
    github_user("alice", "write")
    comment, event = command(
        tmp_path,
        github_server,
        "/kfp run shop/train_model --no-cache --param message=hi --experiment Tuning",
    )
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "started", outcome
    [run] = kfp_server.runs
    version = next(v for v in kfp_server.versions if v.name == VERSION)
    # From the version's spec, caching off in every task; no version reference on the run...
    assert run.pipeline_version_id == "" and run.pipeline_spec
    # (protojson leaves out a false bool: `cachingOptions: {}` is caching off, as KFP reads it)
    compiled = version.template.api_struct()["root"]["dag"]["tasks"]
    assert all(t["cachingOptions"]["enableCache"] is True for t in compiled.values())
    tasks = run.pipeline_spec["root"]["dag"]["tasks"]
    assert tasks.keys() == compiled.keys()
    assert all(not t["cachingOptions"].get("enableCache", False) for t in tasks.values())
    # ...so its description says which version it came from, and which PR started it.
    assert f"version {VERSION} of shop-train-model" in run.description
    assert f"kfp-monorepo-run: {REPOSITORY}#{PR_NUMBER} shop-train-model/{VERSION} " in (
        run.description
    )
    assert version.uuid in run.description
    assert run.runtime_config["parameters"] == {"message": "hi"}
    experiment = next(e for e in kfp_server.experiments if e.uuid == run.experiment_id)
    assert experiment.name == "shop/Tuning"
    # Eyes at once, then the reply with the run's link.
    assert [r["content"] for r in github_server.reactions(comment["id"])] == ["eyes"]
    writes = [(r.method, r.path.rsplit("/", 1)[-1]) for r in github_server.requests]
    writes = [w for w in writes if w[0] == "POST"]
    assert writes == [("POST", "reactions"), ("POST", "comments")]
    [reply] = replies(github_server)
    assert f"{kfp_server.url}/#/runs/details/{run.uuid}" in reply and "off (every task)" in reply


def test_without_no_cache_the_run_references_the_version_itself(
    setup, tmp_path, github_server, github_user, kfp_server, capsys
):
    github_user("alice", "maintain")
    _, event = command(tmp_path, github_server, "/kfp run shop/train_model")
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "started"
    [run] = kfp_server.runs
    assert run.pipeline_version_id == next(v.uuid for v in kfp_server.versions if v.name == VERSION)
    assert next(e.name for e in kfp_server.experiments if e.uuid == run.experiment_id) == (
        "shop/Default"
    )


@pytest.mark.parametrize(
    ("role", "body", "reason", "reaches_kfp"),
    [
        ("read", "/kfp run shop/train_model", "has read access", False),
        ("triage", "/kfp run shop/train_model", "has read access", False),
        ("write", "/kfp run shop/nope", "unknown pipeline 'shop/nope'", True),
        ("write", "/kfp run other/train_model", "unknown project 'other'", False),
        ("write", "/kfp run shop/train_model --cache", "unknown flag", False),
        ("write", "/kfp run shop/train_model --param rows=5", "has no parameter 'rows'", True),
        ("write", "/kfp run shop/train_model --experiment Nope", "not an experiment", False),
        ("write", "/kfp run shop/train_model --param message=$(touch pwned)", "'$'", False),
        ("write", "/kfp run shop/train_model `touch pwned`", "'`'", False),
    ],
)
def test_refusals_get_a_reply_and_start_nothing(
    setup,
    tmp_path,
    github_server,
    github_user,
    kfp_server,
    capsys,
    monkeypatch,
    role,
    body,
    reason,
    reaches_kfp,
):
    # A MEMBER by association whatever the role: the association alone decides nothing.
    github_user("alice", role, association="MEMBER")
    monkeypatch.chdir(tmp_path)
    comment, event = command(tmp_path, github_server, body)
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "refused", outcome
    assert reason in outcome["reason"]
    assert kfp_server.runs == []
    assert bool(kfp_server.requests) is reaches_kfp
    [reply] = replies(github_server)
    assert "nothing was started" in reply
    assert [r["content"] for r in github_server.reactions(comment["id"])] == ["eyes"]
    assert not (tmp_path / "pwned").exists() and not (setup.path / "pwned").exists()


def test_a_fork_pull_request_is_refused(
    setup, tmp_path, github_server, github_user, kfp_server, capsys
):
    number = github_server.add_pull_request(fork=True, head_ref="feature")
    github_user("alice", "admin")
    _, event = command(tmp_path, github_server, "/kfp run shop/train_model", number=number)
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "refused" and "fork" in outcome["reason"]
    assert kfp_server.requests == [] and len(replies(github_server, number)) == 1


def test_a_version_not_uploaded_yet_is_said_not_replaced(
    setup, tmp_path, github_server, github_user, kfp_server, capsys
):
    number = github_server.add_pull_request(head_ref="other-branch", head_sha="ab" * 20)
    github_user("alice", "write")
    _, event = command(tmp_path, github_server, "/kfp run shop/train_model", number=number)
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "refused"
    assert "has no version other-branch-abababab" in outcome["reason"]
    assert kfp_server.runs == []


def test_runs_lists_only_this_pull_requests_runs(
    setup, tmp_path, github_server, github_user, kfp_server, capsys
):
    github_user("alice", "write")
    _, started = command(tmp_path, github_server, "/kfp run shop/train_model")
    assert run_command(setup, started, capsys)[1]["action"] == "started"
    other = github_server.add_pull_request(70, head_ref="feature", head_sha=f"{PR_NUMBER:040x}")
    _, elsewhere = command(tmp_path, github_server, "/kfp run shop/train_model", number=other)
    assert run_command(setup, elsewhere, capsys)[1]["action"] == "started"
    mine, theirs = kfp_server.runs
    kfp_server.set_run_state(mine.uuid, "SUCCEEDED")

    _, listing = command(tmp_path, github_server, "/kfp runs")
    code, outcome = run_command(setup, listing, capsys)
    assert code == 0 and outcome == outcome | {"action": "runs", "reason": "1 run(s)"}
    reply = replies(github_server)[-1]
    assert f"/#/runs/details/{mine.uuid}" in reply and theirs.uuid not in reply
    assert "`SUCCEEDED`" in reply and f"`{VERSION}`" in reply


def test_help_and_what_is_not_a_command(
    setup, tmp_path, github_server, github_user, kfp_server, capsys
):
    github_user("alice", "write")
    _, event = command(tmp_path, github_server, "/kfp help")
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "help"
    assert "/kfp run <project>/<pipeline>" in replies(github_server)[-1]
    before = len(github_server.requests)
    _, event = command(tmp_path, github_server, "LGTM /kfp run shop/train_model")
    code, outcome = run_command(setup, event, capsys)
    assert code == 0 and outcome["action"] == "ignored"
    assert [r.method for r in github_server.requests[before:]] == ["GET"]  # the repository
    assert kfp_server.requests == []
