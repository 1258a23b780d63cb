"""Pytest fixtures for the GitHub API test server (registered from tests/conftest.py).

- `github_server`: a fresh server for the repository `acme/ml-pipelines` with pull request
  `PR_NUMBER` open, stopped after the test.
- `github_token`: a write installation token on it, like the workflow's GITHUB_TOKEN.
- `github_env`: the environment variables the workflow gives `comment` (GITHUB_TOKEN,
  GITHUB_REPOSITORY, GITHUB_API_URL) pointed at the server, set with monkeypatch.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.github_api import GitHubApiServer

PR_NUMBER = 7
REPOSITORY = "acme/ml-pipelines"


@pytest.fixture
def github_server() -> Iterator[GitHubApiServer]:
    with GitHubApiServer(repository=REPOSITORY) as server:
        server.add_pull_request(PR_NUMBER, title="Tune the features")
        yield server


@pytest.fixture
def github_token(github_server: GitHubApiServer) -> str:
    return github_server.add_token(login="github-actions[bot]", bot=True)


@pytest.fixture
def github_env(
    github_server: GitHubApiServer, github_token: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    env = {
        "GITHUB_TOKEN": github_token,
        "GITHUB_REPOSITORY": github_server.repository,
        "GITHUB_API_URL": github_server.url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
