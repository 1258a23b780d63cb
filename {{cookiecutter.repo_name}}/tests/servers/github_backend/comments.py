"""Issue comments (a pull request's conversation is its issue's): ``GET``/``POST
/issues/{n}/comments`` and ``GET``/``PATCH /issues/comments/{id}``.

Oldest first, paginated; ``since`` keeps comments updated at or after it. An empty body or one
over 65,536 characters is a 422 "Validation Failed". Every comment carries the author's
``author_association`` (see access.py).
"""

from __future__ import annotations

from typing import Any

from .errors import DOCS, bad_json, custom, missing_field, not_found, validation_failed
from .labels import require_issue
from .render import comment_json
from .request import Call, paginate
from .store import Comment, Store

MAX_BODY = 65536  # GitHub's limit for a comment body, in characters
COMMENTS_DOCS = f"{DOCS}/issues/comments"


def comment_body(raw_data: Any) -> str:
    if not isinstance(raw_data, dict):
        raise bad_json()
    text = raw_data.get("body")
    if not isinstance(text, str) or not text:
        raise validation_failed(missing_field("IssueComment", "body"), docs=COMMENTS_DOCS)
    if len(text) > MAX_BODY:
        message = f"body is too long (maximum is {MAX_BODY} characters)"
        raise validation_failed(custom("IssueComment", "body", message), docs=COMMENTS_DOCS)
    return text


def new_comment(
    store: Store, number: int, body: str, login: str, bot: bool, association: str | None = None
) -> Comment:
    now = store.now()
    comment = Comment(store.new_id(), number, body, login, bot, now, now, association)
    store.comments[comment.id] = comment
    store.know(login)
    return comment


def require_comment(call: Call, comment_id: str) -> Comment:
    comment = call.store.comments.get(int(comment_id))
    if comment is None:
        raise not_found(f"{COMMENTS_DOCS}#get-an-issue-comment")
    return comment


def list_comments(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    issue = require_issue(call, int(number))
    since = call.since("IssueComment")
    rows = [c for c in call.store.comments.values() if c.issue == issue.number]
    rows = [c for c in rows if since is None or c.updated_at >= since]
    url = f"{call.store.repo_url}/issues/{issue.number}/comments"
    headers, chunk = paginate(call, rows, url)
    return 200, headers, [comment_json(call.store, c) for c in chunk]


def create_comment(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    issue = require_issue(call, int(number))
    text = comment_body(call.json())
    token = call.token
    comment = new_comment(call.store, issue.number, text, token.login, token.bot)
    issue.updated_at = comment.created_at
    answer = comment_json(call.store, comment)
    return 201, {"Location": answer["url"]}, answer


def get_comment(call: Call, comment_id: str) -> tuple[int, dict[str, str], Any]:
    return 200, {}, comment_json(call.store, require_comment(call, comment_id))


def edit_comment(call: Call, comment_id: str) -> tuple[int, dict[str, str], Any]:
    comment = require_comment(call, comment_id)
    comment.body = comment_body(call.json())
    comment.updated_at = call.store.now()
    return 200, {}, comment_json(call.store, comment)
