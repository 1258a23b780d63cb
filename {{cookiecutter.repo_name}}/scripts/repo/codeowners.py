# Do not edit: the template owns this file (make template-update brings its changes).
"""``.github/CODEOWNERS`` rendered from the project manifests, and the check that it is fresh.

Ownership lives in the manifests; CODEOWNERS is derived from them so the two cannot drift (CI
runs ``codeowners --check``). GitHub applies the LAST matching rule, so the file goes from
general to specific: the platform team owns everything, then its shared folders, then each
project's manifest and pipelines (its owners plus the platform team), then the components a
project owns (its owners). Output is deterministic: projects sorted by name, owners in manifest
order, so two runs give identical bytes. GitHub compares owners ignoring case, so a rule never
names one owner twice in two spellings: the first spelling stays (a project's own, then the
platform team's).

Only PyYAML and the standard library are imported here: the post-generation hook calls
``write_codeowners`` with cookiecutter's Python, which may not have jsonschema.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from scripts.core.errors import CheckFailed, ConfigError
from scripts.core.fileio import write_atomically
from scripts.core.naming import OWNER, unique_owners
from scripts.repo.manifests import Project, load_projects
from scripts.repo.model import Repo

CODEOWNERS_PATH = ".github/CODEOWNERS"
PLATFORM_PATHS = ("/.github/", "/scripts/", "/schemas/", "/environments.yml", "/components/")
HEADER = """\
# GENERATED FILE, DO NOT EDIT. Ownership lives in the project manifests (projects/*.yml,
# "owners:") and in pyproject.toml ([tool.kfp-monorepo] platform-team). To change it, edit
# those and regenerate this file with `python -m scripts codeowners` (or `make codeowners`),
# then commit it. CI fails when this file differs from what the manifests say.
#
# GitHub applies the last matching rule: general rules first, specific ones after.
"""


def render_codeowners(platform_team: str, projects: Iterable[Project]) -> str:
    """The CODEOWNERS text for ``projects`` (any order; the output is sorted)."""
    _check_handle(platform_team, "pyproject.toml", "[tool.kfp-monorepo] platform-team")
    lines = [HEADER, "# The platform team: everything by default, and the shared tooling."]
    lines += [_rule(path, [platform_team]) for path in ("*", *PLATFORM_PATHS)]
    for project in sorted(projects, key=lambda p: p.name):
        for handle in project.owners:
            _check_handle(handle, project.manifest_path, "owner")
        reviewers = unique_owners([*project.owners, platform_team])
        lines += ["", f"# Project {project.name} ({project.manifest_path or 'no manifest'})"]
        manifest = project.manifest_path or f"projects/{project.name}.yml"
        lines.append(_rule(f"/{manifest}", reviewers))
        lines.append(_rule(f"/{project.pipelines_dir}/", reviewers))
        owners = unique_owners(project.owners)
        lines += [_rule(f"/components/{c}/", owners) for c in project.components]
    return "\n".join(lines) + "\n"


def _rule(path: str, owners: Iterable[str]) -> str:
    return f"{path} {' '.join(owners)}"


def _check_handle(handle: str, where: str, what: str) -> None:
    # An owner with a space or a newline would add rules of its own: refuse rather than write.
    if not OWNER.match(handle):
        raise ConfigError(
            f"{what} {handle!r} is not a CODEOWNERS owner — write '@user', '@org/team' or an "
            "email address",
            path=where,
        )


def codeowners_for(repo: Repo, *, validate: bool = True) -> str:
    """The CODEOWNERS text the repo's manifests and settings call for."""
    return render_codeowners(repo.settings.platform_team, load_projects(repo, validate=validate))


def write_codeowners(root: Path, *, validate: bool = False) -> Path:
    """Write ``.github/CODEOWNERS`` of the repo at ``root``; returns its path.

    ``validate=False`` by default because the post-generation hook calls this without
    jsonschema; the ``codeowners`` command validates first.
    """
    repo = Repo(root)
    path = repo.root / CODEOWNERS_PATH
    write_atomically(path, codeowners_for(repo, validate=validate), display_path=CODEOWNERS_PATH)
    return path


def stale_diff(repo: Repo) -> str:
    """A unified diff from the committed CODEOWNERS to the expected one; "" when fresh."""
    path = repo.root / CODEOWNERS_PATH
    try:
        current = path.read_text("utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise CheckFailed(
            f"cannot read the file ({error}) — regenerate it with `python -m scripts codeowners`",
            path=CODEOWNERS_PATH,
        ) from None
    expected = codeowners_for(repo)
    if current == expected:
        return ""
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            fromfile=f"a/{CODEOWNERS_PATH}",
            tofile=f"b/{CODEOWNERS_PATH} (expected)",
        )
    )
