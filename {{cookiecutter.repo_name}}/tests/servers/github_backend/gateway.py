"""Everything between the socket and an endpoint: the path prefix, routing, the token check,
injected faults and the request log.

No token is 401 "Requires authentication", an unknown one 401 "Bad credentials"; a token that
may not write gets 403 "Resource not accessible by integration" (or "by personal access
token") on every write. Faults queued by ``fail_next`` answer the next matching requests
before anything else; every request is logged with its login (never its token) and body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import comments, issues, labels, reactions, repository
from .errors import DOCS, HttpError, not_found
from .request import Call, body_record
from .store import RecordedRequest, Store, Token

Answer = tuple[int, dict[str, str], Any]
Handler = Callable[..., Answer]

# (method, path pattern under /repos/{owner}/{repo} or, starting with "^", from the root, handler)
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "^/user", repository.get_user),
    ("GET", "", repository.get_repo),
    ("GET", "/issues", issues.list_issues),
    ("POST", "/issues", issues.create_issue),
    ("GET", r"/issues/(\d+)", issues.get_issue),
    ("PATCH", r"/issues/(\d+)", issues.edit_issue),
    ("GET", r"/issues/(\d+)/comments", comments.list_comments),
    ("POST", r"/issues/(\d+)/comments", comments.create_comment),
    ("GET", r"/issues/comments/(\d+)", comments.get_comment),
    ("PATCH", r"/issues/comments/(\d+)", comments.edit_comment),
    ("GET", r"/issues/comments/(\d+)/reactions", reactions.list_reactions),
    ("POST", r"/issues/comments/(\d+)/reactions", reactions.create_reaction),
    ("GET", r"/issues/(\d+)/labels", labels.list_issue_labels),
    ("POST", r"/issues/(\d+)/labels", labels.add_issue_labels),
    ("DELETE", r"/issues/(\d+)/labels/([^/]+)", labels.remove_issue_label),
    ("GET", "/labels", labels.list_labels),
    ("POST", "/labels", labels.create_label),
    ("GET", "/labels/([^/]+)", labels.get_label),
    ("GET", "/pulls", repository.list_pulls),
    ("GET", r"/pulls/(\d+)", repository.get_pull),
    ("GET", "/collaborators/([^/]+)/permission", repository.get_permission),
]


def handle(
    store: Store, prefix: str, method: str, target: str, headers: dict[str, str], raw: bytes
) -> Answer:
    """Answer one request (the caller holds the server's lock) and log it."""
    split = urlsplit(target)
    path = split.path.rstrip("/") or "/"
    query = parse_qs(split.query)
    inside = path == prefix or path.startswith(prefix + "/")
    if inside:
        path = path[len(prefix) :] or "/"
    token = _token(store, headers.get("authorization", ""))
    try:
        if not inside:
            raise not_found()
        _inject_fault(store, method, path)
        answer = _route(store, method, path, query, token, raw)
    except HttpError as error:
        answer = error.status, error.headers, error.body
    login = token.login if isinstance(token, Token) else None
    record = RecordedRequest(method, path, query, login, answer[0], body_record(raw))
    store.requests.append(record)
    return answer


def _inject_fault(store: Store, method: str, path: str) -> None:
    for fault in store.faults:
        if fault.method not in (None, method):
            continue
        if fault.path is not None and not re.search(fault.path, path):
            continue
        store.faults.remove(fault)
        raise HttpError(fault.status, fault.message, fault.docs, headers=fault.headers)


def _route(
    store: Store,
    method: str,
    path: str,
    query: dict[str, list[str]],
    token: Token | str | None,
    raw: bytes,
) -> Answer:
    # Owner and repository names are case-insensitive on GitHub; the rest of a path is not.
    repo = "(?i:" + re.escape(f"/repos/{store.owner}/{store.name}") + ")"
    for route_method, pattern, handler in ROUTES:
        regex = pattern[1:] if pattern.startswith("^") else repo + pattern
        match = re.fullmatch(regex, path)
        if match is None or route_method != method:
            continue
        if token is None:
            raise HttpError(401, "Requires authentication")
        if not isinstance(token, Token):
            raise HttpError(401, "Bad credentials")
        if method != "GET" and not token.can_write:
            who = "integration" if token.bot else "personal access token"
            raise HttpError(403, f"Resource not accessible by {who}", _docs(handler))
        call = Call(store, method, path, query, token, raw)
        return handler(call, *match.groups())
    raise not_found()


DOCS_PAGES = {
    "comments": "issues/comments",
    "issues": "issues/issues",
    "labels": "issues/labels",
    "reactions": "reactions/reactions",
    "repository": "repos/repos",
}


def _docs(handler: Handler) -> str:
    return f"{DOCS}/{DOCS_PAGES[handler.__module__.rsplit('.', 1)[-1]]}"


def _token(store: Store, authorization: str) -> Token | str | None:
    """The caller's token, "bad" for an unknown one, None when none is sent."""
    scheme, _, value = authorization.strip().partition(" ")
    if not value or scheme.lower() not in ("token", "bearer"):
        return None
    return store.tokens.get(value.strip(), "bad")
