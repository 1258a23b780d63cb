"""The JSON objects GitHub answers with (the fields PyGithub parses, and the ones a client of
these endpoints reads): users, repositories, issues, pull requests, comments, labels, reactions.

Two GitHub habits are kept: a pull request is also an issue, whose JSON carries a
``pull_request`` key (and an ``html_url`` under /pull/), and timestamps are UTC ISO 8601 with a Z.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .access import association
from .store import Comment, Issue, Label, Reaction, Store

REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def user_json(store: Store, login: str, *, bot: bool = False, kind: str = "") -> dict[str, Any]:
    user_id = store.user_id(login)
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_{user_id}",
        "type": kind or ("Bot" if bot else "User"),
        "site_admin": False,
        "url": f"{store.api_url}/users/{quote(login)}",
        "html_url": f"https://github.com/{quote(login)}",
    }


def repo_json(store: Store, owner: str = "", *, fork: bool = False) -> dict[str, Any]:
    """This repository, or (with `owner`) its fork under that user."""
    owner = owner or store.owner
    full = f"{owner}/{store.name}"
    is_ours = owner == store.owner
    return {
        "id": 1 if is_ours else 2 + store.user_id(owner),
        "node_id": f"R_{full}",
        "name": store.name,
        "full_name": full,
        "private": store.private,
        "visibility": "private" if store.private else "public",
        "fork": fork,
        "owner": user_json(store, owner, kind="Organization" if is_ours else "User"),
        "url": f"{store.api_url}/repos/{full}",
        "html_url": f"https://github.com/{full}",
        "default_branch": "main",
    }


def label_json(store: Store, label: Label) -> dict[str, Any]:
    return {
        "id": label.id,
        "node_id": f"LA_{label.id}",
        "url": f"{store.repo_url}/labels/{quote(label.name, safe='')}",
        "name": label.name,
        "color": label.color,
        "default": False,
        "description": label.description,
    }


def reaction_rollup(store: Store, url: str, comment_id: int | None) -> dict[str, Any]:
    mine = [r for r in store.reactions if r.comment_id == comment_id] if comment_id else []
    counts = {content: sum(1 for r in mine if r.content == content) for content in REACTIONS}
    return {"url": f"{url}/reactions", "total_count": len(mine), **counts}


def issue_json(store: Store, issue: Issue) -> dict[str, Any]:
    number, base = issue.number, store.repo_url
    url = f"{base}/issues/{number}"
    kind = "pull" if issue.pull else "issues"
    closed_by = issue.closed_by
    data = {
        "id": 500_000 + number,
        "node_id": f"I_{number}",
        "number": number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "locked": False,
        "user": user_json(store, issue.login, bot=issue.bot),
        "labels": [label_json(store, store.labels[key]) for key in issue.labels],
        "assignee": user_json(store, issue.assignees[0]) if issue.assignees else None,
        "assignees": [user_json(store, login) for login in issue.assignees],
        "milestone": None,
        "comments": store.comment_count(number),
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "closed_by": user_json(store, closed_by[0], bot=closed_by[1]) if closed_by else None,
        "author_association": association(store, issue.login, issue.bot),
        "url": url,
        "repository_url": base,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"https://github.com/{store.full_name}/{kind}/{number}",
        "reactions": reaction_rollup(store, url, None),
    }
    if issue.pull:
        pull_url = f"{base}/pulls/{number}"
        html = data["html_url"]
        data["draft"] = issue.pull.draft
        data["pull_request"] = {
            "url": pull_url,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": issue.pull.merged_at,
        }
    return data


def pull_json(store: Store, issue: Issue) -> dict[str, Any]:
    pull = issue.pull
    assert pull is not None
    number, base = issue.number, store.repo_url
    url = f"{base}/pulls/{number}"
    as_issue = issue_json(store, issue)
    keep = ("number", "title", "body", "state", "locked", "user", "labels", "assignee")
    keep += ("assignees", "milestone", "created_at", "updated_at", "closed_at")
    head_owner = pull.head_owner
    return {
        **{key: as_issue[key] for key in keep},
        "id": 700_000 + number,  # a pull request's id is not its issue's
        "node_id": f"PR_{number}",
        "author_association": as_issue["author_association"],
        "draft": pull.draft,
        "merged": pull.merged,
        "merged_at": pull.merged_at,
        "merge_commit_sha": None,
        "mergeable": None,
        "comments": as_issue["comments"],
        "commits": 1,
        "url": url,
        "html_url": as_issue["html_url"],
        "issue_url": f"{base}/issues/{number}",
        "comments_url": f"{base}/issues/{number}/comments",
        "commits_url": f"{url}/commits",
        "diff_url": f"{as_issue['html_url']}.diff",
        "patch_url": f"{as_issue['html_url']}.patch",
        "head": {
            "label": f"{head_owner}:{pull.head_ref}",
            "ref": pull.head_ref,
            "sha": pull.head_sha,
            "user": user_json(store, head_owner),
            "repo": repo_json(store, head_owner, fork=pull.fork),
        },
        "base": {
            "label": f"{store.owner}:{pull.base_ref}",
            "ref": pull.base_ref,
            "sha": f"{number:040x}"[::-1],
            "user": user_json(store, store.owner, kind="Organization"),
            "repo": repo_json(store),
        },
    }


def comment_json(store: Store, comment: Comment) -> dict[str, Any]:
    cid, number = comment.id, comment.issue
    issue = store.issues.get(number)
    kind = "pull" if issue is not None and issue.pull else "issues"
    url = f"{store.repo_url}/issues/comments/{cid}"
    return {
        "id": cid,
        "node_id": f"IC_{cid}",
        "url": url,
        "html_url": f"https://github.com/{store.full_name}/{kind}/{number}#issuecomment-{cid}",
        "issue_url": f"{store.repo_url}/issues/{number}",
        "body": comment.body,
        "user": user_json(store, comment.login, bot=comment.bot),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": association(store, comment.login, comment.bot, comment.association),
        "reactions": reaction_rollup(store, url, cid),
    }


def reaction_json(store: Store, reaction: Reaction) -> dict[str, Any]:
    return {
        "id": reaction.id,
        "node_id": f"REA_{reaction.id}",
        "user": user_json(store, reaction.login, bot=reaction.bot),
        "content": reaction.content,
        "created_at": reaction.created_at,
    }
