# Do not edit: the template owns this file (make template-update brings its changes).
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

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.core.actions import ActionsContext, nested
from scripts.core.errors import ConfigError
from scripts.detect.git import FETCH_HINT, commit_exists

AUTO = "auto"  # --base auto
LOCAL_CANDIDATES = ("origin/main", "main")


@dataclass(frozen=True)
class BaseChoice:
    """A reference to diff from (through its merge base with HEAD), or None: compare with
    nothing, everything is affected. ``why`` is shown to people."""

    ref: str | None
    why: str


def choose_base(root: Path, base: str, env: Mapping[str, str] | None = None) -> BaseChoice:
    """What ``--base`` means: a git reference as given, or ``auto`` (read from ``env``)."""
    if base == AUTO:
        return resolve_auto_base(root, env)
    return BaseChoice(base, f"merge base with {base}")


def resolve_auto_base(root: Path, env: Mapping[str, str] | None = None) -> BaseChoice:
    actions = ActionsContext.from_environ(env)
    event = actions.event_name
    if not actions.running or not event:
        return _local_base(root)
    if actions.is_pull_request:
        return _pull_request_base(root, actions)
    if event == "push":
        return _push_base(root, actions)
    if event == "merge_group":
        base_sha = nested(actions.event(), "merge_group", "base_sha")
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


def _pull_request_base(root: Path, actions: ActionsContext) -> BaseChoice:
    branch = actions.base_ref
    payload: dict[str, Any] = {}
    if not branch or actions.event_path:
        payload = actions.event()
        branch = branch or str(nested(payload, "pull_request", "base", "ref") or "")
    for candidate in (f"origin/{branch}", branch) if branch else ():
        if commit_exists(root, candidate):
            return BaseChoice(
                candidate, f"merge base with {candidate} (pull request into {branch})"
            )
    base_sha = nested(payload, "pull_request", "base", "sha")
    if isinstance(base_sha, str) and commit_exists(root, base_sha):
        return BaseChoice(base_sha, f"merge base with {branch or 'the base'} at {base_sha[:8]}")
    raise ConfigError(
        f"--base auto: the pull request's base branch {branch or '(unknown)'!s} is not in this "
        f"clone — {FETCH_HINT}"
    )


def _push_base(root: Path, actions: ActionsContext) -> BaseChoice:
    payload = actions.event()
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
