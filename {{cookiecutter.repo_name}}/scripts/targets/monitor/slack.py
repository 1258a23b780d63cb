# Do not edit: the template owns this file (make template-update brings its changes).
"""A project's Slack message through its incoming webhook (``slack_sdk``'s WebhookClient).

The webhook URL is the secret itself (anyone holding it can post), so it is read from the
variable the manifest names and never appears in a message, an error or the report: failures
are described by Slack's status and error code only. A 429 is retried after its
``Retry-After`` by slack_sdk's own rate-limit handler.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

SENT, NOT_SET = "sent", "not configured"
_HINTS = {
    "no_service": "the webhook was revoked or never existed: make a new one, update the secret",
    "no_team": "the workspace is gone: update the secret",
    "invalid_token": "the webhook's token is invalid: update the secret",
    "action_prohibited": "the workspace's admin restricted this webhook",
    "channel_is_archived": "the webhook's channel is archived: point it at another channel",
    "invalid_payload": "Slack refused the message's format",
}


class SlackError(Exception):
    """A message Slack did not take; the text never holds the webhook URL."""


def escape(text: str) -> str:
    """Slack's mrkdwn control characters, as its docs ask (``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_url(secret_name: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    return (environ.get(secret_name) or None) if secret_name else None


def post(url: str, text: str, *, retries: int = 2, timeout: int = 15) -> None:
    """Post ``text``; SlackError (without the URL) when Slack or the network refuses."""
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
    from slack_sdk.webhook import WebhookClient

    client = WebhookClient(
        url, timeout=timeout, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=retries)]
    )
    try:
        response = client.send(text=text)
    except Exception as error:  # urllib errors carry the URL: name the kind only
        raise SlackError(f"cannot reach Slack ({type(error).__name__})") from None
    if response.status_code != 200:
        code = (response.body or "").strip()[:60]
        hint = _HINTS.get(code, "")
        raise SlackError(
            f"Slack answered {response.status_code} {code}" + (f" — {hint}" if hint else "")
        )


def message(environment: str, project: str, lines: Sequence[str]) -> str:
    """The text of a project's message: one line per schedule with news."""
    head = f"*{escape(project)}* on {escape(environment)}: schedules breaching their SLO"
    return "\n".join([head, *lines])
