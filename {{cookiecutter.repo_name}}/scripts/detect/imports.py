# Do not edit: the template owns this file (make template-update brings its changes).
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
  (``scripts/build/discovery.py``), so absolute names resolve from the repo root and relative ones
  from the file's folder, exactly as here.

A name that resolves to no file in ``files`` is the standard library or a third-party package
and is ignored, so nothing needs a list of either.

Component references

- ``load_component_from_file(<path>)`` (from ``kfp.components`` under any alias): the string
  literals in the argument, in order, joined with ``/``, resolved against the file's folder and
  then the repo root: ``"components/x/component.yaml"``, ``Path(__file__).parent / "op.yaml"``
  and ``ROOT / "components" / "x" / "component.yaml"`` all resolve. An f-string or a computed
  name cannot be seen without running the code and is ignored.
- ``<package>.component_specs.load("<name>")``, the components package's helper (any import
  style; ``<package>.components.load``, its name before, still counts):
  ``components/<name>/component.yaml``.

Dynamic imports with literal names are imports: ``importlib.import_module("a.b")`` (any
alias), ``import_module(".b", package=__package__)`` or with a literal package, and
``__import__("a.b")`` (with a literal ``fromlist`` and ``level`` too). A computed name is
invisible, as for any reference.

Data files: with ``data_names`` (the file names of the changed non-Python files), a file that
mentions one is read whole and every literal path in it that names a repo file counts
(``scripts/detect/literals.py``, kind "read").
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from scripts.detect.import_text import import_statements
from scripts.detect.literals import data_references, path_parts, resolve_literal_path

IMPORTED = "imported"
LOADED = "loaded"
READ = "read"
LOADER_FUNCTION = "load_component_from_file"
HELPER_MODULE = "component_specs"  # <package>.component_specs
# The helper's module under every name it has had: a repo generated before the rename keeps
# its pipelines' `components.load(...)` calls seen.
HELPER_MODULES = (HELPER_MODULE, "components")
HELPER_FUNCTION = "load"  # <package>.component_specs.load("<name>")
DYNAMIC_IMPORTERS = ("import_module", "__import__")


@dataclass(frozen=True)
class Reference:
    """``target`` (a repo-relative path) is needed by the file, ``kind`` says how."""

    target: str
    kind: str  # IMPORTED, LOADED or READ


class FileIndex:
    """The repo paths a reference may resolve to, with module lookups memoised: thousands of
    pipelines import the same few modules."""

    def __init__(self, paths: Iterable[str]):
        self.paths = frozenset(paths)
        self._modules: dict[tuple[str, str], str | None] = {}
        # (level, module, folder for relative imports, names) -> (files, dotted module name)
        self.resolved: dict[tuple, tuple[list[str], str | None]] = {}

    def __contains__(self, path: object) -> bool:
        return path in self.paths

    def find(self, candidate: str) -> str | None:
        return candidate if candidate in self.paths else None

    def module_file(self, folder: str, name: str) -> str | None:
        """``<folder>/<name>.py`` or ``<folder>/<name>/__init__.py``, whichever exists."""
        key = (folder, name)
        if key not in self._modules:
            base = f"{folder}/{name}" if folder else name
            self._modules[key] = self.find(f"{base}.py") or self.find(f"{base}/__init__.py")
        return self._modules[key]


