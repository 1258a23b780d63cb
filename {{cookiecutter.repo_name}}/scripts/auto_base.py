"""What ``--base auto`` compares against, inside and outside GitHub Actions.

- pull request (``pull_request``, ``pull_request_target``): the base branch
  (``GITHUB_BASE_REF``, fetched as ``origin/<branch>``); the caller takes the merge base with
  HEAD, so only the pull request's own commits count;
- push: the push's ``before`` commit from ``$GITHUB_EVENT_PATH``. A new branch (``before`` all
  zeros or absent) has nothing to compare with, so everything counts as changed, and says so;
- merge queue (``merge_group``): the queue's ``base_sha``;
- any other event (``workflow_dispatch``, ``schedule``): nothing to compare with, so everything;
- outside Actions: ``origin/main``, else ``main``.

A base that should exist but is not in the clone is an error that tells the user to fetch the
history, never a silent "nothing changed".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scripts.changed import BaseChoice
from scripts.errors import ConfigError
from scripts.git import FETCH_HINT, commit_exists

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
LOCAL_CANDIDATES = ("origin/main", "main")


def resolve_auto_base(root: Path, env: Mapping[str, str]) -> BaseChoice:
    event = env.get("GITHUB_EVENT_NAME", "")
    if env.get("GITHUB_ACTIONS") != "true" or not event:
        return _local_base(root)
    if event in PULL_REQUEST_EVENTS:
        return _pull_request_base(root, env)
    if event == "push":
        return _push_base(root, env)
    if event == "merge_group":
        base_sha = _nested(_event_payload(env), "merge_group", "base_sha")
        return _existing(root, base_sha, f"merge queue base {str(base_sha)[:8]}")
    return BaseChoice(None, f"the {event} event has no base commit: every pipeline counts")


def _local_base(root: Path) -> BaseChoice:
    for candidate in LOCAL_CANDIDATES:
        if commit_exists(root, candidate):
            return BaseChoice(candidate, f"merge base with {candidate}")
    raise ConfigError(
        "--base auto: neither origin/main nor main exists in this clone — pass --base REF "
        "(the branch you will merge into)"
    )


def _pull_request_base(root: Path, env: Mapping[str, str]) -> BaseChoice:
    branch = env.get("GITHUB_BASE_REF") or ""
    payload: dict[str, Any] = {}
    if not branch or env.get("GITHUB_EVENT_PATH"):
        payload = _event_payload(env)
        branch = branch or str(_nested(payload, "pull_request", "base", "ref") or "")
    for candidate in (f"origin/{branch}", branch) if branch else ():
        if commit_exists(root, candidate):
            return BaseChoice(
                candidate, f"merge base with {candidate} (pull request into {branch})"
            )
    base_sha = _nested(payload, "pull_request", "base", "sha")
    if isinstance(base_sha, str) and commit_exists(root, base_sha):
        return BaseChoice(base_sha, f"merge base with {branch or 'the base'} at {base_sha[:8]}")
    raise ConfigError(
        f"--base auto: the pull request's base branch {branch or '(unknown)'!s} is not in this "
        f"clone — {FETCH_HINT}"
    )


def _push_base(root: Path, env: Mapping[str, str]) -> BaseChoice:
    payload = _event_payload(env)
    before = payload.get("before")
    if not isinstance(before, str) or not before.strip("0"):
        return BaseChoice(None, "the push creates the branch: every pipeline counts")
    if commit_exists(root, before):
        return BaseChoice(before, f"the commit before the push ({before[:8]})")
    if payload.get("forced"):
        return BaseChoice(
            None,
            f"a forced push whose previous commit {before[:8]} is gone: every pipeline counts",
        )
    raise ConfigError(
        f"--base auto: the commit before the push ({before}) is not in this clone — {FETCH_HINT}"
    )


def _existing(root: Path, sha: object, why: str) -> BaseChoice:
    if isinstance(sha, str) and sha and commit_exists(root, sha):
        return BaseChoice(sha, why)
    raise ConfigError(f"--base auto: {why} is not in this clone — {FETCH_HINT}")


def _event_payload(env: Mapping[str, str]) -> dict[str, Any]:
    """The webhook payload GitHub writes to ``$GITHUB_EVENT_PATH``."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise ConfigError(
            "--base auto: GITHUB_EVENT_PATH is not set — run inside GitHub Actions or pass "
            "--base REF"
        )
    try:
        payload = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(
            f"cannot read the GitHub event payload ({error}) — pass --base REF instead",
            path=path,
        ) from None
    if not isinstance(payload, dict):
        raise ConfigError("the GitHub event payload is not a JSON object", path=path)
    return payload


def pull_request_head_sha(env: Mapping[str, str]) -> str | None:
    """On a pull_request event, the PR head commit (GITHUB_SHA is the merge commit there)."""
    if not env.get("GITHUB_EVENT_NAME", "").startswith("pull_request"):
        return None
    sha = _nested(_event_payload(env), "pull_request", "head", "sha")
    return sha if isinstance(sha, str) and sha else None


def _nested(mapping: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping
