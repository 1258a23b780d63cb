# Do not edit: the template owns this file (make template-update brings its changes).
"""The tooling's files: replaced in one step, and JSON ones read back with one clear error.

Replacing: a reader (or a crash) sees the old file or the new one, never half. Every file the
tooling writes into the checkout or build/ (CODEOWNERS, scaffolded projects, compiled specs,
compile.json, pinned component.yaml) goes through here, so the temporary-file, permission and
clean-up rules live in one place. Reading back: a JSON file one command wrote for another
(``publish --summary-json``, ``diff --output``) that is missing or broken is one configuration
error saying which command writes it. Standard library only: the post-generation hook imports
``scripts.repo.codeowners``, which imports this.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.core.errors import ConfigError, ScriptError

# mkstemp creates files readable by their owner only; checkout and build files are 0644 like
# the ones git checks out, unless the file being replaced already had a mode of its own.
NEW_FILE_MODE = 0o644


@contextmanager
def replacing(path: Path, *, suffix: str = "") -> Iterator[Path]:
    """A private temporary file beside ``path``, renamed over it when the block succeeds.

    The block fills the temporary file (it may hand the name to a tool that writes it, such as
    the KFP compiler, which picks the format from ``suffix``). When the block raises, the
    temporary file is removed and ``path`` stays as it was. OSError propagates to the caller.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(
    path: Path,
    data: bytes | str,
    *,
    display_path: str | Path | None = None,
    error: type[ScriptError] = ConfigError,
) -> None:
    """Replace ``path`` with ``data`` (str is written as UTF-8, newlines untouched).

    A file that cannot be written (a folder in its place, a read-only checkout) is one line,
    ``display_path: cannot write the file (...)``, raised as ``error`` (exit 2 by default); the
    old file is untouched.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with replacing(path) as temporary:
            temporary.write_bytes(payload)
    except OSError as failure:
        raise error(
            f"cannot write the file ({failure.strerror}) — make it a writable file",
            path=display_path or path,
        ) from None


def read_json(path: Path, *, missing: str, malformed: str) -> Any:
    """The JSON document in ``path``, a file another command wrote.

    A missing file is ``path: no such file — <missing>`` (``missing`` says how to write it);
    an unreadable file or one that is not JSON is ``path: <malformed> (<why>)``; both are
    ConfigErrors (exit 2). Checking the document's shape is the caller's part.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no such file — {missing}", path=path) from None
    except (OSError, ValueError) as error:  # ValueError: bad JSON or not UTF-8
        raise ConfigError(f"{malformed} ({error})", path=path) from None