def find_references(
    source: bytes,
    path: str,
    files: FileIndex | Iterable[str],
    components_package: str,
    data_names: Collection[bytes] = (),
) -> list[Reference]:
    """Repo files that ``path`` (repo-relative) imports, loads or reads, in first-seen order.

    ``files`` holds every repo-relative path that may be referenced (the files at HEAD and the
    ones the change deleted, so an import of a deleted module still counts). A file whose
    import statements do not parse has no references we can see (compiling it will report the
    syntax error); a syntax error elsewhere in it does not hide its imports.

    Only the import statements are parsed (``scripts/detect/import_text.py``) unless the file may
    load a component or import dynamically, which needs its calls, or mentions one of
    ``data_names`` (file names of changed data files), which needs its literals, or its text
    defeats the cut: then all of it.
    """
    index = files if isinstance(files, FileIndex) else FileIndex(files)
    finder = _ReferenceFinder(path, index, components_package)
    statements = import_statements(source)
    tree = _parse(statements, path) if statements is not None else None
    if tree is None:
        tree = _parse(source, path)
        if tree is None:
            return []
    finder.add_imports(tree)
    needs_calls = (
        LOADER_FUNCTION.encode() in source
        or finder.may_call_helper()
        or any(name.encode() in source for name in DYNAMIC_IMPORTERS)
    )
    needs_literals = any(name in source for name in data_names)
    if needs_calls or needs_literals:
        if statements is not None:
            tree = _parse(source, path)
        if tree is not None and needs_calls:
            finder.add_calls(node for node in ast.walk(tree) if isinstance(node, ast.Call))
        if tree is not None and needs_literals:
            for target in data_references(tree, path, index):
                finder.add(target, READ)
    return finder.references()


