"""The repository and the people around it: ``GET /user``, ``GET /repos/{o}/{r}``, pull requests
(``GET /pulls/{n}`` and the list) and ``GET /collaborators/{username}/permission``.

``GET /user`` with an installation token (``GITHUB_TOKEN``) is a 403 "Resource not accessible by
integration", as on GitHub. A pull request from a fork shows the fork in ``head.repo``
(``full_name`` under the fork's owner, ``fork: true``). The permission call answers for a user
GitHub knows (see access.py for ``permission`` against ``role_name``) and 404 for a login that is
no user.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .access import LEGACY_PERMISSION, permission_of, permissions_hash
from .errors import DOCS, HttpError, not_found
from .render import pull_json, repo_json, user_json
from .request import Call, paginate
from .store import Issue

PULLS_DOCS = f"{DOCS}/pulls/pulls"


def get_user(call: Call) -> tuple[int, dict[str, str], Any]:
    token = call.token
    if token.bot:
        docs = f"{DOCS}/users/users#get-the-authenticated-user"
        raise HttpError(403, "Resource not accessible by integration", docs)
    return 200, {}, user_json(call.store, token.login)


def get_repo(call: Call) -> tuple[int, dict[str, str], Any]:
    return 200, {}, repo_json(call.store)


def get_pull(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    issue = call.store.issues.get(int(number))
    if issue is None or issue.pull is None:  # an issue's number is no pull request
        raise not_found(f"{PULLS_DOCS}#get-a-pull-request")
    return 200, {}, pull_json(call.store, issue)


def list_pulls(call: Call) -> tuple[int, dict[str, str], Any]:
    """``state`` (open), ``head`` (``owner:branch``), ``base``, ``sort`` (created; newest first
    for created, oldest first otherwise unless ``direction`` says), paginated."""
    state = call.choice("state", ("open", "closed", "all"), "PullRequest")
    sort = call.choice("sort", ("created", "updated", "popularity", "long-running"), "PullRequest")
    default_direction = "desc" if sort == "created" else "asc"
    direction = call.param("direction") or default_direction
    if direction not in ("asc", "desc"):
        call.choice("direction", ("desc", "asc"), "PullRequest")
    head, base = call.param("head"), call.param("base")
    rows: list[Issue] = []
    for issue in call.store.issues.values():
        pull = issue.pull
        if pull is None or state not in ("all", issue.state):
            continue
        if head is not None and head.lower() != f"{pull.head_owner}:{pull.head_ref}".lower():
            continue
        if base is not None and base != pull.base_ref:
            continue
        rows.append(issue)
    field = "updated_at" if sort in ("updated", "long-running") else "created_at"
    rows.sort(key=lambda i: (getattr(i, field), i.number), reverse=direction == "desc")
    headers, chunk = paginate(call, rows, f"{call.store.repo_url}/pulls")
    return 200, headers, [pull_json(call.store, issue) for issue in chunk]


def get_permission(call: Call, username: str) -> tuple[int, dict[str, str], Any]:
    store = call.store
    login = store.users.get(unquote(username).lower())
    if login is None:
        docs = f"{DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user"
        raise not_found(docs)
    access = permission_of(store, login)
    user = user_json(store, login) | {
        "permissions": permissions_hash(access.base),
        "role_name": access.role,
    }
    body = {"permission": LEGACY_PERMISSION[access.base], "role_name": access.role, "user": user}
    return 200, {}, body
