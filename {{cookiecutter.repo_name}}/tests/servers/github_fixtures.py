"""Pytest fixtures for the GitHub API test server (registered from tests/conftest.py).

- `github_server`: a fresh server for the repository `acme/ml-pipelines` with pull request
  `PR_NUMBER` open, stopped after the test.
- `github_token`: a write installation token on it, like the workflow's GITHUB_TOKEN.
- `github_env`: the environment variables the workflow gives `comment` (GITHUB_TOKEN,
  GITHUB_REPOSITORY, GITHUB_API_URL) pointed at the server, set with monkeypatch.
- `github_user(login, role="write", association=None)`: a user token for `login` with that
  role on the repository (`set_permission`), e.g. the commenter of a PR command.
- `github_client(token=None)`: a real PyGithub client on the server (the `github_token` by
  default), without PyGithub's retries (so a test sees each answer) and throttle.
- `github_repo`: that client's repository object (one GET of the repository).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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


@pytest.fixture
def github_user(github_server: GitHubApiServer) -> Callable[..., str]:
    def make(login: str, role: str = "write", association: str | None = None) -> str:
        token = github_server.add_token(login=login, bot=False)
        github_server.set_permission(login, role, association=association)
        return token

    return make


@pytest.fixture
def github_client(github_server: GitHubApiServer, github_token: str) -> Callable[..., Any]:
    def make(token: str | None = None) -> Any:
        import github

        auth = github.Auth.Token(token or github_token)
        return github.Github(
            auth=auth,
            base_url=github_server.url,
            retry=None,
            seconds_between_requests=0,  # PyGithub's throttle (0.25 s, 1 s per write) is for
            seconds_between_writes=0,  # github.com; a test server needs none
        )

    return make


@pytest.fixture
def github_repo(github_server: GitHubApiServer, github_client: Callable[..., Any]) -> Any:
    return github_client().get_repo(github_server.repository)
