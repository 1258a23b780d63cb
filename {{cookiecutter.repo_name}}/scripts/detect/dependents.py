# Do not edit: the template owns this file (make template-update brings its changes).
"""Which files depend, directly or through other files, on what a change touched.

A reverse search from the changed things ("nodes": a changed file, or a component folder
``components/<name>/``) to the files that import or load them, then to the files that import
those, until nothing new is found. Each dependent keeps, per changed thing, the chain that
reaches it, so a pipeline's reasons read "X changed (imported by A, which is imported by P)".

Why not parse everything first: a monorepo has thousands of pipeline modules and a change
touches a handful of files. A file can only import module ``pkg/mod.py`` with an import
statement naming ``mod`` (``import pkg.mod``, ``from pkg import mod``, ``from .mod import x``,
``from . import mod``, or a dynamic import naming it), can only load ``components/<name>/`` by
writing ``<name>``, and only a literal path ending in ``op.yaml`` (or ``q.sql``, any data file:
``scripts/detect/literals.py``) loads or reads it. So each round looks for the names of the
things that became dirty in the previous round and parses only the files that mention one.
A package's ``__init__.py`` is also reached through relative imports that never name the
package (``from . import x``), so for it every file under the package's folder is a candidate
too. The result equals parsing everything: the filter only skips files that cannot refer to
anything that changed.

How the search stays cheap (the template's change-detection benchmark measures it):

- every file sits in one buffer (what ``git cat-file --batch`` printed); a few names are found
  with ``bytes.find`` loops, many with one regular expression shaped as a trie of the names
  (no look-around, which would be tried at every position); hits map back to files by offset,
  so Python only touches files that mention a name;
- most dirty files are pipeline modules and project helpers under ``pipelines/<project>/``,
  which only that folder, ``pipelines/`` itself, relative imports with two dots or more, or an
  absolute ``pipelines...`` import can reach (``pipeline_scope``): their names are searched in
  the project folder's part of the buffer and in the few files that can reach in from outside;
- a candidate's import statements are cut out and parsed alone (``scripts/detect/import_text.py``).
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from scripts.detect.import_text import import_statements
from scripts.detect.imports import DYNAMIC_IMPORTERS, FileIndex, find_references

# One link of a chain: (how, file): "imported", "loaded" or "read", by which file.
Link = tuple[str, str]
Origins = dict[str, dict[str, tuple[Link, ...]]]
WORD = re.compile(rb"\w+")
DYNAMIC_MARKERS = tuple(name.encode() for name in DYNAMIC_IMPORTERS)


@dataclass(frozen=True)
class SearchInput:
    """The files to search: their contents side by side in ``buffer``, each file's
    [start, end) in ``spans``; what a reference may resolve to (the files at HEAD plus the
    deleted ones); the components package's name (for its ``component_specs.load`` helper);
    and the file names of the changed data files (a file mentioning one is searched for the
    literal paths in it)."""

    buffer: bytes
    spans: Mapping[str, tuple[int, int]]
    known_files: FileIndex
    components_package: str
    data_names: frozenset[bytes] = frozenset()

    def source(self, path: str) -> bytes:
        start, end = self.spans[path]
        return self.buffer[start:end]


def node_of(path: str) -> str:
    """What a changed or referenced path counts as: its component folder, or itself."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "components":
        return f"components/{parts[1]}/"
    return path


def search_terms(node: str) -> tuple[bytes | None, str | None]:
    """The name a file must mention to refer to ``node``, and the folder whose files may
    refer to it without naming it (relative imports of a package's ``__init__.py``)."""
    if node.endswith("/"):  # components/<name>/
        return node.rstrip("/").rsplit("/", 1)[-1].encode(), None
    folder, name = posixpath.split(node)
    if name == "__init__.py":
        return (posixpath.basename(folder).encode() or None), (folder + "/" if folder else "")
    if name.endswith(".py"):
        return name[: -len(".py")].encode(), None
    return name.encode(), None


