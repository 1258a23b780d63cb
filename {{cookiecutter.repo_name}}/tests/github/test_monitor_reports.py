"""``monitor`` end to end: the KFP test server's runs, GitHub issues through PyGithub against the
GitHub test server, and Slack messages through slack_sdk against the webhook test server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from scripts.cli import main as cli
from tests.targets.test_schedules import VERSION, publish, set_schedules

NIGHTLY = (
    "  - {name: nightly, pipeline: train_model, cron: '0 3 * * *', environments: [dev],\n"
    "     slo: {max_duration: 2h, start_within: 30m}}\n"
    "notify: {slack_webhook_secret: SLACK_WEBHOOK_ALPHA}\n"
)
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("clean_kfp_environment")


@pytest.fixture
def watched(pipeline_repo, kfp_server, github_env, slack_webhook_url, monkeypatch):
    """alpha/nightly synced at START, its owners @acme/ml, its Slack webhook configured."""
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    monkeypatch.setenv("SLACK_WEBHOOK_ALPHA", slack_webhook_url)
    kfp_server.clock.set(START)
    publish(pipeline_repo)
    set_schedules(pipeline_repo, NIGHTLY)
    root = str(pipeline_repo.path)
    assert cli.main(["schedules", "--repo", root, "--env", "dev", "--version", VERSION]) == 0
    return pipeline_repo


def monitor(repo, server, capsys, *args: str, since: str = "1d") -> tuple[int, dict, str]:
    capsys.readouterr()
    code = cli.main(
        [
            "monitor",
            "--repo",
            str(repo.path),
            "--env",
            "dev",
            "--since",
            since,
            "--until",
            server.now().isoformat(),
            "--format",
            "json",
            *args,
        ]
    )
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.out + captured.err


def night(server, day: int, state: str) -> None:
    (run,) = server.advance_to(START + timedelta(days=day, hours=3, seconds=5))
    server.set_run_state(run.uuid, state)
    server.clock.set(START + timedelta(days=day, hours=4))


def issues(github_server, state: str = "all") -> list[dict]:
    return [
        i
        for i in github_server.issues()
        if "pull_request" not in i and (state == "all" or i["state"] == state)
    ]


def test_a_failure_opens_one_issue_and_one_message_and_a_rerun_tells_nobody_again(
    watched, kfp_server, github_server, slack_webhook, slack_webhook_url, capsys
):
    night(kfp_server, 0, "FAILED")
    code, document, output = monitor(watched, kfp_server, capsys)
    assert code == 0 and document["breaches"] == 1  # a breach is news, not a failed check
    (issue,) = issues(github_server)
    assert issue["title"] == "Schedule alpha/nightly is breaching its SLO on dev"
    assert [label["name"] for label in issue["labels"]] == ["pipeline-slo"]
    assert "Owners: @acme/ml" in issue["body"] and "/#/runs/details/" in issue["body"]
    (message,) = slack_webhook.messages(slack_webhook_url)
    assert "alpha/nightly" in message["text"] and "failed" in message["text"]
    assert slack_webhook_url not in output  # the webhook URL is the secret

    code, document, _ = monitor(watched, kfp_server, capsys)  # the same window again
    assert code == 0 and document["schedules"][0]["new"] == []
    assert len(slack_webhook.messages(slack_webhook_url)) == 1
    assert github_server.comments(issue["number"]) == []


def test_a_later_breach_comments_on_the_open_issue_and_a_success_closes_it(
    watched, kfp_server, github_server, slack_webhook, slack_webhook_url, capsys
):
    night(kfp_server, 0, "FAILED")
    monitor(watched, kfp_server, capsys)
    night(kfp_server, 1, "FAILED")
    _, document, _ = monitor(watched, kfp_server, capsys, since="2d")
    (issue,) = issues(github_server)
    (comment,) = github_server.comments(issue["number"])
    assert document["schedules"][0]["issue_action"] == "commented"
    assert document["schedules"][0]["new"] == [document["schedules"][0]["findings"][-1]["id"]]
    assert "New breaches" in comment["body"] and len(slack_webhook.messages()) == 2
    night(kfp_server, 2, "SUCCEEDED")
    _, document, _ = monitor(watched, kfp_server, capsys, since="3d")
    assert document["schedules"][0]["status"] == "ok"
    assert document["schedules"][0]["issue_action"] == "closed"
    (closed,) = issues(github_server, "closed")
    assert closed["state_reason"] == "completed"
    assert "Recovered" in github_server.comments(closed["number"])[-1]["body"]
    night(kfp_server, 3, "FAILED")  # broken again: a new issue, never a reopened duplicate
    monitor(watched, kfp_server, capsys)
    assert len(issues(github_server, "open")) == 1 and len(issues(github_server)) == 2


def test_a_missed_trigger_is_reported_once_across_overlapping_windows(
    watched, kfp_server, github_server, slack_webhook, capsys
):
    kfp_server.clock.set(START + timedelta(hours=4))  # 03:00 passed and nothing fired
    _, document, _ = monitor(watched, kfp_server, capsys, since="2h")
    assert [f["kind"] for f in document["schedules"][0]["findings"]] == ["missed"]
    kfp_server.clock.set(START + timedelta(hours=4, minutes=30))
    _, document, _ = monitor(watched, kfp_server, capsys, since="2h")  # overlaps the first
    assert document["schedules"][0]["new"] == [] and len(slack_webhook.messages()) == 1
    assert len(issues(github_server)) == 1


def test_a_slack_429_is_retried_after_retry_after(
    watched, kfp_server, slack_webhook, slack_webhook_url, capsys
):
    night(kfp_server, 0, "FAILED")
    slack_webhook.rate_limit_next(1, retry_after=1)
    code, document, _ = monitor(watched, kfp_server, capsys)
    assert code == 0 and document["schedules"][0]["slack"] == "sent"
    assert len(slack_webhook.messages(slack_webhook_url)) == 1
    assert [r.status for r in slack_webhook.requests][-2:] == [429, 200]


def test_a_revoked_webhook_is_one_line_without_the_url(
    watched, kfp_server, slack_webhook, slack_webhook_url, capsys
):
    night(kfp_server, 0, "FAILED")
    slack_webhook.revoke(slack_webhook_url)
    capsys.readouterr()
    code = cli.main(
        [
            "monitor",
            "--repo",
            str(watched.path),
            "--env",
            "dev",
            "--since",
            "1d",
            "--until",
            kfp_server.now().isoformat(),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "Slack message not sent: Slack answered 404 no_service" in captured.err
    assert slack_webhook_url not in captured.out + captured.err
    assert "Traceback" not in captured.err


def test_fail_on_breach_and_dry_run(watched, kfp_server, github_server, slack_webhook, capsys):
    night(kfp_server, 0, "FAILED")
    code, document, _ = monitor(watched, kfp_server, capsys, "--dry-run")
    assert code == 0 and document["schedules"][0]["issue_action"] == "would be opened"
    assert issues(github_server) == [] and slack_webhook.messages() == []
    code, _, _ = monitor(watched, kfp_server, capsys, "--fail-on-breach")
    assert code == 1
