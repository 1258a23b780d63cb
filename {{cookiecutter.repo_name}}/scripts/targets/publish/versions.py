"""The KFP version name a publish uses: ``<branch-slug>-<sha8>`` of what is being published.

In GitHub Actions the branch and commit come from the Actions context (on a pull request the PR
head from the event payload, since GITHUB_SHA is the temporary merge commit there); elsewhere
from the checkout. A name given with ``--version`` is checked by ``check_version_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scripts.core.actions import ActionsContext
from scripts.core.errors import ConfigError, UsageError
from scripts.core.naming import version_name
from scripts.detect.git import GitFailed, run_git


def default_version_name(root: Path, environ: Mapping[str, str] | None = None) -> str:
    """``<branch-slug>-<sha8>``: in GitHub Actions from GITHUB_HEAD_REF (pull requests) or
    GITHUB_REF_NAME and the commit; elsewhere from the checkout."""
    actions = ActionsContext.from_environ(environ)
    if actions.running and actions.sha:
        branch = actions.head_ref or actions.ref_name
        if branch:
            return version_name(branch, actions.pull_request_head_sha() or actions.sha)
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    if branch == "HEAD":
        raise UsageError(
            "HEAD is detached, so there is no branch to name the version after — "
            "check out a branch or pass --version NAME"
        )
    return version_name(branch, _git(root, "rev-parse", "HEAD"))


def _git(root: Path, *args: str) -> str:
    try:
        return run_git(root, *args).decode("utf-8", "replace").strip()
    except GitFailed as failure:
        reason = failure.stderr or "not a git repository"
        raise ConfigError(
            f"git {' '.join(args)} failed ({reason}) — run from a git checkout or pass "
            "--version NAME"
        ) from None
