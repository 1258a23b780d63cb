# Do not edit: the template owns this file (make template-update brings its changes).
"""The mark publish leaves on what it uploads for a pull request, and the reading of it.

``cleanup`` deletes only what carries this mark, never by the ``<branch>-<sha8>`` name pattern
alone (a person may upload a version named like that by hand). The mark is written twice:

- the last line of the version's description, on every KFP server (a description cannot be
  edited after the upload, so nobody changes it by accident):
  ``kfp-monorepo-pr: <owner/repo>#<number> <branch-slug>``;
- version tags (KFP 2.17+, sent as the upload's ``tags`` query parameter, which older servers
  ignore): ``kfp-monorepo-repo``, ``kfp-monorepo-pr``, ``kfp-monorepo-branch``.

A pipeline publish created for a pull request (it did not exist before) gets the line
``kfp-monorepo-created-for: <owner/repo>#<number> <branch-slug>`` in its description: cleanup
may delete such a pipeline with its last version, and no other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from scripts.core.naming import slugify_branch

VERSION_PREFIX = "kfp-monorepo-pr"
PIPELINE_PREFIX = "kfp-monorepo-created-for"
TAG_REPO, TAG_PR, TAG_BRANCH = "kfp-monorepo-repo", "kfp-monorepo-pr", "kfp-monorepo-branch"
TAG_VALUE_MAX = 63  # KFP's limit on a tag value
_LINE = r"^{prefix}: (?P<repo>[^\s#]+)#(?P<number>[0-9]+) (?P<branch>[a-z0-9-]*)$"
_VERSION_LINE = re.compile(_LINE.format(prefix=VERSION_PREFIX), re.M)
_PIPELINE_LINE = re.compile(_LINE.format(prefix=PIPELINE_PREFIX), re.M)


@dataclass(frozen=True)
class PrMark:
    """Which pull request of which repository uploaded something."""

    repository: str  # owner/name
    number: int
    branch: str  # the branch slug, as in the version name

    @classmethod
    def for_branch(cls, repository: str, number: int, branch: str) -> PrMark:
        return cls(repository, number, slugify_branch(branch))

    def _line(self, prefix: str) -> str:
        return f"{prefix}: {self.repository}#{self.number} {self.branch}"

    def version_description(self) -> str:
        return (
            f"Uploaded by CI for pull request #{self.number} of {self.repository}; "
            "`python -m scripts cleanup` deletes it once the pull request is closed.\n"
            + self._line(VERSION_PREFIX)
        )

    def pipeline_line(self) -> str:
        return self._line(PIPELINE_PREFIX)

    def tags(self) -> dict[str, str]:
        """The version tags; values are cut to KFP's limit (the description is the full mark)."""
        return {
            TAG_REPO: self.repository[:TAG_VALUE_MAX],
            TAG_PR: str(self.number),
            TAG_BRANCH: self.branch[:TAG_VALUE_MAX],
        }


def _from_line(pattern: re.Pattern[str], text: str | None, repository: str) -> PrMark | None:
    for match in pattern.finditer(text or ""):
        if match["repo"].lower() == repository.lower():
            return PrMark(match["repo"], int(match["number"]), match["branch"])
    return None


def version_mark(
    description: str | None, tags: Mapping[str, str] | None, repository: str
) -> PrMark | None:
    """This repository's pull-request mark on a version (description first, then tags), or
    None: a version without it (main's, one uploaded by hand, another repo's) is never ours."""
    found = _from_line(_VERSION_LINE, description, repository)
    if found is not None:
        return found
    tags = tags or {}
    number = tags.get(TAG_PR, "")
    if tags.get(TAG_REPO, "").lower() == repository[:TAG_VALUE_MAX].lower() and number.isdigit():
        return PrMark(repository, int(number), tags.get(TAG_BRANCH, ""))
    return None


def pipeline_mark(description: str | None, repository: str) -> PrMark | None:
    """The pull request a pipeline was created for, when publish created it for one."""
    return _from_line(_PIPELINE_LINE, description, repository)