def find_dependents(changed: Iterable[str], search: SearchInput) -> Origins:
    """For every dirty node (the changed ones and everything depending on them): the changed
    node each dependency comes from, and the chain of links from it to this file."""
    origins: Origins = {node: {node: ()} for node in changed}
    dependents: dict[str, set[Link]] = {}  # node -> {(kind, file that refers to it)}
    index = _BufferIndex(search)
    unparsed = set(search.spans)
    frontier = set(origins)
    while frontier:
        for path in sorted(_candidates(frontier, unparsed, index)):
            unparsed.discard(path)
            for reference in find_references(
                search.source(path),
                path,
                search.known_files,
                search.components_package,
                search.data_names,
            ):
                dependents.setdefault(node_of(reference.target), set()).add((reference.kind, path))
        frontier = _propagate(frontier, origins, dependents)
    return origins


def pipeline_scope(node: str) -> str | None:
    """For a module under ``pipelines/<project>/``: that folder.

    Pipelines load with their project folder as a package and the repo root on ``sys.path``
    (``scripts/build/discovery.py``), so such a module is imported relatively from its own project
    folder or from a module directly in ``pipelines/`` (``from . import x``,
    ``from .project import x``), with two or more dots from elsewhere under ``pipelines/``, or
    by an absolute name starting with ``pipelines``: nowhere else. Pipeline modules are most of
    what becomes dirty, so searching only there is what keeps a change cheap.
    """
    parts = node.split("/")
    if len(parts) >= 3 and parts[0] == "pipelines" and node.endswith(".py"):
        return f"pipelines/{parts[1]}/"
    return None


class _BufferIndex:
    """Where each file sits in the buffer (files with equal content share a span), and the
    few files that can reach into another project folder under ``pipelines/``."""

    def __init__(self, search: SearchInput):
        self.search = search
        by_span: dict[tuple[int, int], list[str]] = {}
        for path, span in search.spans.items():
            by_span.setdefault(span, []).append(path)
        ordered = sorted(by_span.items())
        self.starts = [start for (start, _), _ in ordered]
        self.ends = [end for (_, end), _ in ordered]
        self.paths = [paths for _, paths in ordered]
        self._reaching_in: dict[str, frozenset[bytes]] | None = None
        # Each project folder's files as runs of the buffer: git printed the blobs in path
        # order, so a folder is one run or a few, and a name is searched once per run.
        spans_by_project: dict[str, list[tuple[int, int]]] = {}
        for path, span in search.spans.items():
            if folder := _project_folder(path):
                spans_by_project.setdefault(folder, []).append(span)
        self._runs = {folder: _merge(spans) for folder, spans in spans_by_project.items()}

    def project_runs(self, folder: str) -> list[tuple[int, int]]:
        return self._runs.get(folder, [])

    def files_at(self, position: int) -> list[str]:
        slot = bisect.bisect_right(self.starts, position) - 1
        if slot >= 0 and position < self.ends[slot]:
            return self.paths[slot]
        return []

    def mentions(self, path: str, name: bytes) -> bool:
        start, end = self.search.spans[path]
        position = self.search.buffer.find(name, start, end)
        while position != -1:
            if _whole_word(self.search.buffer, position, len(name)):
                return True
            position = self.search.buffer.find(name, position + 1, end)
        return False

    def reaching_in(self) -> dict[str, frozenset[bytes]]:
        """Files that may import from any project folder, with the identifiers of their import
        statements: files directly in ``pipelines/``, files whose import statements say
        ``pipelines`` (an absolute import) or ``from ..`` (a relative one), and files with a
        dynamic import (all their identifiers: the name is a string in a call)."""
        if self._reaching_in is None:
            buffer = self.search.buffer
            maybe = {
                p for p in self.search.spans if p.startswith("pipelines/") and p.count("/") == 1
            }
            for marker in (b"from ..", *DYNAMIC_MARKERS):
                for position in _occurrences(marker, buffer):
                    maybe.update(self.files_at(position))
            for position in _mentions({b"pipelines"}, buffer):
                maybe.update(self.files_at(position))
            self._reaching_in = {}
            for path in maybe:
                source = self.search.source(path)
                dynamic = any(marker in source for marker in DYNAMIC_MARKERS)
                text = None if dynamic else import_statements(source)
                words = frozenset(WORD.findall(source if text is None else text))
                if (
                    path.count("/") == 1
                    or text is None
                    or b"pipelines" in words
                    or b"from .." in text
                ):
                    self._reaching_in[path] = words
        return self._reaching_in


