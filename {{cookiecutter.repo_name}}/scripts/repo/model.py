# Do not edit: the template owns this file (make template-update brings its changes).
"""The monorepo model: where things are and what they are called.

Everything here is read from the file system only (no git, no kfp, no YAML parsing of
manifests), so every command can afford it. Names follow the table in the repo's README:

- project: ``projects/<project>.yml`` and ``pipelines/<project>/``
- pipeline: a module ``pipelines/<project>/<pipeline>.py``; modules starting with ``_`` are helpers
- KFP pipeline name ``<project>-<pipeline>`` (``_`` -> ``-``), display name ``<project>/<pipeline>``
- KFP version name ``<branch-slug>-<sha8>``, at most 63 characters (a DNS-1123 label)
- component: ``components/<name>/component.yaml``
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from scripts.core.errors import ConfigError, UsageError
from scripts.core.naming import kfp_pipeline_name

SETTINGS_TABLE = "kfp-monorepo"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True, order=True)
class Pipeline:
    """One pipeline module. Ordered by path, which is how every listing sorts them."""

    path: str  # relative to the repo root, POSIX separators
    project: str
    name: str

    @property
    def selector(self) -> str:
        return f"{self.project}/{self.name}"

    @property
    def kfp_name(self) -> str:
        return kfp_pipeline_name(self.project, self.name)

    @property
    def display_name(self) -> str:
        return f"{self.project}/{self.name}"


@dataclass(frozen=True)
class Settings:
    """The ``[tool.kfp-monorepo]`` table of pyproject.toml."""

    components_package: str
    platform_team: str
    github_repository: str


def settings_table(pyproject: dict[str, Any]) -> dict[str, Any]:
    """The ``[tool.kfp-monorepo]`` table of a parsed pyproject.toml; a missing one (or one
    that is no table) is the ConfigError of ``settings_error``."""
    tool = pyproject.get("tool")
    table = tool.get(SETTINGS_TABLE) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise settings_error(repr(SETTINGS_TABLE))
    return table


def settings_error(detail: str) -> ConfigError:
    """The one error for settings that cannot be read at all (exit 2): ``detail`` says why."""
    return ConfigError(
        f"cannot read [tool.{SETTINGS_TABLE}] ({detail}) — restore components-package "
        "and platform-team in that table",
        path=PYPROJECT,
    )


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` whose pyproject.toml has our settings table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and f"[tool.{SETTINGS_TABLE}]" in candidate.read_text("utf-8"):
            return folder
    raise ConfigError(
        f"{here}: not inside the monorepo — run from the repository or pass --repo PATH"
    )


class Repo:
    """The monorepo at ``root``: projects, pipelines and components found on disk."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    @classmethod
    def discover(cls, path: Path | str | None = None) -> Repo:
        return cls(find_repo_root(Path(path) if path else None))

    def relative(self, path: Path) -> str:
        """``path`` as the repo shows it. Symbolic links are not followed: a manifest that links
        outside the repo (or nowhere) is still named by its own place in the repo."""
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(self.root):
            return absolute.relative_to(self.root).as_posix()
        return path.resolve().relative_to(self.root).as_posix()  # reached through a linked cwd

    @cached_property
    def settings(self) -> Settings:
        """The settings table; unreadable, or without the two required keys, is a ConfigError.
        ``validate`` checks every value of it (scripts/repo/settings.py)."""
        try:
            text = (self.root / PYPROJECT).read_text("utf-8")
            table = settings_table(tomllib.loads(text))
            return Settings(
                components_package=table["components-package"],
                platform_team=table["platform-team"],
                github_repository=table.get("github-repository", ""),
            )
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
            raise settings_error(str(error)) from None

    @property
    def projects_dir(self) -> Path:
        return self.root / "projects"

    @property
    def pipelines_dir(self) -> Path:
        return self.root / "pipelines"

    @property
    def components_dir(self) -> Path:
        return self.root / "components"

    def manifest_paths(self) -> list[Path]:
        """Every project manifest (``projects/*.yml``), sorted. Hidden files (an editor's lock
        or swap file) are not manifests, as hidden folders are not projects or components."""
        if not self.projects_dir.is_dir():
            return []
        return sorted(
            p
            for p in self.projects_dir.iterdir()
            if p.suffix in (".yml", ".yaml") and not p.name.startswith(".")
        )

    def project_names(self) -> list[str]:
        return [p.stem for p in self.manifest_paths()]

    def pipeline_dirs(self) -> list[Path]:
        if not self.pipelines_dir.is_dir():
            return []
        return sorted(
            p
            for p in self.pipelines_dir.iterdir()
            if p.is_dir() and not p.name.startswith((".", "_"))
        )

    def pipelines(self) -> list[Pipeline]:
        """Every pipeline module in the repo, sorted by path."""
        found = []
        for folder in self.pipeline_dirs():
            for module in sorted(folder.glob("*.py")):
                pipeline = pipeline_from_path(module.relative_to(self.root).as_posix())
                if pipeline is not None:
                    found.append(pipeline)
        return sorted(found)

    def pipeline_names_by_project(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for pipeline in self.pipelines():
            found.setdefault(pipeline.project, []).append(pipeline.name)
        return found

    def component_dirs(self) -> list[Path]:
        """Folders under components/ that hold a component.yaml, sorted."""
        if not self.components_dir.is_dir():
            return []
        return sorted(p.parent for p in self.components_dir.glob("*/component.yaml"))

    def component_names(self) -> list[str]:
        return [p.name for p in self.component_dirs()]

    def select(self, selectors: list[str]) -> list[Pipeline]:
        """Pipelines named by ``<project>/<pipeline>`` or ``<project>`` selectors.

        Every selector must match something: a typo is an error, not an empty build.
        """
        pipelines = self.pipelines()
        chosen: set[Pipeline] = set()
        for selector in selectors:
            project, _, name = selector.strip("/").partition("/")
            matches = [
                p for p in pipelines if p.project == project and (not name or p.name == name)
            ]
            if not matches:
                known = ", ".join(p.selector for p in pipelines) or "none"
                raise UsageError(
                    f"selector {selector!r} matches no pipeline — use <project>/<pipeline> "
                    f"or <project>; known pipelines: {known}"
                )
            chosen.update(matches)
        return sorted(chosen)


def pipeline_from_path(relative_path: str) -> Pipeline | None:
    """The pipeline a repo-relative path is, or None for anything else (helpers included)."""
    parts = relative_path.split("/")
    if len(parts) != 3 or parts[0] != "pipelines" or not parts[2].endswith(".py"):
        return None
    project, stem = parts[1], parts[2][: -len(".py")]
    if stem.startswith("_") or project.startswith((".", "_")):
        return None
    return Pipeline(path=relative_path, project=project, name=stem)
