"""Real git repositories in temporary folders, with a fixed author and clock.

Fixed identities and dates make commit SHAs reproducible, so a test that fails shows the same
SHAs every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


class GitRepo:
    """A git repository in ``path`` with helpers to write files and commit them."""

    def __init__(self, path: Path):
        self.path = path
        self._tick = 0

    def _env(self) -> dict[str, str]:
        # Each commit one minute after the previous: distinct, reproducible timestamps.
        date = f"2026-01-01T12:{self._tick:02d}:00Z"
        return {
            **os.environ,
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            env=self._env(),
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def write(self, relative: str, text: str) -> Path:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def remove(self, relative: str) -> None:
        self.git("rm", "-q", "-r", relative)

    def commit(self, message: str = "change") -> str:
        """Stage everything and commit; returns the new HEAD SHA."""
        self._tick += 1
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def checkout(self, branch: str, *, create: bool = False) -> None:
        self.git("checkout", "-q", *(["-b"] if create else []), branch)


# Left out of a copy of the repo: what git ignores at its root (the build output, virtual
# environments), and caches anywhere. Only the root's build/: scripts/build/ is source.
ROOT_ONLY = frozenset({".git", ".venv", ".venv-polyaxon", ".venv-mlflow", "build"})
ANYWHERE = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})


def _not_copied(root: Path):
    def ignore(folder: str, names: list[str]) -> set[str]:
        at_root = Path(folder) == root
        return {n for n in names if n in ANYWHERE or (at_root and n in ROOT_ONLY)}

    return ignore


def init_repo(path: Path, *, copy_from: Path | None = None) -> GitRepo:
    """A new repository on ``main``; optionally seeded with a copy of ``copy_from``."""
    if copy_from is not None:
        shutil.copytree(copy_from, path, ignore=_not_copied(Path(copy_from)))
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(path)
    repo.git("init", "-q", "-b", "main")
    return repo


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """An empty git repository on ``main``."""
    return init_repo(tmp_path / "repo")


@pytest.fixture
def monorepo(tmp_path: Path) -> GitRepo:
    """A copy of this monorepo as a fresh git repository with one commit on ``main``."""
    repo = init_repo(tmp_path / "monorepo", copy_from=REPO_ROOT)
    repo.commit("initial")
    return repo
