"""The sticky pull-request comment: publish's summary as Markdown, posted once, then updated.

One comment per pull request, found again by a hidden HTML marker on its first line, so every
push updates it in place instead of adding another. Only a comment we wrote counts: the token's
own login when GitHub tells it (user tokens), otherwise (the workflow's GITHUB_TOKEN, which may
not read ``/user``) a bot account. People's comments, even ones quoting the marker, are never
touched. The summary's schema is documented in ``scripts/publish.py``.

A token that may not comment (403: a fork's read-only GITHUB_TOKEN) or no token at all is a
warning for the caller, not a failure: the publish result is already in the job summary.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.errors import ConfigError, RemoteError
from scripts.output import markdown_table
from scripts.publish import SUMMARY_SCHEMA  # one schema number, owned by the writer

MARKER = "<!-- kfp-monorepo:publish-summary -->"
MAX_COMMENT_CHARS = 65536  # GitHub's limit on a comment body
MAX_MESSAGE_CHARS = 600  # one failure's message in the comment; the job log has all of it
DEFAULT_API_URL = "https://api.github.com"
TIMEOUT_SECONDS = 30


class CommentNotPosted(Exception):
    """GitHub would not take the comment for a reason the caller reports as a warning."""


@dataclass(frozen=True)
class CommentResult:
    action: str  # "created" or "updated"
    comment_id: int
    url: str


# -- the summary file ------------------------------------------------------------------------


def load_summary(path: Path) -> dict[str, Any]:
    """The JSON ``publish --summary-json`` wrote; anything else is one clear configuration error."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "no such file — write it first with `publish --summary-json FILE`", path=path
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"not a JSON publish summary ({error})", path=path) from None
    if not isinstance(document, dict) or document.get("schema") != SUMMARY_SCHEMA:
        raise ConfigError(
            f"not a publish summary of schema {SUMMARY_SCHEMA} — write it with "
            "`publish --summary-json FILE` from this repository's scripts",
            path=path,
        )
    for key in ("pipelines", "experiments"):
        if not isinstance(document.get(key, []), list):
            raise ConfigError(f'"{key}" must be a list', path=path)
    return document


# -- rendering -------------------------------------------------------------------------------


def _code(text: object) -> str:
    """An inline code span: whatever the text holds (HTML, links, images, @mentions, pipes,
    backticks) shows as written and does nothing. The fence is longer than any backtick run in
    the text, so the text cannot close the span early."""
    value = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _message(text: object) -> str:
    """A free-text message (KFP's or a sync's answer) as code, cut to a readable length."""
    value = " ".join(str(text).split())
    if len(value) > MAX_MESSAGE_CHARS:
        value = value[: MAX_MESSAGE_CHARS - 1] + "…"
    return _code(value)


def _plain(text: object) -> str:
    """Our own words (a sync's kind) on one line, with no HTML."""
    value = " ".join(str(text).split())
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _status(row: Mapping[str, Any]) -> str:
    status = str(row.get("status", "?"))
    return f"**{status}**" if status == "failed" else status


def _pipeline_rows(pipelines: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str, str]]:
    rows = []
    for p in pipelines:
        link = p.get("link")
        rows.append(
            (
                _code(p.get("display_name") or p.get("selector") or p.get("name", "?")),
                _status(p),
                _code(p["version"]) if p.get("version") else "",
                f"[open]({link})" if link else "",
            )
        )
    return rows


def _failures(summary: Mapping[str, Any]) -> list[str]:
    lines = []
    if summary.get("error"):  # nothing was published: the preflight stopped it
        lines.append(f"- publish stopped: {_message(summary['error'])}")
    for p in summary.get("pipelines", []):
        if p.get("status") == "failed":
            where = f" ({_code(p['source'])})" if p.get("source") else ""
            name = p.get("display_name") or p.get("selector")
            lines.append(f"- {_code(name)}{where}: {_message(p.get('message') or 'failed')}")
    for e in summary.get("experiments", []):
        if e.get("status") == "failed":
            message = _message(e.get("message") or "failed")
            lines.append(f"- experiment {_code(e.get('name'))}: {message}")
    for s in summary.get("syncs", []):
        if s.get("status") == "failed":
            message = _message(s.get("message") or "failed")
            lines.append(f"- {_plain(s.get('kind'))} {_code(s.get('name'))}: {message}")
    return lines


def _counts_line(summary: Mapping[str, Any]) -> str:
    counts = summary.get("counts") or {}
    parts = [f"{n} {status}" for status, n in counts.items() if n]
    if parts:
        return ", ".join(parts)
    return "nothing was published" if summary.get("error") else "nothing to publish"


