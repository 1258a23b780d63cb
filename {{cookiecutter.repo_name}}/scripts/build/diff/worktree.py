# Do not edit: the template owns this file (make template-update brings its changes).
"""Another commit of the repo, checked out beside it, compiled with this process's code.

The base side of the diff is a temporary ``git worktree`` (it shares the object store, so it
costs a checkout, not a clone). Its pipelines are compiled in this process, by the ``scripts``
package already imported from the head: the same compile code on both sides, so a change to
the compile code itself is not a difference of every pipeline.

Both sides import modules with the same names (the components package, helper modules at the
root), so before and after each compile every module loaded from a root of the comparison is
dropped from ``sys.modules`` (``fresh_imports``): the next compile reads its own files.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scripts.core.errors import ConfigError

# Top-level names never dropped: the tooling running the diff (and its tests).
KEPT = frozenset({"scripts", "tests", "conftest"})


def _git(root: Path, *args: str) -> None:
    """Run git in ``root`` (the layers keep ``build`` from ``detect``'s git helpers, and a
    worktree needs no more than this); a failure is one configuration error with git's words."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise ConfigError("git is not installed or not on PATH — install git") from None
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError(f"git {' '.join(args)} failed: {said[0] if said else result.returncode}")


@contextlib.contextmanager
def worktree_at(root: Path, commit: str) -> Iterator[Path]:
    """A detached checkout of ``commit`` in a temporary folder, removed afterwards. Hooks do not
    run (``core.hooksPath``): a review diff has no business running a repo's post-checkout."""
    parent = Path(tempfile.mkdtemp(prefix="kfp-diff-"))
    path = parent / "tree"
    hooks = f"core.hooksPath={parent}"
    try:
        _git(root, "-c", hooks, "worktree", "add", "--detach", "--quiet", str(path), commit)
        yield path
    finally:
        with contextlib.suppress(ConfigError):
            _git(root, "worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(ConfigError):
            _git(root, "worktree", "prune")


def _root_names(root: Path) -> set[str]:
    """The top-level module names a root provides (its packages and modules)."""
    names = set()
    with contextlib.suppress(OSError):
        for entry in root.iterdir():
            if entry.is_dir() and entry.name.isidentifier():
                names.add(entry.name)
            elif entry.suffix == ".py" and entry.stem.isidentifier():
                names.add(entry.stem)
    return names - KEPT - set(sys.stdlib_module_names)


def forget_root_modules(*roots: Path) -> None:
    """Drop from ``sys.modules`` every module whose top-level name one of ``roots`` provides,
    wherever it was loaded from (a previous compile of another checkout included)."""
    names: set[str] = set()
    for root in roots:
        names |= _root_names(Path(root))
    for name in [n for n in sys.modules if n.partition(".")[0] in names]:
        del sys.modules[name]


@contextlib.contextmanager
def fresh_imports(*roots: Path) -> Iterator[None]:
    forget_root_modules(*roots)
    try:
        yield
    finally:
        forget_root_modules(*roots)