def _candidates(frontier: set[str], unparsed: set[str], index: _BufferIndex) -> set[str]:
    names: set[bytes] = set()
    scoped: dict[str, set[bytes]] = {}  # project folder -> names only importable from there
    folders: list[str] = []
    for node in frontier:
        name, folder = search_terms(node)
        scope = pipeline_scope(node)
        if name and scope:
            scoped.setdefault(scope, set()).add(name)
        elif name:
            names.add(name)
        if folder is not None:
            folders.append(folder)
    found: set[str] = set()
    if folders:
        found.update(path for path in unparsed if path.startswith(tuple(folders)))
    for position in _mentions(names, index.search.buffer) if names else ():
        found.update(path for path in index.files_at(position) if path in unparsed)
    if scoped:
        buffer = index.search.buffer
        for scope, scope_names in scoped.items():
            for start, end in index.project_runs(scope):
                for name in scope_names:
                    for position in _occurrences(name, buffer, start, end):
                        if _whole_word(buffer, position, len(name)):
                            found.update(
                                path
                                for path in index.files_at(position)
                                if path in unparsed and path.startswith(scope)
                            )
        every_scoped_name = set().union(*scoped.values())
        for path, words in index.reaching_in().items():
            if path in unparsed and not every_scoped_name.isdisjoint(words):
                found.add(path)
    return found


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans joined into runs where only blob headers lie between them (under 128 bytes)."""
    runs: list[tuple[int, int]] = []
    for start, end in sorted(set(spans)):
        if runs and start - runs[-1][1] < 128:
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
    return runs


def _project_folder(path: str) -> str:
    parts = path.split("/", 2)
    return f"pipelines/{parts[1]}/" if len(parts) == 3 and parts[0] == "pipelines" else ""


def _occurrences(
    text: bytes, buffer: bytes, start: int = 0, end: int | None = None
) -> Iterator[int]:
    end = len(buffer) if end is None else end
    position = buffer.find(text, start, end)
    while position != -1:
        yield position
        position = buffer.find(text, position + 1, end)


# Up to this many names, one bytes.find loop per name (memchr speed) beats one regex pass.
FIND_LOOP_LIMIT = 24


def _mentions(names: set[bytes], buffer: bytes) -> Iterator[int]:
    """Start positions of whole-word occurrences of any of ``names`` in ``buffer``."""
    if len(names) <= FIND_LOOP_LIMIT:
        for name in names:
            position = buffer.find(name)
            while position != -1:
                if _whole_word(buffer, position, len(name)):
                    yield position
                position = buffer.find(name, position + 1)
        return
    for match in trie_pattern(names).finditer(buffer):
        if _whole_word(buffer, match.start(), match.end() - match.start()):
            yield match.start()


def _whole_word(buffer: bytes, start: int, length: int) -> bool:
    before = buffer[start - 1 : start] if start else b""
    after = buffer[start + length : start + length + 1]
    return not (before.isalnum() or before == b"_" or after.isalnum() or after == b"_")


def trie_pattern(names: Iterable[bytes]) -> re.Pattern[bytes]:
    """A regex matching any of ``names`` where names sharing a prefix share a branch
    (``pipeline_0(?:07|12)``), so the engine tries a handful of branches per position rather
    than every name. No look-around: it would be tried at every position, tripling the time;
    callers check word boundaries on the few hits instead."""
    trie: dict = {}
    for name in names:
        node = trie
        for byte in name:
            node = node.setdefault(byte, {})
        node[None] = {}
    return re.compile(_render(trie))


def _render(node: dict) -> bytes:
    branches = [
        re.escape(bytes([byte])) + _render(child)
        for byte, child in sorted((k, v) for k, v in node.items() if k is not None)
    ]
    if not branches:
        return b""
    body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
    return b"(?:" + body + b")?" if None in node else body


def _propagate(
    frontier: set[str],
    origins: Origins,
    dependents: Mapping[str, set[Link]],
) -> set[str]:
    """Push every known origin one link further, breadth first; return the files that became
    dirty for the first time (their dependents are not known yet: next round's frontier)."""
    newly_dirty: set[str] = set()
    queue = deque(sorted(frontier))
    while queue:
        node = queue.popleft()
        for kind, path in sorted(dependents.get(node, ())):
            target = origins.get(path)
            if target is None:
                target = origins[path] = {}
                newly_dirty.add(path)
            grew = False
            for origin, chain in origins[node].items():
                if origin not in target and origin != path:
                    target[origin] = (*chain, (kind, path))
                    grew = True
            if grew:
                queue.append(path)
    return newly_dirty