def render_comment(
    summary: Mapping[str, Any], *, run_url: str | None = None, max_chars: int = MAX_COMMENT_CHARS
) -> str:
    """The comment's Markdown; the marker first. Always within GitHub's limit (a longer body
    is refused, and the PR would get no comment at all): the pipeline table is cut first, then
    the list of failures, each cut saying how many more the workflow run's summary has."""
    pipelines = list(summary.get("pipelines", []))
    failures = _failures(summary)

    def body(shown: int, shown_failures: int) -> str:
        return _render(summary, pipelines, shown, failures, shown_failures, run_url)

    shown = _most_that_fit(len(pipelines), lambda n: len(body(n, len(failures))) <= max_chars)
    if shown is not None:
        return body(shown, len(failures))
    shown_failures = _most_that_fit(len(failures), lambda n: len(body(0, n)) <= max_chars)
    if shown_failures is not None:
        return body(0, shown_failures)
    # The fixed lines alone are too long (a vast experiment list): cut at a line, say so.
    note = "… cut to GitHub's comment size limit: see the workflow run's summary.\n"
    text = body(0, 0)
    return text[: text.rfind("\n", 0, max_chars - len(note)) + 1] + note


def _most_that_fit(limit: int, fits: Callable[[int], bool]) -> int | None:
    """The largest count in 0..limit for which `fits` holds (it holds for all smaller ones),
    or None when not even 0 fits."""
    if not fits(0):
        return None
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _render(summary, pipelines, shown: int, failures, shown_failures: int, run_url) -> str:
    environment = summary.get("environment", "?")
    ok = summary.get("ok", not failures)
    dry = " (dry run: nothing was written)" if summary.get("dry_run") else ""
    verdict = "published" if ok else "publish failed"
    lines = [
        MARKER,
        f"### KFP {_code(environment)}: {verdict}{dry}",
        "",
        f"Version {_code(summary.get('version', '?'))} on {summary.get('host', '?')}: "
        f"{_counts_line(summary)}.",
        "",
    ]
    if shown:
        lines += [
            markdown_table(
                ("pipeline", "status", "version", "KFP UI"), _pipeline_rows(pipelines[:shown])
            ),
            "",
        ]
    if len(pipelines) > shown:
        more = len(pipelines) - shown
        lines += [f"… and {more} more pipeline(s): see the workflow run's summary.", ""]
    experiments = summary.get("experiments", [])
    if experiments:
        listed = ", ".join(f"{_code(e.get('name'))} ({e.get('status')})" for e in experiments)
        lines += [f"**Experiments ensured:** {listed}", ""]
    syncs = summary.get("syncs", [])
    if syncs:
        listed = ", ".join(
            f"{_plain(s.get('kind'))} {_code(s.get('name'))} ({s.get('status')})" for s in syncs
        )
        lines += [f"**Synced:** {listed}", ""]
    if failures:
        lines += ["**Failures**", "", *failures[:shown_failures]]
        if len(failures) > shown_failures:
            more = len(failures) - shown_failures
            lines.append(f"- … and {more} more failure(s): see the workflow run's summary.")
        lines.append("")
    # Not "every push": a push that affects nothing publishes nothing and leaves this as it is.
    where = f"[this workflow run]({run_url})" if run_url else "the pull-request workflow"
    lines.append(
        f"<sub>Written by {where}; each later push that publishes updates it in place.</sub>"
    )
    return "\n".join(lines) + "\n"


# -- posting ---------------------------------------------------------------------------------


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
    from github import Auth, Github, GithubException, GithubRetry
    from requests.exceptions import RequestException
    from urllib3.util.retry import Retry

    where = f"{repo_slug}#{pr_number} on {api_url}"
    # PyGithub logs each 403 (such as /user for GITHUB_TOKEN) at INFO; we report outcomes.
    logging.getLogger("github").setLevel(logging.WARNING)
    client = Github(
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
    try:
        issue = client.get_repo(repo_slug).get_issue(pr_number)
        own_login = _own_login(client)
        existing = next((c for c in issue.get_comments() if _is_ours(c, own_login)), None)
        if existing is None:
            created = issue.create_comment(body)
            return CommentResult("created", created.id, created.html_url)
        if existing.body != body:
            existing.edit(body)
        return CommentResult("updated", existing.id, existing.html_url)
    except GithubException as error:
        status = error.status
        if status == 403:
            raise CommentNotPosted(
                f"GitHub refused to comment on {where} (403: {_error_message(error)}) — the token "
                "needs `pull-requests: write` (a fork's pull request gets a read-only token)"
            ) from None
        if status == 401:
            raise RemoteError(
                f"GitHub rejected the token for {where} (401: {_error_message(error)}) — check "
                "GITHUB_TOKEN"
            ) from None
        if status == 404:
            raise RemoteError(
                f"{where} not found (404) — check --pr, --repo-slug (or GITHUB_REPOSITORY) and "
                "GITHUB_API_URL, and that the token can read the repository"
            ) from None
        raise RemoteError(
            f"GitHub answered {status} for {where}: {_error_message(error)}"
        ) from None
    except RequestException as error:
        raise RemoteError(
            f"cannot reach the GitHub API at {api_url} ({type(error).__name__}) — check "
            "GITHUB_API_URL and the network"
        ) from None
    finally:
        client.close()
