# Do not edit: the template owns this file (make template-update brings its changes).
"""The KFP version name a publish uses: ``<branch-slug>-<sha8>`` of what is being published.

In GitHub Actions the branch and commit come from the Actions context (on a pull request the PR
head from the event payload, since GITHUB_SHA is the temporary merge commit there); elsewhere
from the checkout. A name given with ``--version`` is checked by ``check_version_name``.
``pull_request_mark`` is the mark a pull request's publish leaves on its versions (``marks.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scripts.core.actions import ActionsContext, nested
from scripts.core.errors import ConfigError, UsageError
from scripts.core.naming import version_name
from scripts.detect.git import GitFailed, run_git
from scripts.targets.publish.marks import PrMark


def chosen_version_name(explicit: str | None, root: Path) -> str:
    """``--version NAME`` checked, else ``default_version_name``: what publish uploads, and
    what ``schedules`` pins where this commit published."""
    from scripts.core.naming import check_version_name

    return check_version_name(explicit) if explicit is not None else default_version_name(root)


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


def pull_request_mark(repository: str, environ: Mapping[str, str] | None = None) -> PrMark | None:
    """On a pull_request run in GitHub Actions, the mark for its versions (the PR number from
    the event, the head branch, GITHUB_REPOSITORY or else ``repository``); None elsewhere."""
    actions = ActionsContext.from_environ(environ)
    if not (actions.running and actions.is_pull_request and actions.head_ref):
        return None
    number = nested(actions.event(), "pull_request", "number")
    slug = actions.repository or repository
    if not isinstance(number, int) or not slug:
        return None
    return PrMark.for_branch(slug, number, actions.head_ref)


def _git(root: Path, *args: str) -> str:
    try:
        return run_git(root, *args).decode("utf-8", "replace").strip()
    except GitFailed as failure:
        reason = failure.stderr or "not a git repository"
        raise ConfigError(
            f"git {' '.join(args)} failed ({reason}) — run from a git checkout or pass "
            "--version NAME"
        ) from None
