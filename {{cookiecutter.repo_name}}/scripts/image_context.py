"""The build context of a container component, and the content hash that tags its image.

The image tag is a hash of exactly the files sent to the Docker Engine, so an unchanged
component always maps to the same tag and is never rebuilt. ``component.yaml`` and ``tests/``
are left out of both the context and the hash: pinning rewrites ``component.yaml`` after every
push, and a pin must never change the tag it points at (or CI would rebuild forever). What
``.dockerignore`` excludes is left out too, matched by the Docker SDK's own implementation of
Docker's rules rather than a hand-written one.

Reads files only: no engine, no network, so ``--dry-run`` and ``validate`` can afford it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

DOCKERFILE = "Dockerfile"
DOCKERIGNORE = ".dockerignore"
# Never part of an image: the spec (rewritten by pinning), the component's tests, and Python
# byte code that a local test run leaves behind (it would change the tag on one machine only).
# Listed after the user's .dockerignore patterns, so a "!tests/x" there cannot re-include them.
ALWAYS_EXCLUDED = ("component.yaml", "tests", "**/__pycache__", "**/*.pyc")
TAG_LENGTH = 24  # hex characters of sha256: 96 bits, short enough to read in a registry UI
HASH_FORMAT = b"kfp-monorepo-context-v1\0"  # bump when the hashing below changes


def dockerignore_patterns(folder: Path) -> list[str]:
    """The patterns of ``folder/.dockerignore``, read the way the Docker SDK reads them."""
    path = folder / DOCKERIGNORE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def context_paths(folder: Path) -> list[str]:
    """Every path (files, folders, links) in the build context, relative, POSIX, sorted."""
    from docker.utils.build import exclude_paths

    patterns = [*dockerignore_patterns(folder), *ALWAYS_EXCLUDED]
    # exclude_paths keeps the Dockerfile and .dockerignore whatever the patterns say, as the
    # engine does.
    included = exclude_paths(str(folder), patterns, dockerfile=DOCKERFILE)
    return sorted(path.replace(os.sep, "/") for path in included)


def context_hash(folder: Path, paths: list[str] | None = None) -> str:
    """The image tag of ``folder``: sha256 over each path's kind, name, mode bit and bytes.

    Every field is length-prefixed so that no two different contexts feed the same bytes.
    The executable bit is included because COPY keeps it; timestamps are not, because a fresh
    git checkout changes them without changing the image's meaning.
    """
    digest = hashlib.sha256(HASH_FORMAT)
    for relative in paths if paths is not None else context_paths(folder):
        full = folder / relative
        info = full.lstat()
        name = relative.encode("utf-8")
        if stat.S_ISLNK(info.st_mode):
            kind, body = b"L", os.readlink(full).encode("utf-8")
        elif stat.S_ISDIR(info.st_mode):
            kind, body = b"D", b""
        elif stat.S_ISREG(info.st_mode):
            executable = b"x" if info.st_mode & stat.S_IXUSR else b"-"
            kind, body = b"F" + executable, full.read_bytes()
        else:  # sockets and FIFOs are not sent to the engine either
            continue
        for field in (kind, name, body):
            digest.update(len(field).to_bytes(8, "big"))
            digest.update(field)
    return digest.hexdigest()[:TAG_LENGTH]
