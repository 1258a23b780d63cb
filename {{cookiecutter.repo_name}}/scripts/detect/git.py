# Do not edit: the template owns this file (make template-update brings its changes).
"""Git plumbing for change detection: commits, merge bases, changed files, trees and blobs.

Why it looks like this:

- Only plumbing-level, script-safe output: ``-z`` everywhere, so paths with spaces, quotes or
  non-ASCII characters arrive byte-exact (no C-style quoting), and explicit flags (``-M``,
  ``--no-ext-diff``, ``--no-textconv``, ``--relative``) so a user's git config cannot change
  what we parse.
- The diff runs from the merge base of BASE and HEAD (what ``git diff BASE...HEAD`` shows):
  commits that landed on the base branch after the branch point are not the branch's changes.
- The code at HEAD is read from git's object store (``ls-tree`` + one ``cat-file --batch``), not
  from the working tree, so ``--head`` can name any commit and uncommitted edits never leak in.
- Git failures become ``ConfigError`` (exit 2) with the fix: an unknown reference or a missing
  merge base almost always means a shallow CI checkout, so the message says ``fetch-depth: 0``.
  Detection never guesses "nothing changed" when git cannot answer.

``--base auto`` (what a reference means inside and outside GitHub Actions) is in
``scripts/detect/base.py``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scripts.core.errors import ConfigError

FETCH_HINT = (
    "fetch the full history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow "
    "origin` locally) and make sure the base branch is fetched"
)
# Statuses of `git diff --name-status`: renames (R) and copies (C) carry two paths.
TWO_PATH_STATUSES = ("R", "C")
COMMIT_SUFFIX = "^{commit}"  # peels a tag to the commit it points at
# Each blob as "<size>\n<content>\n": the size is all we need to cut the buffer.
BATCH_FORMAT = "--batch=%(objectsize)"


@dataclass(frozen=True)
class FileChange:
    """One line of ``git diff --name-status``: A, C, D, M, R, T (U and X never occur between
    two commits). ``old_path`` is set for renames and copies."""

    status: str
    path: str
    old_path: str | None = None


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the repo root, POSIX separators
    object_id: str
    mode: str


def run_git(
    root: Path, *args: str, stdin: int | None = None, input_bytes: bytes | None = None
) -> bytes:
    """Run git in ``root``; raise ``GitFailed`` with git's message on a non-zero exit."""
    if stdin is None and input_bytes is None:
        stdin = subprocess.DEVNULL  # git must never wait for a terminal
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=root,
            stdin=stdin,
            input=input_bytes,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError("git is not installed or not on PATH — install git") from None
    if result.returncode != 0:
        raise GitFailed(args, result.returncode, result.stderr.decode("utf-8", "replace"))
    return result.stdout


class GitFailed(ConfigError):
    """A git command failed; callers translate the common cases into a message with the fix."""

    def __init__(self, args: tuple[str, ...], returncode: int, stderr: str):
        self.returncode = returncode
        self.stderr = stderr.strip()
        first_line = self.stderr.splitlines()[0] if self.stderr else f"exit {returncode}"
        super().__init__(f"git {' '.join(args)} failed: {first_line}")


def commit_exists(root: Path, ref: str) -> bool:
    try:
        run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", ref + COMMIT_SUFFIX)
    except GitFailed:
        return False
    return True


def is_shallow(root: Path) -> bool:
    try:
        return run_git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except GitFailed:
        return False


def resolve_commit(root: Path, ref: str) -> str:
    """The full SHA of the commit ``ref`` names; an unknown ref is a ConfigError saying why."""
    try:
        out = run_git(
            root, "rev-parse", "--verify", "--quiet", "--end-of-options", ref + COMMIT_SUFFIX
        )
    except GitFailed as error:
        if "not a git repository" in error.stderr.lower():
            raise ConfigError(f"{root}: not a git repository — run inside a git checkout") from None
        shallow = " (this clone is shallow)" if is_shallow(root) else ""
        raise ConfigError(
            f"unknown git reference {ref!r}{shallow} — check the name, or {FETCH_HINT}"
        ) from None
    return out.decode().strip()


