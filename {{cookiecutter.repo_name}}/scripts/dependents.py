"""Which files depend, directly or through other files, on what a change touched.

A reverse search from the changed things ("nodes": a changed file, or a component folder
``components/<name>/``) to the files that import or load them, then to the files that import
those, until nothing new is found. Each dependent keeps, per changed thing, the chain that
reaches it, so a pipeline's reasons read "X changed (imported by A, which is imported by P)".

Why not parse everything first: a monorepo has thousands of pipeline modules and a change
touches a handful of files. A file can only import module ``pkg/mod.py`` by naming ``mod``
(``import pkg.mod``, ``from pkg import mod``, ``from .mod import x``, ``from . import mod``), can
only load ``components/<name>/`` by naming ``<name>``, and only a literal path ending in
``op.yaml`` loads ``op.yaml``. So each round scans the raw bytes of the files for the names of
the things that became dirty in the previous round (one regular expression, in C) and parses
only the files that mention one. A package's ``__init__.py`` is also reached through relative
imports that never name the package (``from . import x``), so for it every file under the
package's folder is a candidate too. The result equals parsing everything; the regular
expression only skips files that cannot refer to anything that changed.
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from scripts.imports import find_references

# One link of a chain: (how, file): "imported"/"loaded", by which file.
Link = tuple[str, str]


@dataclass(frozen=True)
class SearchInput:
    sources: Mapping[str, bytes]  # repo-relative path -> content, for every file to search
    known_files: frozenset[str]  # what a reference may resolve to (HEAD plus deleted files)
    components_package: str


def node_of(path: str) -> str:
    """What a changed or referenced path counts as: its component folder, or itself."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "components":
        return f"components/{parts[1]}/"
    return path


def search_terms(node: str) -> tuple[bytes | None, str | None]:
    """The name a file must mention to refer to ``node``, and the folder whose files may
    refer to it without naming it (relative imports of a package)."""
    if node.endswith("/"):  # components/<name>/
        return node.rstrip("/").rsplit("/", 1)[-1].encode(), None
    folder, name = posixpath.split(node)
    if name == "__init__.py":
        return (posixpath.basename(folder).encode() or None), (folder + "/" if folder else "")
    if name.endswith(".py"):
        return name[: -len(".py")].encode(), None
    return name.encode(), None


def find_dependents(
    changed: Iterable[str], search: SearchInput
) -> dict[str, dict[str, tuple[Link, ...]]]:
    """For every dirty node (the changed ones and everything depending on them): the changed
    node each dependency comes from, and the chain of links from it to this file."""
    origins: dict[str, dict[str, tuple[Link, ...]]] = {node: {node: ()} for node in changed}
    dependents: dict[str, set[Link]] = {}  # node -> {(kind, file that refers to it)}
    unparsed = set(search.sources)
    frontier = set(origins)
    while frontier:
        for path in _candidates(frontier, unparsed, search.sources):
            unparsed.discard(path)
            for reference in find_references(
                search.sources[path], path, search.known_files, search.components_package
            ):
                dependents.setdefault(node_of(reference.target), set()).add((reference.kind, path))
        frontier = _propagate(frontier, origins, dependents)
    return origins


def _candidates(frontier: set[str], unparsed: set[str], sources: Mapping[str, bytes]) -> list[str]:
    names: set[bytes] = set()
    folders: list[str] = []
    for node in frontier:
        name, folder = search_terms(node)
        if name:
            names.add(name)
        if folder is not None:
            folders.append(folder)
    mentions = _mention_matcher(names)
    return sorted(
        path for path in unparsed if path.startswith(tuple(folders)) or mentions(sources[path])
    )


def _mention_matcher(names: set[bytes]) -> Callable[[bytes], bool]:
    if not names:
        return lambda _text: False
    # Whole names only ("io" must not match "ratio"); a name may contain "-" or "." (a
    # component folder, a YAML file), so the edges are "no word character", not \b.
    alternatives = b"|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    pattern = re.compile(rb"(?<![\w])(?:" + alternatives + rb")(?![\w])")
    return lambda text: pattern.search(text) is not None


def _propagate(
    frontier: set[str],
    origins: dict[str, dict[str, tuple[Link, ...]]],
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
