"""Pytest fixtures for the Slack incoming-webhook test server (registered from tests/conftest.py).

- `slack_webhook`: a fresh `SlackWebhookServer`, stopped after the test.
- `slack_webhook_url`: the URL of one webhook on it (channel #ml-alerts), a secret as Slack's are.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.slack_webhook import SlackWebhookServer


@pytest.fixture
def slack_webhook() -> Iterator[SlackWebhookServer]:
    with SlackWebhookServer() as server:
        yield server


@pytest.fixture
def slack_webhook_url(slack_webhook: SlackWebhookServer) -> str:
    return slack_webhook.add_webhook(channel="#ml-alerts")