def _parse(source: bytes, path: str) -> ast.Module | None:
    try:
        return ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement at any depth (imports are statements, never inside expressions)."""
    for statement in body:
        yield statement
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            nested = getattr(statement, field, None)
            if nested:
                yield from _statements(nested)


class _ReferenceFinder:
    def __init__(self, path: str, files: FileIndex, components_package: str):
        self.path = path
        self.folder = posixpath.dirname(path)
        self.files = files
        self.package = components_package
        self.helpers = {f"{components_package}.{m}.{HELPER_FUNCTION}" for m in HELPER_MODULES}
        # The dotted package the file is in (for relative names): its folder, as a dotted path.
        self.package_parts = self.folder.split("/") if self.folder else []
        self.found: dict[str, str] = {}
        self.bindings: dict[str, str] = {}  # local name -> dotted name it was imported as

    def add_imports(self, tree: ast.Module) -> None:
        for statement in _statements(tree.body):
            if isinstance(statement, ast.Import):
                self._add_import(statement)
            elif isinstance(statement, ast.ImportFrom):
                self._add_import_from(statement)

    def may_call_helper(self) -> bool:
        """Whether some name bound by the imports can reach ``<package>.component_specs.load``."""
        dotted_names = self.bindings.values()
        return any(h.startswith(dotted) for dotted in dotted_names for h in self.helpers)

    def add_calls(self, calls: Iterable[ast.Call]) -> None:
        for call in calls:
            name = _callee_name(call.func)
            if name in DYNAMIC_IMPORTERS or self._dotted(call.func) == "importlib.import_module":
                self._dynamic_import(call, dunder=name == "__import__")
            else:
                self._component_call(call)

    def references(self) -> list[Reference]:
        return [Reference(target, kind) for target, kind in self.found.items()]

    def add(self, target: str | None, kind: str) -> None:
        if target is not None and target != self.path:
            self.found.setdefault(target, kind)

    # -- imports -------------------------------------------------------------------------------

    def _add_import(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            for target in self._module_chain([], parts):
                self.add(target, IMPORTED)
            if alias.asname:
                self.bindings[alias.asname] = alias.name
            else:
                self.bindings[parts[0]] = parts[0]

    def _add_import_from(self, node: ast.ImportFrom) -> None:
        # Thousands of pipelines import the same modules: resolve each statement shape once.
        names = tuple(alias.name for alias in node.names)
        key = (node.level, node.module, self.folder if node.level else "", names)
        resolved = self.files.resolved.get(key)
        if resolved is None:
            resolved = self.files.resolved[key] = self._resolve_import_from(node, names)
        targets, dotted = resolved
        for target in targets:
            self.add(target, IMPORTED)
        if dotted is not None:
            for alias in node.names:
                self.bindings[alias.asname or alias.name] = f"{dotted}.{alias.name}"

    def _resolve_import_from(
        self, node: ast.ImportFrom, names: tuple[str, ...]
    ) -> tuple[list[str], str | None]:
        """The repo files ``from <module> import <names>`` runs, and the module's dotted name
        (None when a relative import climbs above the repo root: nothing of ours)."""
        parts = node.module.split(".") if node.module else []
        if node.level:
            up = node.level - 1
            if up > len(self.package_parts):
                return [], None
            base_parts = self.package_parts[: len(self.package_parts) - up]
            chain = self._module_chain(base_parts, parts) if parts else []
            if not parts:  # `from . import x`: the package itself, plus submodule x
                chain = (
                    [self.files.find("/".join([*base_parts, "__init__.py"]))] if base_parts else []
                )
            dotted = ".".join(base_parts + parts)
            module_dir = "/".join(base_parts + parts)
        else:
            chain = self._module_chain([], parts)
            dotted = node.module or ""
            module_dir = "/".join(parts)
        chain += [self.files.module_file(module_dir, name) for name in names if name != "*"]
        return [target for target in chain if target is not None], dotted

    def _module_chain(self, base_parts: list[str], parts: list[str]) -> list[str | None]:
        """The ``__init__.py`` of every package on the way to the module, and the module."""
        chain: list[str | None] = []
        for depth in range(1, len(parts)):
            chain.append(self.files.find("/".join([*base_parts, *parts[:depth], "__init__.py"])))
        if parts:
            chain.append(self.files.module_file("/".join([*base_parts, *parts[:-1]]), parts[-1]))
        return chain

    # -- component references ------------------------------------------------------------------

    def _component_call(self, call: ast.Call) -> None:
        dotted = self._dotted(call.func) or ""
        if _callee_name(call.func) == LOADER_FUNCTION or dotted.endswith(f".{LOADER_FUNCTION}"):
            argument = _argument(call, "file_path")
            parts = path_parts(argument) if argument is not None else None
            if parts:
                self.add(resolve_literal_path("/".join(parts), self.folder, self.files), LOADED)
        elif dotted in self.helpers:
            name = _string(_argument(call, "name"))
            if name is not None:
                self.add(f"components/{name}/component.yaml", LOADED)

    def _dynamic_import(self, call: ast.Call, *, dunder: bool) -> None:
        """``import_module(name, package)`` and ``__import__(name, ..., fromlist, level)`` with
        literal names: the files the same static import would run."""
        name = _string(_argument(call, "name"))
        if name is None:
            return
        parts = [part for part in name.lstrip(".").split(".") if part]
        if dunder:
            level = _integer(_argument(call, "level", position=4)) or 0
            package: ast.expr | None = ast.Name("__package__") if level else None
            fromlist = _strings(_argument(call, "fromlist", position=3))
        else:
            level = len(name) - len(name.lstrip("."))
            package = _argument(call, "package", position=1)
            fromlist = []
        base = self._package_of(package) if level else []
        if base is None or level - 1 > len(base):
            return
        base = base[: len(base) - (level - 1)] if level else base
        chain = self._module_chain(base, parts) if parts else []
        if not parts and base:
            chain.append(self.files.find("/".join([*base, "__init__.py"])))
        chain += [self.files.module_file("/".join(base + parts), item) for item in fromlist]
        for target in chain:
            self.add(target, IMPORTED)

    def _package_of(self, node: ast.expr | None) -> list[str] | None:
        """The package a relative dynamic import starts from: ``__package__`` (this file's
        folder) or a literal dotted name; None when it cannot be known."""
        if isinstance(node, ast.Name) and node.id == "__package__":
            return list(self.package_parts)
        literal = _string(node)
        return literal.split(".") if literal else None

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


def _argument(call: ast.Call, keyword: str, position: int = 0) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _integer(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _strings(node: ast.expr | None) -> list[str]:
    """The literal strings of a list or tuple (a ``fromlist``); none for anything else."""
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    return [text for item in node.elts if (text := _string(item)) is not None and text != "*"]
