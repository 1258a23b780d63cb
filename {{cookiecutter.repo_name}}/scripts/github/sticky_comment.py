# Do not edit: the template owns this file (make template-update brings its changes).
"""The sticky pull-request comment, posted once and then updated in place (PyGithub).

One comment per pull request, found again by the hidden marker on its first line
(``comment.MARKER``), so every push updates it instead of adding another. Only a comment we wrote
counts: the token's own login when GitHub tells it (user tokens), otherwise (the workflow's
GITHUB_TOKEN, which may not read ``/user``) a bot account. People's comments, even ones quoting
the marker, are never touched.

A token that may not comment (403: a fork's read-only GITHUB_TOKEN) is ``CommentNotPosted``, a
warning for the caller, not a failure: the publish result is already in the job summary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scripts.core.errors import RemoteError
from scripts.github.comment import MARKER

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT_SECONDS = 30


class CommentNotPosted(Exception):
    """GitHub would not take the comment for a reason the caller reports as a warning."""


@dataclass(frozen=True)
class CommentResult:
    action: str  # "created" or "updated"
    comment_id: int
    url: str


def _is_ours(comment: Any, own_login: str | None) -> bool:
    if not (comment.body or "").lstrip().startswith(MARKER):
        return False
    if own_login is not None:
        return comment.user.login == own_login
    return comment.user.type == "Bot"


def _own_login(client: Any) -> str | None:
    """The token's login, or None for an installation token (GitHub answers 403 on /user)."""
    from github import GithubException

    try:
        return client.get_user().login
    except GithubException as error:
        if error.status == 403:
            return None
        raise


def _error_message(error: Any) -> str:
    data = error.data if isinstance(getattr(error, "data", None), dict) else {}
    return str(data.get("message") or "no message")


def post_sticky_comment(
    *, body: str, pr_number: int, repo_slug: str, token: str, api_url: str = DEFAULT_API_URL
) -> CommentResult:
    """Create the marked comment on the PR, or update the one we wrote before.

    Raises CommentNotPosted for a 403 (the caller warns) and RemoteError for anything else
    GitHub refuses or when it cannot be reached. The token never appears in a message.
    """
    from github import GithubException
    from requests.exceptions import RequestException

    where = f"{repo_slug}#{pr_number} on {api_url}"
    # PyGithub logs each 403 (such as /user for GITHUB_TOKEN) at INFO; we report outcomes.
    logging.getLogger("github").setLevel(logging.WARNING)
    client = github_client(token, api_url)
    try:
        return _create_or_update(client, body=body, pr_number=pr_number, repo_slug=repo_slug)
    except GithubException as error:
        raise _refusal(error, where) from None
    except RequestException as error:
        raise RemoteError(
            f"cannot reach the GitHub API at {api_url} ({type(error).__name__}) — check "
            "GITHUB_API_URL and the network"
        ) from None
    finally:
        client.close()


def github_client(token: str, api_url: str) -> Any:
    """A PyGithub client that retries transient failures, so a passing outage does not fail
    the job."""
    from github import Auth, Github, GithubRetry
    from urllib3.util.retry import Retry

    return Github(
        auth=Auth.Token(token),
        base_url=api_url.rstrip("/"),
        timeout=TIMEOUT_SECONDS,
        # GithubRetry retries GET and POST on 5xx; the edit too (the same body twice is the
        # same comment), or a passing outage on a later push fails the job.
        retry=GithubRetry(
            total=3,
            max_rate_limit_wait=60,
            allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"GET", "POST", "PATCH"},
        ),
    )


def _create_or_update(client: Any, *, body: str, pr_number: int, repo_slug: str) -> CommentResult:
    """Update our earlier comment (only when its body changed) or create it, so each push
    leaves exactly one comment."""
    issue = client.get_repo(repo_slug).get_issue(pr_number)
    own_login = _own_login(client)
    existing = next((c for c in issue.get_comments() if _is_ours(c, own_login)), None)
    if existing is None:
        created = issue.create_comment(body)
        return CommentResult("created", created.id, created.html_url)
    if existing.body != body:
        existing.edit(body)
    return CommentResult("updated", existing.id, existing.html_url)


def _refusal(error: Any, where: str) -> Exception:
    """The exception for a GitHub error status: a 403 is only a warning for the caller, the
    rest are RemoteErrors that say what to check."""
    status = error.status
    if status == 403:
        return CommentNotPosted(
            f"GitHub refused to comment on {where} (403: {_error_message(error)}) — the token "
            "needs `pull-requests: write` (a fork's pull request gets a read-only token)"
        )
    if status == 401:
        return RemoteError(
            f"GitHub rejected the token for {where} (401: {_error_message(error)}) — check "
            "GITHUB_TOKEN"
        )
    if status == 404:
        return RemoteError(
            f"{where} not found (404) — check --pr, --repo-slug (or GITHUB_REPOSITORY) and "
            "GITHUB_API_URL, and that the token can read the repository"
        )
    return RemoteError(f"GitHub answered {status} for {where}: {_error_message(error)}")
