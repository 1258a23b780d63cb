"""The Slack incoming-webhook test server through the real slack_sdk ``WebhookClient``: what
it accepts, each documented error with its status, and what ``WebhookResponse`` then reports.
"""

from __future__ import annotations

import re
import urllib.request
from types import SimpleNamespace
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.servers.slack_webhook import SlackWebhookServer


def post(url: str, data: bytes, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def test_a_message_is_accepted_with_ok(slack_webhook, slack_webhook_url):
    response = WebhookClient(slack_webhook_url).send(
        text="nightly-train failed", unfurl_links=False
    )
    assert (response.status_code, response.body) == (200, "ok")
    assert response.headers["Content-Type"].startswith("text/html")
    assert slack_webhook.messages(slack_webhook_url) == [
        {"text": "nightly-train failed", "unfurl_links": False}
    ]


def test_webhook_urls_look_like_slacks(slack_webhook):
    first, second = slack_webhook.add_webhook(), slack_webhook.add_webhook(channel="#other")
    pattern = re.escape(slack_webhook.url) + r"/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{24}"
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second) and first != second


def test_blocks_without_text_are_a_message(slack_webhook, slack_webhook_url):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*breach*"}}]
    response = WebhookClient(slack_webhook_url).send(blocks=blocks)
    assert response.status_code == 200
    assert slack_webhook.messages() == [{"blocks": blocks}]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"unfurl_links": True}, "no_text"),
        ({"text": "  "}, "no_text"),
        ({"text": 42}, "invalid_payload"),
        ({"text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        ({"text": "x", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"text": "x", "attachments": [{"text": "a"}] * 101}, "too_many_attachments"),
    ],
)
def test_a_bad_message_is_400_with_the_reason(slack_webhook, slack_webhook_url, body, error):
    response = WebhookClient(slack_webhook_url).send_dict(body)
    assert (response.status_code, response.body) == (400, error)
    assert slack_webhook.messages(slack_webhook_url) == []


def test_an_empty_send_is_no_text(slack_webhook_url):
    response = WebhookClient(slack_webhook_url).send()  # the SDK posts {}
    assert (response.status_code, response.body) == (400, "no_text")


def test_a_body_that_is_not_json_is_invalid_payload(slack_webhook, slack_webhook_url):
    assert post(slack_webhook_url, b"text=hi", "application/json") == (400, "invalid_payload")
    form = urlencode({"payload": '{"text": "from a form"}'}).encode()
    assert post(slack_webhook_url, form, "application/x-www-form-urlencoded") == (200, "ok")
    assert slack_webhook.messages(slack_webhook_url) == [{"text": "from a form"}]


def test_a_revoked_or_unknown_webhook_is_no_service(slack_webhook, slack_webhook_url):
    slack_webhook.revoke(slack_webhook_url)
    response = WebhookClient(slack_webhook_url).send(text="hello?")
    assert (response.status_code, response.body) == (404, "no_service")
    team, bot, secret = slack_webhook_url.rsplit("/", 3)[1:]
    base = f"{slack_webhook.url}/services"
    unknown_bot = WebhookClient(f"{base}/{team}/B0000000999/{secret}").send(text="x")
    assert (unknown_bot.status_code, unknown_bot.body) == (404, "no_service")
    unknown_team = WebhookClient(f"{base}/T9999999999/{bot}/{secret}").send(text="x")
    assert (unknown_team.status_code, unknown_team.body) == (404, "no_team")
    wrong_secret = WebhookClient(f"{base}/{team}/{bot}/{'x' * 24}").send(text="x")
    assert (wrong_secret.status_code, wrong_secret.body) == (403, "invalid_token")


def test_an_archived_channel_is_410_and_a_restriction_403(slack_webhook):
    archived, prohibited = slack_webhook.add_webhook(), slack_webhook.add_webhook()
    slack_webhook.archive_channel(archived)
    slack_webhook.prohibit(prohibited)
    gone = WebhookClient(archived).send(text="x")
    assert (gone.status_code, gone.body) == (410, "channel_is_archived")
    refused = WebhookClient(prohibited).send(text="x")
    assert (refused.status_code, refused.body) == (403, "action_prohibited")
    slack_webhook.fail_webhook(archived, None)  # unarchived
    assert WebhookClient(archived).send(text="x").status_code == 200


def test_rate_limited_is_429_with_retry_after(slack_webhook, slack_webhook_url):
    slack_webhook.rate_limit_next(1, retry_after=7)
    response = WebhookClient(slack_webhook_url).send(text="x")  # no retry handler by default
    assert (response.status_code, response.body) == (429, "rate_limited")
    assert response.headers["Retry-After"] == "7"
    assert slack_webhook.messages() == []


def test_the_rate_limit_retry_handler_waits_retry_after(
    slack_webhook, slack_webhook_url, monkeypatch
):
    waits: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=waits.append))
    slack_webhook.rate_limit_next(2, retry_after=3)
    client = WebhookClient(
        slack_webhook_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    response = client.send(text="x")
    assert (response.status_code, response.body) == (200, "ok")
    assert [int(wait) for wait in waits] == [3, 3]  # Retry-After plus the SDK's jitter (< 1 s)
    assert [r.status for r in slack_webhook.requests] == [429, 429, 200]
    assert slack_webhook.messages(slack_webhook_url) == [{"text": "x"}]


def test_fail_next_answers_slacks_error_for_the_status(slack_webhook, slack_webhook_url):
    slack_webhook.fail_next(1)
    slack_webhook.fail_next(1, 404)
    client = WebhookClient(slack_webhook_url)
    first, second, third = (client.send(text=str(i)) for i in range(3))
    assert (first.status_code, first.body) == (500, "rollup_error")
    assert (second.status_code, second.body) == (404, "no_service")
    assert third.status_code == 200
    assert slack_webhook.messages() == [{"text": "2"}]


def test_requests_are_logged_and_unknown_urls_are_not_echoed(slack_webhook, slack_webhook_url):
    WebhookClient(slack_webhook_url).send(text="x")
    [request] = slack_webhook.requests
    assert (request.method, request.status, request.answer) == ("POST", 200, "ok")
    assert request.payload == {"text": "x"}
    assert request.content_type.startswith("application/json")
    secret_url = slack_webhook_url[:-1] + ("A" if slack_webhook_url[-1] != "A" else "B")
    with pytest.raises(KeyError) as caught:
        slack_webhook.messages(secret_url)
    assert secret_url not in str(caught.value)
    with pytest.raises(ValueError, match="error must be one of"):
        slack_webhook.fail_webhook(slack_webhook_url, "nope")


def test_echo_prints_each_accepted_message(capsys):
    with SlackWebhookServer(echo=True) as server:
        url = server.add_webhook()
        WebhookClient(url).send(text="shown")
        WebhookClient(url).send()
    assert capsys.readouterr().out == '{"text": "shown"}\n'
