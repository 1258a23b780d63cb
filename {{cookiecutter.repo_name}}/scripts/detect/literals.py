# Do not edit: the template owns this file (make template-update brings its changes).
"""Paths a module writes as literals: the repo files its string literals name.

A pipeline that reads a SQL, JSON or YAML file at compile time names it somewhere in its code,
and the name is what change detection can see without running anything. The rule
(``data_references``): a string literal, or the literal parts of a path-building expression
joined with ``/``, that resolves to an existing non-Python file of the repo, relative to the
module's own folder or else to the repo root (pipelines compile with the repo root as the
working folder). So all of these name ``pipelines/p/queries/q.sql`` from ``pipelines/p/x.py``:

- ``"queries/q.sql"``, ``"pipelines/p/queries/q.sql"``;
- ``Path(__file__).parent / "queries" / "q.sql"``, ``HERE / "queries/q.sql"``;
- ``Path(__file__).with_name("q.sql")`` (for ``pipelines/p/q.sql``),
  ``Path(__file__).parent.joinpath("queries", "q.sql")``;
- ``os.path.join(os.path.dirname(__file__), "queries", "q.sql")``,
  ``os.path.dirname(__file__) + "/queries/q.sql"``.

Names (``HERE``, ``__file__``, ``ROOT``) are anchors that add nothing to the path; a part that
is an f-string makes the whole path unknowable. ``path_parts`` with ``names`` is the strict
reading ``scripts/detect/reads.py`` uses to tell a read it can resolve from one it cannot.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Container, Iterator

Parts = tuple[str, ...]
# How a bare name evaluates in the strict reading: its parts, or None when unknown.
Names = Callable[[str], Parts | None]


def path_parts(node: ast.expr, names: Names | None = None) -> Parts | None:
    """The string literals of a path expression in evaluation order; None when part of it
    cannot be known (an f-string; in the strict reading, with ``names``, also a name or call
    it does not know). Without ``names`` every name is an anchor and adds nothing."""
    try:
        return _parts(node, names)
    except RecursionError:  # thousands of pieces (a giant concatenation): no path
        return None


def _parts(node: ast.expr, names: Names | None) -> Parts | None:
    if isinstance(node, ast.Constant):
        return (node.value,) if isinstance(node.value, str) else ()
    if isinstance(node, ast.JoinedStr):
        return None
    if isinstance(node, ast.Name):
        return () if names is None or node.id == "__file__" else names(node.id)
    if isinstance(node, ast.BinOp):
        return _binary(node, names)
    if isinstance(node, ast.Call):
        pieces = [node.func, *node.args]
        parts: Parts = ()
        for index, piece in enumerate(pieces):
            found = _callee(piece, names) if index == 0 else _parts(piece, names)
            if found is None:
                return None
            parts += found
        return parts
    if isinstance(node, ast.Attribute | ast.Subscript):
        return _parts(node.value, names)
    return () if names is None else None


def _binary(node: ast.BinOp, names: Names | None) -> Parts | None:
    left, right = _parts(node.left, names), _parts(node.right, names)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Add):  # "a" + "/b.sql", dirname(__file__) + "/b.sql"
        text = "/".join(left) + "/".join(right)
        if not left and not isinstance(node.left, ast.Constant):
            text = text.lstrip("/")  # an anchor's folder, then "/b.sql": relative to it
        return (text,) if text else ()
    if isinstance(node.op, ast.Div) or names is None:
        return left + right
    return None  # "%s.sql" % name and the like: unknowable when read strictly


def _callee(func: ast.expr, names: Names | None) -> Parts | None:
    """What the called thing adds: nothing for a function or a method of a path; in the
    strict reading a name must be known (an import or a builtin)."""
    if isinstance(func, ast.Name):
        if names is None:
            return ()
        return () if names(func.id) is not None else None
    return _parts(func, names)


def resolve_literal_path(literal: str, folder: str, files: Container[str]) -> str | None:
    """The repo file ``literal`` names: relative to ``folder`` (the module's), else to the
    repo root; None for an absolute path, a URL, or no such file."""
    if not literal or literal.startswith("/") or "://" in literal:
        return None
    for candidate in (posixpath.join(folder, literal), literal):
        normal = posixpath.normpath(candidate)
        if not normal.startswith("../") and normal in files:
            return normal
    return None


def data_references(tree: ast.AST, path: str, files: Container[str]) -> Iterator[str]:
    """The existing non-Python files of the repo that the module at ``path`` names by a
    literal path (see the module docstring), each once, in the order first seen.

    Top down: a path expression that names a file is one reference, and its pieces are not
    looked at alone (``HERE / "queries" / "q.sql"`` is not also ``q.sql`` beside the module);
    one that names nothing is looked into (``open(HERE / "q.sql", "r")`` holds a path)."""
    folder = posixpath.dirname(path)
    seen: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        target = _named_file(node, folder, files)
        if target is None:
            if not isinstance(node, ast.JoinedStr):  # an f-string's pieces name nothing
                stack.extend(reversed(list(ast.iter_child_nodes(node))))
        elif not target.endswith(".py") and target not in seen:
            seen.add(target)
            yield target


def _named_file(node: ast.AST, folder: str, files: Container[str]) -> str | None:
    if not isinstance(node, ast.Constant | ast.BinOp | ast.Call):
        return None
    parts = path_parts(node)
    return resolve_literal_path("/".join(parts), folder, files) if parts else None