def merge_base(root: Path, base: str, head: str) -> str:
    """The best common ancestor of two commits (any references: git resolves them, and an
    unknown one is reported as such); none (a shallow clone, unrelated histories) is an error,
    never "nothing changed"."""
    try:
        out = run_git(root, "merge-base", "--end-of-options", base, head)
    except GitFailed as error:
        if error.returncode != 1:
            for ref in (base, head):
                resolve_commit(root, ref)  # raises the "unknown reference" error with the fix
            raise
        shallow = "this clone is shallow, so " if is_shallow(root) else ""
        raise ConfigError(
            f"no merge base between {base} and {head[:12]}: {shallow}the history that "
            f"joins them is missing — {FETCH_HINT}"
        ) from None
    return out.decode().split()[0]


def changed_files(root: Path, base: str, head: str) -> list[FileChange]:
    """Files that differ between two commits, with renames detected, relative to ``root``."""
    out = run_git(
        root,
        "diff",
        "--name-status",
        "-z",
        "-M",
        "--no-ext-diff",
        "--no-textconv",
        "--relative",
        "--end-of-options",
        base,
        head,
        "--",
    )
    return parse_name_status(out)


def parse_name_status(out: bytes) -> list[FileChange]:
    """Parse ``--name-status -z``: ``STATUS\\0path\\0`` or ``R100\\0old\\0new\\0``."""
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    changes: list[FileChange] = []
    index = 0
    while index < len(fields):
        status = fields[index][:1]
        if status in TWO_PATH_STATUSES:
            old, new = fields[index + 1], fields[index + 2]
            changes.append(FileChange(status, new, old))
            index += 3
        else:
            changes.append(FileChange(status, fields[index + 1]))
            index += 2
    return changes


def list_tree(root: Path, commit: str) -> list[TreeEntry]:
    """Every file (blob or symlink) at ``commit`` under ``root``; submodules are skipped."""
    out = run_git(root, "ls-tree", "-r", "-z", "--end-of-options", commit, "--", ".")
    entries = []
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, object_id = meta.split()
        if kind == "blob":
            entries.append(TreeEntry(path, object_id, mode))
    return entries


@dataclass(frozen=True)
class Blobs:
    """Many blobs in one buffer (what ``cat-file --batch`` printed), so a search can scan all
    of them in one pass; ``spans`` maps an object id to its content's [start, end)."""

    data: bytes
    spans: dict[str, tuple[int, int]]

    def __getitem__(self, object_id: str) -> bytes:
        start, end = self.spans[object_id]
        return self.data[start:end]


def read_blobs(root: Path, object_ids: list[str]) -> Blobs:
    """The contents of many blobs from one ``git cat-file --batch`` call.

    On Linux the ids go in through an in-memory file rather than a pipe: with both pipes busy,
    ``subprocess`` shuttles the megabytes of output through a poll loop that costs more than
    git itself; ``--buffer`` makes git write in large blocks instead of flushing every blob
    (both measured by the template's change-detection benchmark).
    """
    unique = list(dict.fromkeys(object_ids))
    if not unique:
        return Blobs(b"", {})
    request = "\n".join(unique).encode() + b"\n"
    if hasattr(os, "memfd_create"):
        descriptor = os.memfd_create("git-batch-ids")
        try:
            os.write(descriptor, request)
            os.lseek(descriptor, 0, os.SEEK_SET)
            out = run_git(root, "cat-file", BATCH_FORMAT, "--buffer", stdin=descriptor)
        finally:
            os.close(descriptor)
    else:
        out = run_git(root, "cat-file", BATCH_FORMAT, "--buffer", input_bytes=request)
    spans: dict[str, tuple[int, int]] = {}
    position = 0
    for object_id in unique:
        header_end = out.index(b"\n", position)
        header = out[position:header_end]
        if not header.isdigit():  # "<id> missing": the tree just listed it, so this is a bug
            raise ConfigError(f"git cat-file could not read object {object_id}: {header!r}")
        start = header_end + 1
        end = start + int(header)
        spans[object_id] = (start, end)
        position = end + 1  # the content is followed by a newline
    return Blobs(out, spans)
