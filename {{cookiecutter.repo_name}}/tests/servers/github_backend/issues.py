"""Issues: ``POST``/``GET /repos/{o}/{r}/issues`` and ``GET``/``PATCH .../issues/{n}``.

What GitHub does and clients trip on, kept here:
- the list holds pull requests too (each with a ``pull_request`` key); by default only open
  ones, newest first, 30 a page; ``labels`` is a comma list that must ALL be on an issue;
  ``since`` keeps issues updated at or after it; a bad ``state``/``sort``/``direction``/``since``
  is a 422;
- creating one needs a ``title`` (a string or a number); labels that do not exist are created;
  labels and assignees from a caller without push access are dropped without a word; an
  assignee who cannot be assigned is a 422 ``invalid``; the answer is 201 with ``Location``;
- closing sets ``closed_at``, ``closed_by`` and ``state_reason`` (``completed`` unless given:
  ``not_planned``, ``duplicate``); reopening sets ``state_reason`` to ``reopened``; ``labels``
  and ``assignees`` in a PATCH replace the issue's.
"""

from __future__ import annotations

from typing import Any

from .access import access_of, can_push
from .errors import DOCS, custom, invalid, missing_field, validation_failed
from .labels import attach, label_names, require_issue
from .render import issue_json
from .request import Call, paginate
from .store import Issue

ISSUES_DOCS = f"{DOCS}/issues/issues"
MAX_BODY = 65536  # characters, as for comments
STATE_REASONS = ("completed", "not_planned", "duplicate", "reopened")


def _title(data: dict[str, Any], *, required: bool) -> str | None:
    title = data.get("title")
    if title is None and not required and "title" not in data:
        return None
    if isinstance(title, int) and not isinstance(title, bool):
        title = str(title)
    if not isinstance(title, str) or not title.strip():
        raise validation_failed(missing_field("Issue", "title"), docs=ISSUES_DOCS)
    return title


def _body(data: dict[str, Any]) -> str | None:
    body = data.get("body")
    if body is not None and not isinstance(body, str):
        raise validation_failed(invalid("Issue", "body", body), docs=ISSUES_DOCS)
    if body is not None and len(body) > MAX_BODY:
        message = f"body is too long (maximum is {MAX_BODY} characters)"
        raise validation_failed(custom("Issue", "body", message), docs=ISSUES_DOCS)
    return body


def _assignees(call: Call, data: dict[str, Any], issue: Issue | None) -> list[str] | None:
    """The assignees the body names (None: it names none), each checked: GitHub assigns users
    with access to the repository and people who commented on the issue."""
    if "assignees" not in data and "assignee" not in data:
        return None
    value = data.get("assignees", [])
    if data.get("assignee"):
        value = [data["assignee"], *(value or [])]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation_failed(invalid("Issue", "assignees", value), docs=ISSUES_DOCS)
    store = call.store
    commenters = {
        c.login.lower() for c in store.comments.values() if issue and c.issue == issue.number
    }
    logins: list[str] = []
    for login in value:
        access = access_of(store, login)
        allowed = access is not None and access.base != "none"
        if not allowed and login.lower() not in commenters:
            raise validation_failed(invalid("Issue", "assignees", login), docs=ISSUES_DOCS)
        if login.lower() not in (known.lower() for known in logins):
            logins.append(store.users.get(login.lower(), login))
    return logins[:10]


def create_issue(call: Call) -> tuple[int, dict[str, str], Any]:
    data = call.object()
    title = _title(data, required=True)
    body = _body(data)
    names = label_names(data.get("labels", []), "Issue")
    store, token = call.store, call.token
    push = can_push(store, token)
    assignees = (_assignees(call, data, None) or []) if push else []
    if not push:
        names = []  # labels and assignees: "silently dropped otherwise", says GitHub
    now = store.now()
    issue = Issue(store.next_number(), title or "", body, token.login, token.bot, now, now)
    attach(call, issue, names, replace=True)
    issue.assignees = assignees
    store.issues[issue.number] = issue
    store.know(token.login)
    answer = issue_json(store, issue)
    return 201, {"Location": answer["url"]}, answer


