"""A Slack incoming-webhook test server on 127.0.0.1, for ``slack_sdk.webhook.WebhookClient``.

Slack cannot be reached from tests, so what posts to a webhook is tested against this server
through the real slack_sdk. It answers as Slack documents for incoming webhooks
(https://api.slack.com/messaging/webhooks#handling_errors): a plain-text body, ``ok`` with 200,
otherwise one error string with its status:

    400 invalid_payload      the body is not a JSON object (nor a form with a JSON `payload`)
    400 no_text              neither `text` nor `blocks` (nor legacy `attachments`)
    400 invalid_blocks       `blocks` is not a list of at most 50 objects with a `type`
    400 too_many_attachments more than 100 `attachments`
    403 invalid_token        the URL's secret is wrong for its team and bot
    403 action_prohibited    the workspace forbids this post (hook: `prohibit`)
    404 no_service           no such webhook, or it was revoked (hook: `revoke`)
    404 no_team              no such workspace
    410 channel_is_archived  the channel was archived (hook: `archive_channel`)
    429 rate_limited         with a Retry-After header (hook: `rate_limit_next`)

Webhook URLs look like Slack's, ``{server.url}/services/T.../B.../<24 characters>``.

    with SlackWebhookServer() as slack:
        url = slack.add_webhook(channel="#ml-alerts")
        WebhookClient(url).send(text="nightly-train failed")
        assert slack.messages(url) == [{"text": "nightly-train failed"}]

From a shell (prints one webhook URL; with --echo each message received, as a JSON line):

    python -m tests.servers.slack_webhook --port 8890 --echo
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import string
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers._http import (
    BackgroundServer,
    LocalHTTPServer,
    read_body,
    send,
    serve_until_stopped,
)

__all__ = ["ERRORS", "SlackRequest", "SlackWebhookServer", "main"]

# Slack's documented webhook errors and the status each comes with.
ERRORS = {
    "invalid_payload": 400,
    "user_not_found": 400,
    "no_text": 400,
    "invalid_blocks": 400,
    "too_many_attachments": 400,
    "invalid_token": 403,
    "action_prohibited": 403,
    "posting_to_general_channel_denied": 403,
    "no_service": 404,
    "no_team": 404,
    "channel_not_found": 404,
    "team_disabled": 404,
    "channel_is_archived": 410,
    "rate_limited": 429,
    "rollup_error": 500,
}
MAX_BLOCKS = 50
MAX_ATTACHMENTS = 100
PATH = re.compile(r"/services/(T[A-Z0-9]+)/(B[A-Z0-9]+)/([A-Za-z0-9]+)")
SECRET_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class SlackRequest:
    """One request as received: `payload` is the JSON object posted (None if it was not one),
    `status` and `answer` what the server replied."""

    method: str
    path: str
    content_type: str
    payload: dict[str, Any] | None
    status: int
    answer: str


@dataclass
class _Webhook:
    team: str
    bot: str
    secret: str
    channel: str
    error: str | None = None  # set by revoke/archive_channel/prohibit/fail_webhook
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Fault:
    error: str
    status: int
    headers: dict[str, str]


class SlackWebhookServer(BackgroundServer):
    """The server in a background thread; every method is safe while clients post to it."""

    thread_name = "slack-webhook-server"

    def __init__(self, *, port: int = 0, team: str = "T0000000001", echo: bool = False) -> None:
        """`team` is the workspace id in the URLs `add_webhook` makes; `echo` prints each
        accepted message as a JSON line on stdout (for a demo)."""
        self._team = team
        self._echo = echo
        self._lock = threading.Lock()
        self._hooks: dict[str, _Webhook] = {}  # by bot id
        self._faults: list[_Fault] = []
        self._requests: list[SlackRequest] = []
        super().__init__(LocalHTTPServer(port, _handler_class(self)))

    # -- control surface ---------------------------------------------------------------------

    def add_webhook(self, *, channel: str = "#ml-alerts", team: str | None = None) -> str:
        """A new webhook posting to `channel`; returns its URL (a secret, as Slack's are)."""
        with self._lock:
            bot = f"B{len(self._hooks) + 1:010d}"
            secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(24))
            hook = _Webhook(team or self._team, bot, secret, channel)
            self._hooks[bot] = hook
        return self._url_of(hook)

    def messages(self, url: str | None = None) -> list[dict[str, Any]]:
        """The payloads the webhook at `url` accepted (every webhook's without `url`), oldest
        first, as posted."""
        with self._lock:
            hooks = [self._hook_for(url)] if url is not None else list(self._hooks.values())
            return [dict(message) for hook in hooks for message in hook.messages]

    def revoke(self, url: str) -> None:
        """The webhook is removed (its app uninstalled): posts get 404 no_service."""
        self.fail_webhook(url, "no_service")

    def archive_channel(self, url: str) -> None:
        """The webhook's channel is archived: posts get 410 channel_is_archived."""
        self.fail_webhook(url, "channel_is_archived")

    def prohibit(self, url: str) -> None:
        """The workspace restricts posting there: posts get 403 action_prohibited."""
        self.fail_webhook(url, "action_prohibited")

    def fail_webhook(self, url: str, error: str | None) -> None:
        """Every later post to `url` gets `error` (one of ERRORS) with its status; None heals."""
        if error is not None and error not in ERRORS:
            raise ValueError(f"error must be one of {', '.join(ERRORS)}")
        with self._lock:
            self._hook_for(url).error = error

    def rate_limit_next(self, count: int = 1, *, retry_after: int = 1) -> None:
        """The next `count` posts get 429 rate_limited with `Retry-After: retry_after`."""
        fault = _Fault("rate_limited", 429, {"Retry-After": str(retry_after)})
        with self._lock:
            self._faults.extend([fault] * count)

    def fail_next(self, count: int, status: int = 500, *, error: str | None = None) -> None:
        """The next `count` posts get `status` with body `error` (default: Slack's own for that
        status, rollup_error for a 5xx)."""
        if error is None:
            known = [name for name, code in ERRORS.items() if code == status]
            error = known[0] if known and status < 500 else "rollup_error"
        fault = _Fault(error, status, {})
        with self._lock:
            self._faults.extend([fault] * count)

    @property
    def requests(self) -> list[SlackRequest]:
        with self._lock:
            return list(self._requests)

    # -- the webhook -------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], str]:
        """One request (headers with lower-case names): status, extra headers, body text."""
        path = urlsplit(target).path
        content_type = headers.get("content-type", "")
        payload = _payload(content_type, raw)
        with self._lock:
            status, extra, answer, hook = self._answer(path, payload)
            if status == 200 and hook is not None and isinstance(payload, dict):
                hook.messages.append(payload)
                if self._echo:
                    print(json.dumps(payload, sort_keys=True), flush=True)
            parsed = payload if isinstance(payload, dict) else None
            self._requests.append(SlackRequest(method, path, content_type, parsed, status, answer))
        return status, extra, answer

    def _answer(self, path: str, payload: Any) -> tuple[int, dict[str, str], str, _Webhook | None]:
        if self._faults:
            fault = self._faults.pop(0)
            return fault.status, fault.headers, fault.error, None
        match = PATH.fullmatch(path)
        if match is None:
            return _error("no_service")
        team, bot, secret = match.groups()
        if team not in {hook.team for hook in self._hooks.values()}:
            return _error("no_team")
        hook = self._hooks.get(bot)
        if hook is None or hook.team != team:
            return _error("no_service")
        if not secrets.compare_digest(hook.secret, secret):
            return _error("invalid_token")
        if hook.error is not None:
            return _error(hook.error)
        problem = _check(payload)
        if problem is not None:
            return _error(problem)
        return 200, {}, "ok", hook

    def _hook_for(self, url: str) -> _Webhook:
        match = PATH.search(urlsplit(url).path)
        hook = self._hooks.get(match.group(2)) if match else None
        if hook is None or self._url_of(hook) != url:
            raise KeyError("not a webhook of this server")  # the URL is a secret: not echoed
        return hook

    def _url_of(self, hook: _Webhook) -> str:
        return f"{self.url}/services/{hook.team}/{hook.bot}/{hook.secret}"


