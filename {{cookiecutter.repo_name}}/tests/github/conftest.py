"""Fixtures of the GitHub-facing tests."""

import pytest


@pytest.fixture
def fast_github(monkeypatch):
    """PyGithub without its write throttle (1 s a write on github.com), which a test server
    does not need."""
    import github

    from scripts.github import sticky_comment

    def client(token: str, api_url: str):
        return github.Github(
            auth=github.Auth.Token(token),
            base_url=api_url,
            retry=None,
            seconds_between_requests=0,
            seconds_between_writes=0,
        )

    monkeypatch.setattr(sticky_comment, "github_client", client)