def get_issue(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    return 200, {}, issue_json(call.store, require_issue(call, int(number)))


def list_issues(call: Call) -> tuple[int, dict[str, str], Any]:
    state = call.choice("state", ("open", "closed", "all"), "Issue")
    sort = call.choice("sort", ("created", "updated", "comments"), "Issue")
    direction = call.choice("direction", ("desc", "asc"), "Issue")
    since = call.since("Issue")
    rows = [i for i in call.store.issues.values() if state in ("all", i.state)]
    rows = [i for i in rows if _matches(call, i) and (since is None or i.updated_at >= since)]
    store = call.store

    def key(issue: Issue) -> tuple[Any, int]:
        value: Any = {
            "created": issue.created_at,
            "updated": issue.updated_at,
            "comments": store.comment_count(issue.number),
        }[sort]
        return value, issue.number

    rows.sort(key=key, reverse=direction == "desc")
    headers, chunk = paginate(call, rows, f"{store.repo_url}/issues")
    return 200, headers, [issue_json(store, issue) for issue in chunk]


def _matches(call: Call, issue: Issue) -> bool:
    wanted = [n.strip().lower() for n in (call.param("labels") or "").split(",") if n.strip()]
    if not all(name in issue.labels for name in wanted):
        return False
    creator = call.param("creator")
    if creator is not None and issue.login.lower() != creator.lower():
        return False
    assignee = call.param("assignee")
    assigned = [login.lower() for login in issue.assignees]
    if (assignee == "none" and assigned) or (assignee == "*" and not assigned):
        return False
    if assignee not in (None, "none", "*") and assignee.lower() not in assigned:
        return False
    mentioned = call.param("mentioned")
    if mentioned is not None and f"@{mentioned}".lower() not in (issue.body or "").lower():
        return False
    # This server has no milestones: "none" keeps every issue, any other value none.
    return call.param("milestone") in (None, "none")


def edit_issue(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    issue = require_issue(call, int(number))
    data = call.object()
    store = call.store
    title = _title(data, required=False)
    body = _body(data)
    state = data.get("state", issue.state)
    reason = data.get("state_reason")
    if state not in ("open", "closed"):
        raise validation_failed(invalid("Issue", "state", state), docs=ISSUES_DOCS)
    if reason is not None and reason not in STATE_REASONS:
        raise validation_failed(invalid("Issue", "state_reason", reason), docs=ISSUES_DOCS)
    push = can_push(store, call.token)
    assignees = _assignees(call, data, issue) if push else None
    names = label_names(data["labels"], "Issue") if "labels" in data else None
    if state == "open" and issue.state == "closed" and issue.pull and issue.pull.merged:
        message = "state cannot be changed. The pull request cannot be reopened."
        raise validation_failed(custom("PullRequest", "state", message), docs=ISSUES_DOCS)
    if title is not None:
        issue.title = title
    if "body" in data:
        issue.body = body
    if push:
        if names is not None:
            attach(call, issue, names, replace=True)
        if assignees is not None:
            issue.assignees = assignees
    now = store.now()
    _change_state(call, issue, state, reason, now)
    issue.updated_at = now
    return 200, {}, issue_json(store, issue)


def _change_state(call: Call, issue: Issue, state: str, reason: str | None, now: str) -> None:
    is_pull = issue.pull is not None  # a pull request has no state_reason
    if state == "closed" and issue.state == "open":
        issue.state, issue.closed_at = "closed", now
        issue.closed_by = (call.token.login, call.token.bot)
        issue.state_reason = None if is_pull else (reason or "completed")
    elif state == "open" and issue.state == "closed":
        issue.state, issue.closed_at, issue.closed_by = "open", None, None
        issue.state_reason = None if is_pull else "reopened"
    elif reason is not None and not is_pull:
        issue.state_reason = reason
