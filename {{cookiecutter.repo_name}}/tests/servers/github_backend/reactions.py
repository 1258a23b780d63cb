"""Reactions on issue comments: ``GET``/``POST /issues/comments/{id}/reactions``.

GitHub answers 201 with the new reaction, or 200 with the existing one when the same user had
already reacted with that content (so a retried "eyes" adds nothing). The content is one of
``+1 -1 laugh confused heart hooray rocket eyes``; anything else is a 422. The list filters
on ``content`` and is paginated, oldest first.
"""

from __future__ import annotations

from typing import Any

from .comments import require_comment
from .errors import DOCS, invalid, missing_field, validation_failed
from .render import REACTIONS, reaction_json
from .request import Call, paginate
from .store import Reaction

REACTIONS_DOCS = f"{DOCS}/reactions/reactions"


def create_reaction(call: Call, comment_id: str) -> tuple[int, dict[str, str], Any]:
    comment = require_comment(call, comment_id)
    data = call.object()
    docs = f"{REACTIONS_DOCS}#create-reaction-for-an-issue-comment"
    if "content" not in data:
        raise validation_failed(missing_field("Reaction", "content"), docs=docs)
    content = data["content"]
    if content not in REACTIONS:
        raise validation_failed(invalid("Reaction", "content", content), docs=docs)
    store, token = call.store, call.token
    for reaction in store.reactions:
        same_user = reaction.login.lower() == token.login.lower()
        if reaction.comment_id == comment.id and same_user and reaction.content == content:
            return 200, {}, reaction_json(store, reaction)
    reaction = Reaction(store.new_id(), comment.id, token.login, token.bot, content, store.now())
    store.reactions.append(reaction)
    return 201, {}, reaction_json(store, reaction)


def list_reactions(call: Call, comment_id: str) -> tuple[int, dict[str, str], Any]:
    comment = require_comment(call, comment_id)
    content = call.param("content")
    if content is not None and content not in REACTIONS:
        docs = f"{REACTIONS_DOCS}#list-reactions-for-an-issue-comment"
        raise validation_failed(invalid("Reaction", "content", content), docs=docs)
    rows = [
        r
        for r in call.store.reactions
        if r.comment_id == comment.id and content in (None, r.content)
    ]
    url = f"{call.store.repo_url}/issues/comments/{comment.id}/reactions"
    headers, chunk = paginate(call, rows, url)
    return 200, headers, [reaction_json(call.store, r) for r in chunk]