def _error(error: str) -> tuple[int, dict[str, str], str, None]:
    return ERRORS[error], {}, error, None


def _payload(content_type: str, raw: bytes) -> Any:
    """The posted JSON: the body itself, or a form's `payload` field (Slack takes both)."""
    text = raw.decode("utf-8", "replace")
    if "application/x-www-form-urlencoded" in content_type:
        text = (parse_qs(text).get("payload") or [""])[-1]
    try:
        return json.loads(text)
    except ValueError:
        return None


def _check(payload: Any) -> str | None:
    """The error Slack gives this payload, or None when it would post it."""
    if not isinstance(payload, dict):
        return "invalid_payload"
    text, blocks, attachments = (payload.get(k) for k in ("text", "blocks", "attachments"))
    if text is not None and not isinstance(text, str):
        return "invalid_payload"
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
            return "invalid_blocks"
        if not all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks):
            return "invalid_blocks"
    if attachments is not None:
        if not isinstance(attachments, list):
            return "invalid_payload"
        if len(attachments) > MAX_ATTACHMENTS:
            return "too_many_attachments"
    if not (text or "").strip() and not blocks and not attachments:
        return "no_text"
    return None


def _handler_class(server: SlackWebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, body = server.handle(self.command, self.path, headers, read_body(self))
            send(self, status, "text/html", body.encode("utf-8"), extra.items())

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.servers.slack_webhook", description=__doc__
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    parser.add_argument("--channel", default="#ml-alerts", help="the webhook's channel")
    parser.add_argument("--echo", action="store_true", help="print each message received")
    args = parser.parse_args(argv)
    server = SlackWebhookServer(port=args.port, echo=args.echo)
    url = server.add_webhook(channel=args.channel)
    with server:
        print(f"Slack webhook test server at {server.url}", flush=True)
        print(f"webhook URL for {args.channel}: {url}", flush=True)  # a throwaway test URL
        serve_until_stopped()
    return 0


if __name__ == "__main__":
    sys.exit(main())
