"""What one Python file needs from the repo: the modules it imports and the components it loads.

Read with ``ast``, never by importing: change detection must not run pipeline code (it would
import kfp and whatever else the code imports, and code on a pull request is untrusted), and it
must work for code that does not even run any more (a module importing a deleted file).

Imports (at any depth: inside functions and ``if TYPE_CHECKING:`` blocks too)

- ``import a.b.c``: ``a/__init__.py``, ``a/b/__init__.py`` and ``a/b/c.py`` (or
  ``a/b/c/__init__.py``): importing a submodule runs every package ``__init__`` above it;
- ``from a.b import c``: ``a.b`` as above, plus ``a/b/c.py`` when ``c`` is a submodule (when it
  is an attribute, ``a/b/__init__.py`` or ``a/b.py`` already covers it);
- relative imports at any level, ``from . import x`` included, resolved from the file's folder.
  Pipelines are loaded with the repo root on ``sys.path`` and their project folder as a package
  (``scripts/discovery.py``), so absolute names resolve from the repo root and relative ones
  from the file's folder, exactly as here.

A name that resolves to no file in ``files`` is the standard library or a third-party package
and is ignored, so nothing needs a list of either.

Component references

- ``load_component_from_file(<path>)`` (from ``kfp.components`` under any alias): the string
  literals in the argument, in order, joined with ``/``, resolved against the file's folder and
  then the repo root: ``"components/x/component.yaml"``, ``Path(__file__).parent / "op.yaml"``
  and ``ROOT / "components" / "x" / "component.yaml"`` all resolve. An f-string or a computed
  name cannot be seen without running the code and is ignored.
- ``<package>.components.load("<name>")``, the components package's helper (any import style):
  ``components/<name>/component.yaml``.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Container
from dataclasses import dataclass

IMPORTED = "imported"
LOADED = "loaded"
LOADER_FUNCTION = "load_component_from_file"
HELPER_MODULE = "components"  # <package>.components
HELPER_FUNCTION = "load"  # <package>.components.load("<name>")


@dataclass(frozen=True)
class Reference:
    """``target`` (a repo-relative path) is needed by the file, ``kind`` says how."""

    target: str
    kind: str  # IMPORTED or LOADED


def find_references(
    source: bytes | str, path: str, files: Container[str], components_package: str
) -> list[Reference]:
    """Repo files that ``path`` (repo-relative) imports or loads, in first-seen order.

    ``files`` holds every repo-relative path that may be referenced (the files at HEAD and the
    ones the change deleted, so an import of a deleted module still counts). A file that does
    not parse has no references we can see: compiling it will report the syntax error.
    """
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return []
    finder = _ReferenceFinder(path, files, components_package)
    finder.visit(tree)
    return finder.references()


class _ReferenceFinder(ast.NodeVisitor):
    def __init__(self, path: str, files: Container[str], components_package: str):
        self.path = path
        self.folder = posixpath.dirname(path)
        self.files = files
        self.helper = f"{components_package}.{HELPER_MODULE}.{HELPER_FUNCTION}"
        # The dotted package the file is in (for relative names): its folder, as a dotted path.
        self.package_parts = self.folder.split("/") if self.folder else []
        self.found: dict[str, str] = {}
        self.bindings: dict[str, str] = {}  # local name -> dotted name it was imported as
        self.calls: list[ast.Call] = []

    def references(self) -> list[Reference]:
        for call in self.calls:
            self._component_call(call)
        return [Reference(target, kind) for target, kind in self.found.items()]

    def _add(self, target: str | None, kind: str) -> None:
        if target is not None and target != self.path:
            self.found.setdefault(target, kind)

    # -- imports -------------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            for target in self._module_chain("", parts):
                self._add(target, IMPORTED)
            if alias.asname:
                self.bindings[alias.asname] = alias.name
            else:
                self.bindings[parts[0]] = parts[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        parts = node.module.split(".") if node.module else []
        if node.level:
            up = node.level - 1
            if up > len(self.package_parts):
                return  # beyond the repo root: not ours
            base_parts = self.package_parts[: len(self.package_parts) - up]
            chain = self._module_chain("/".join(base_parts), parts) if parts else []
            if not parts:  # `from . import x`: the package itself, plus submodule x
                chain = (
                    [self._find(posixpath.join(*base_parts, "__init__.py"))] if base_parts else []
                )
            dotted = ".".join(base_parts + parts)
            module_dir = "/".join(base_parts + parts)
        else:
            chain = self._module_chain("", parts)
            dotted = node.module or ""
            module_dir = "/".join(parts)
        for target in chain:
            self._add(target, IMPORTED)
        for alias in node.names:
            if alias.name == "*":
                continue
            self._add(self._module_file(module_dir, alias.name), IMPORTED)
            self.bindings[alias.asname or alias.name] = f"{dotted}.{alias.name}"

    def _module_chain(self, base: str, parts: list[str]) -> list[str | None]:
        """The ``__init__.py`` of every package on the way to the module, and the module."""
        chain: list[str | None] = []
        for depth in range(1, len(parts)):
            chain.append(self._find(posixpath.join(base, *parts[:depth], "__init__.py")))
        if parts:
            chain.append(self._module_file(posixpath.join(base, *parts[:-1]), parts[-1]))
        return chain

    def _module_file(self, folder: str, name: str) -> str | None:
        return self._find(posixpath.join(folder, f"{name}.py")) or self._find(
            posixpath.join(folder, name, "__init__.py")
        )

    def _find(self, candidate: str) -> str | None:
        return candidate if candidate in self.files else None

    # -- component references ------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)  # resolved after every import is bound, wherever it sits
        self.generic_visit(node)

    def _component_call(self, call: ast.Call) -> None:
        name = _callee_name(call.func)
        if name == LOADER_FUNCTION:
            argument = _argument(call, "file_path")
            parts = _literal_parts(argument) if argument is not None else None
            if parts:
                self._add(self._resolve_literal_path("/".join(parts)), LOADED)
        elif name == HELPER_FUNCTION and self._dotted(call.func) == self.helper:
            argument = _argument(call, "name")
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                self._add(f"components/{argument.value}/component.yaml", LOADED)

    def _resolve_literal_path(self, literal: str) -> str | None:
        if literal.startswith("/"):
            return None
        for candidate in (posixpath.join(self.folder, literal), literal):
            normal = posixpath.normpath(candidate)
            if not normal.startswith("../") and normal in self.files:
                return normal
        return None

    def _dotted(self, node: ast.expr) -> str | None:
        """The dotted name an attribute chain means through this file's imports."""
        attributes: list[str] = []
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.bindings:
            return None
        return ".".join([self.bindings[node.id], *reversed(attributes)])


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _argument(call: ast.Call, keyword: str) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _literal_parts(node: ast.expr) -> list[str] | None:
    """String literals of a path expression in evaluation order; None when part of the path
    is an f-string (unknowable). Names (``HERE``, ``__file__``) are anchors and contribute
    nothing: the joined literals are then tried against the file's folder and the root."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        return None
    if isinstance(node, ast.BinOp):
        left, right = _literal_parts(node.left), _literal_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Call):
        parts: list[str] = []
        for piece in [node.func, *node.args]:
            found = _literal_parts(piece)
            if found is None:
                return None
            parts += found
        return parts
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return _literal_parts(node.value)
    return []
