# Do not edit: the template owns this file (make template-update brings its changes).
"""The ``issue_comment`` webhook payload a pull-request command arrives in.

Read from the file GitHub writes to ``$GITHUB_EVENT_PATH`` (the workflow passes its path, never
the comment's text: that text is untrusted and only ever read here, as data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.core.actions import nested
from scripts.core.errors import ConfigError


@dataclass(frozen=True)
class CommentEvent:
    action: str
    repository: str  # owner/name
    number: int  # the issue or pull request
    is_pull_request: bool  # an issue's comments arrive as the same event
    comment_id: int
    body: str
    login: str  # the commenter


def read_event(path: Path) -> CommentEvent:
    """The payload's fields we use; a file that is no issue_comment payload is a ConfigError."""
    try:
        payload = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"cannot read the event payload ({error})", path=str(path)) from None
    fields = _fields(payload)
    if fields is None:
        raise ConfigError(
            "not an issue_comment event payload (needs action, repository.full_name, "
            "issue.number, comment.id, comment.body and comment.user.login) — pass the file "
            "GitHub wrote to $GITHUB_EVENT_PATH",
            path=str(path),
        )
    return fields


def _fields(payload: Any) -> CommentEvent | None:
    values = (
        nested(payload, "action"),
        nested(payload, "repository", "full_name"),
        nested(payload, "issue", "number"),
        nested(payload, "comment", "id"),
        nested(payload, "comment", "body"),
        nested(payload, "comment", "user", "login"),
    )
    action, repository, number, comment_id, body, login = values
    texts_ok = all(isinstance(v, str) for v in (action, repository, body, login))
    ints_ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (number, comment_id))
    if not (texts_ok and ints_ok):
        return None
    is_pull_request = isinstance(nested(payload, "issue", "pull_request"), dict)
    return CommentEvent(action, repository, number, is_pull_request, comment_id, body, login)
