"""A clean process environment for tests that drive the KFP tooling against the test server.

Schedules, monitor and the monitor's reports all sync and read through ``KfpApi``; each test
must see neither the machine's credentials, namespace and GitHub Actions context (they would
change what the commands send and print) nor the retries' backoff sleeps (the tests inject
failures, not time).

Fixture: ``clean_kfp_environment`` (per test, not autouse): ask for it with
``pytestmark = pytest.mark.usefixtures("clean_kfp_environment")``.
"""

from __future__ import annotations

import pytest

from scripts.core.retry import RetryPolicy

# What would leak in from the machine running the tests.
MACHINE_VARIABLES = ("KFP_TOKEN", "KFP_NAMESPACE", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")


@pytest.fixture
def clean_kfp_environment(monkeypatch: pytest.MonkeyPatch, isolated_kfp_home) -> None:
    """No machine credentials, namespace or Actions context; an empty HOME for kfp.Client
    (``isolated_kfp_home``); retries without their backoff sleeps."""
    for name in MACHINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, retry, retry_after=None: 0.0)
