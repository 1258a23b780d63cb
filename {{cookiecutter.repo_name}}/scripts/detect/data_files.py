# Do not edit: the template owns this file (make template-update brings its changes).
"""Changed data files (non-Python files a pipeline may read at compile time): the project rule,
and the reads change detection cannot resolve.

A changed data file counts in two ways besides the literal paths that name it
(``scripts/detect/literals.py``, searched with the imports in ``dependents.py``):

- the project rule: a data file under ``pipelines/<project>/`` that no pipeline reaches through
  a literal path marks every pipeline of that project (``project_file_reasons``);
- the reads warning: a read whose path cannot be resolved (``scripts/detect/reads.py``) may
  read it, so such reads are reported (``read_warnings``), in the pipeline code the change
  touches and, when a data file changed, in all pipeline code. Only files that mention a read
  (``open(``, ``read_text(``, ``read_bytes(``) are parsed for it.

Manifests (``projects/``) are never data files: a manifest affects its project, not its
pipelines. Files under ``components/`` count through their component folder.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from pathlib import Path

from scripts.core.errors import Problem
from scripts.detect.dependents import Origins, SearchInput
from scripts.detect.git import read_blobs
from scripts.detect.imports import FileIndex
from scripts.detect.reads import READ_MARKERS, may_read, unresolved_reads


def may_be_read(path: str) -> bool:
    """A non-Python file a pipeline may name: anything but modules and manifests."""
    return not path.endswith(".py") and not path.startswith("projects/")


def is_data_file(path: str) -> bool:
    """A changed file whose dependents are found by its literal paths only (a component's
    files count through its folder)."""
    return may_be_read(path) and not path.startswith("components/")


def data_names(paths: Iterable[str]) -> frozenset[bytes]:
    """The file names a module must mention to name one of ``paths`` by a literal path."""
    return frozenset(posixpath.basename(path).encode() for path in paths if may_be_read(path))


def project_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "pipelines" else None


def project_file_reasons(
    data: Mapping[str, list[str]], origins: Origins, pipelines: list[str]
) -> dict[str, list[str]]:
    """Reasons for the project rule: each changed data file under ``pipelines/<project>/``
    (``data``: path -> descriptions) that reaches no pipeline marks all of that project's."""
    reached = {origin for path in pipelines for origin in origins.get(path, {})}
    reasons: dict[str, list[str]] = {}
    for path, descriptions in sorted(data.items()):
        project = project_of(path)
        if project is None or path in reached:
            continue
        folder = f"pipelines/{project}/"
        for description in descriptions:
            reason = (
                f"{description} (in {folder}, named by no pipeline through a literal path: "
                f"every pipeline of {project} counts)"
            )
            for pipeline in pipelines:
                if pipeline.startswith(folder):
                    reasons.setdefault(pipeline, []).append(reason)
    return reasons


def read_warnings(
    root: Path,
    code: Mapping[str, str],
    changed: Iterable[str],
    search: SearchInput | None,
    known: FileIndex,
    *,
    all_code: bool,
) -> tuple[Problem, ...]:
    """Unresolved reads in the pipeline code ``changed`` touches, and with ``all_code`` in
    all of it. ``code`` maps each pipeline-code path at HEAD to its blob id; ``search`` holds
    the contents already read (or None: read what is needed); ``known`` is every repo file a
    read may resolve to."""
    spans = search.spans if search is not None else {}
    paths = {path for path in changed if path in code}
    if all_code and search is not None:
        buffer = search.buffer
        paths.update(
            path
            for path, (start, end) in spans.items()
            if any(buffer.find(marker, start, end) != -1 for marker in READ_MARKERS)
        )
    missing = sorted(path for path in paths if path not in spans)
    blobs = read_blobs(root, [code[path] for path in missing])
    problems: list[Problem] = []
    for path in sorted(paths):
        source = search.source(path) if path in spans and search else blobs[code[path]]
        if may_read(source):
            problems += unresolved_reads(source, path, known)
    return tuple(sorted(problems, key=lambda p: (p.path, p.line or 0, p.message)))
