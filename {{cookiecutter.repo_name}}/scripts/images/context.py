# Do not edit: the template owns this file (make template-update brings its changes).
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

from scripts.core.errors import CheckFailed
from scripts.core.yaml_io import read_text_file

DOCKERFILE = "Dockerfile"
DOCKERIGNORE = ".dockerignore"
# Never part of an image: the spec (rewritten by pinning), the component's tests, and Python
# byte code that a local test run leaves behind (it would change the tag on one machine only).
# Listed after the user's .dockerignore patterns, so a "!tests/x" there cannot re-include them.
ALWAYS_EXCLUDED = ("component.yaml", "tests", "**/__pycache__", "**/*.pyc")
TAG_LENGTH = 24  # hex characters of sha256: 96 bits, short enough to read in a registry UI
HASH_FORMAT = b"kfp-monorepo-context-v1\0"  # bump when the hashing below changes
CHUNK_BYTES = 1024 * 1024


def dockerignore_patterns(folder: Path, shown: str | None = None) -> list[str]:
    """The patterns of ``folder/.dockerignore``, read the way the Docker SDK reads them.

    ``shown`` is the folder as errors name it (repo-relative); an unreadable or non-UTF-8
    file is one CheckFailed line, not an internal error."""
    path = folder / DOCKERIGNORE
    if not path.is_file():
        return []
    text = read_text_file(path, f"{shown or folder}/{DOCKERIGNORE}")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def context_paths(folder: Path, shown: str | None = None) -> list[str]:
    """Every path (files, folders, links) in the build context, relative, POSIX, sorted."""
    from docker.utils.build import exclude_paths

    patterns = [*dockerignore_patterns(folder, shown), *ALWAYS_EXCLUDED]
    # exclude_paths keeps the Dockerfile and .dockerignore whatever the patterns say, as the
    # engine does.
    included = exclude_paths(str(folder), patterns, dockerfile=DOCKERFILE)
    return sorted(path.replace(os.sep, "/") for path in included)


def context_hash(folder: Path, paths: list[str] | None = None, shown: str | None = None) -> str:
    """The image tag of ``folder``: sha256 over each path's kind, name, mode bit and bytes.

    Every field is length-prefixed so that no two different contexts feed the same bytes.
    The executable bit is included because COPY keeps it; timestamps are not, because a fresh
    git checkout changes them without changing the image's meaning. File contents are read in
    chunks: a component may carry a large file (a model, a wheel) that need not fit in memory.
    """
    digest = hashlib.sha256(HASH_FORMAT)

    def add(field: bytes) -> None:
        digest.update(len(field).to_bytes(8, "big"))
        digest.update(field)

    for relative in paths if paths is not None else context_paths(folder, shown):
        full = folder / relative
        try:
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                kind, body = b"L", os.readlink(full).encode("utf-8")
            elif stat.S_ISDIR(info.st_mode):
                kind, body = b"D", b""
            elif stat.S_ISREG(info.st_mode):
                kind, body = (b"Fx" if info.st_mode & stat.S_IXUSR else b"F-"), None
            else:  # sockets and FIFOs are not sent to the engine either
                continue
            add(kind)
            add(relative.encode("utf-8"))
            if body is not None:
                add(body)
                continue
            digest.update(info.st_size.to_bytes(8, "big"))  # the same bytes add() would feed
            with open(full, "rb") as file:
                while chunk := file.read(CHUNK_BYTES):
                    digest.update(chunk)
        except OSError as error:
            raise CheckFailed(
                f"cannot read this file of the build context ({error.strerror}) — fix its "
                "permissions or list it in .dockerignore",
                path=f"{shown or folder}/{relative}",
            ) from None
    return digest.hexdigest()[:TAG_LENGTH]
