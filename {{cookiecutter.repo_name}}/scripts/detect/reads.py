# Do not edit: the template owns this file (make template-update brings its changes).
"""Reads change detection cannot resolve: file reads in pipeline code whose path is unknown.

A data file a pipeline reads at compile time counts when the code names it by a literal path
(``scripts/detect/literals.py``). A read whose path is computed (``open(name)``,
``Path(some_var).read_text()``, an f-string) may read any file, so a change to that file marks
nothing: such a read is reported as a warning (``path:line``), never an error.

What counts as a read: ``open(p)`` (builtin, or a module's ``open``: ``io``, ``gzip``, ...) not
for writing, and ``p.open()``, ``p.read_text()``, ``p.read_bytes()``. Its path is read
strictly: string literals, ``__file__``, imported names (``os.path.join``, ``Path``), builtins,
and names the module or function assigns from such paths (``HERE = Path(__file__).parent``,
then ``open(HERE / "q.sql")``). It is resolved when it names a file of the repo relative to
the module's folder or the repo root; an absolute path or a URL is outside the repo and fine.

Not warned about, because it does not run at compile time or is another line's business:

- the body of a KFP component (``@dsl.component``, ``@dsl.container_component``): it runs in
  a container, on the pipeline's artifacts;
- a read of a function's own parameter (``def rows(path): open(path)``): the caller names the
  file, and a literal path there counts;
- ``if __name__ == "__main__":`` blocks.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import posixpath
import re
from collections.abc import Container, Iterator
from typing import Any

from scripts.core.errors import Problem
from scripts.detect.literals import Parts, path_parts, resolve_literal_path

# What a source must mention to hold a read (a cheap filter before parsing).
READ_MARKERS = (b"open(", b"read_text(", b"read_bytes(")
PATH_METHODS = ("read_text", "read_bytes", "open")
WRITE_MODES = frozenset("wax")
COMPONENT_DECORATORS = frozenset({"component", "container_component"})
# Calls that pass their one argument's path through unchanged.
WRAPPERS = frozenset({"Path", "PurePath", "PosixPath", "PurePosixPath", "str", "fspath"})
BUILTINS = frozenset(dir(builtins))
PARAMETER: Parts = ("<parameter>",)  # a marker: the name is a parameter with no known default
MAX_SHOWN = 60
# The start of a line of code at column 0 (not blank, a comment or a closing bracket).
COLUMN_ZERO = re.compile(rb"^(?![ \t\r\n#)\]}])", re.MULTILINE)
DEFINITION = re.compile(rb"(?:async[ \t]+)?def[ \t]")
COMPONENT_DECORATOR = re.compile(rb"@[ \t]*(?:[\w.]*\.)?(?:component|container_component)\b")


def may_read(source: bytes) -> bool:
    """Whether ``source`` may hold a read worth a warning: a read marker outside the body of
    a top-level KFP component (pipelines often define components inline, and their bodies
    read their artifacts). Judged from the text, so a file is parsed only when it may: when
    unsure (a line at column 0 inside a string, say), the answer is yes."""
    positions = sorted(
        match.start() for marker in READ_MARKERS for match in re.finditer(re.escape(marker), source)
    )
    if not positions:
        return False
    starts = [match.start() for match in COLUMN_ZERO.finditer(source)]
    return not all(_in_component_body(source, starts, position) for position in positions)


def _in_component_body(source: bytes, starts: list[int], position: int) -> bool:
    """Whether ``position`` is below the ``def`` line of a top-level function decorated as a
    KFP component, with no line at column 0 between them."""
    index = bisect.bisect_right(starts, position) - 1
    if index < 0 or not DEFINITION.match(source, starts[index]):
        return False
    if source.find(b"\n", starts[index], position) == -1:
        return False  # on the def line itself: a default value, evaluated at import
    for start in reversed(starts[:index]):
        if not source.startswith(b"@", start):
            return False
        if COMPONENT_DECORATOR.match(source, start):
            return True
    return False


def unresolved_reads(source: bytes, path: str, files: Container[str]) -> list[Problem]:
    """Warnings for the reads in ``source`` (the module at ``path``) whose file cannot be
    resolved; none for a file that does not parse (compiling it reports that)."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError):
        return []
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    scanner = _Scanner(path, files, imported)
    scanner.scope(_module_body(tree.body), {})
    return scanner.problems


def _module_body(body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's statements without its ``if __name__ == "__main__":`` blocks."""
    return [statement for statement in body if not _is_main_guard(statement)]


def _is_main_guard(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.If) or not isinstance(statement.test, ast.Compare):
        return False
    sides = [statement.test.left, *statement.test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


class _Scanner:
    def __init__(self, path: str, files: Container[str], imported: set[str]):
        self.path = path
        self.folder = posixpath.dirname(path)
        self.files = files
        self.imported = imported
        self.problems: list[Problem] = []

    def scope(self, body: list[ast.stmt], outer: dict[str, Parts | None]) -> None:
        """One scope (the module, a class or a function body): learn its assignments, check
        its reads, then each nested function or class with this scope's names."""
        names = dict(outer)
        nested: list[ast.stmt] = []
        for statement in body:
            for node in _own_nodes(statement, nested):
                if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
                    self._assign(node, names)
                elif isinstance(node, ast.Call):
                    self._check(node, names)
                for target in _rebound(node):  # loop and `with` targets: values unknown
                    names.update((n.id, None) for n in ast.walk(target) if isinstance(n, ast.Name))
        for definition in nested:
            if isinstance(definition, ast.ClassDef):
                self.scope(definition.body, names)
            elif not _is_component(definition):
                assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
                self.scope(definition.body, {**names, **self._parameters(definition, names)})

    def _assign(
        self, node: ast.Assign | ast.AnnAssign | ast.NamedExpr, names: dict[str, Parts | None]
    ) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = self._parts(node.value, names) if node.value is not None else None
        for target in targets:
            if isinstance(target, ast.Name):
                names[target.id] = value if len(targets) == 1 else None
            else:  # unpacking, attributes: the names bound are unknown
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = None

    def _parameters(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, names: dict[str, Parts | None]
    ) -> dict[str, Parts | None]:
        """Each parameter: its default's path when that resolves, else the parameter mark."""
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        pairs = [
            *zip(positional, [*defaults, *arguments.defaults], strict=True),
            *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
        ]
        pairs += [(extra, None) for extra in (arguments.vararg, arguments.kwarg) if extra]
        found: dict[str, Parts | None] = {}
        for argument, default in pairs:
            parts = self._parts(default, names) if default is not None else None
            found[argument.arg] = parts if parts else PARAMETER
        return found

    def _parts(self, node: ast.expr, names: dict[str, Parts | None]) -> Parts | None:
        def lookup(name: str) -> Parts | None:
            if name in names:
                value = names[name]
                return None if value == PARAMETER else value
            return () if name in self.imported or name in BUILTINS else None

        return path_parts(node, lookup)

    def _check(self, call: ast.Call, names: dict[str, Parts | None]) -> None:
        target = _read_target(call, self.imported)
        if target is None:
            return
        while (
            isinstance(target, ast.Call)
            and _callee(target.func) in WRAPPERS
            and len(target.args) == 1
        ):
            target = target.args[0]
        if isinstance(target, ast.Name) and names.get(target.id) == PARAMETER:
            return  # the caller's path: a literal there counts
        parts = self._parts(target, names)
        literal = "/".join(parts) if parts else ""
        if literal.startswith("/") or "://" in literal:
            return  # outside the repo
        if literal and resolve_literal_path(literal, self.folder, self.files):
            return
        if parts == () and _mentions_own_file(target):
            return  # the module reading itself: no data file
        self.problems.append(Problem(self.path, call.lineno, _message(call, literal), "warning"))


def _own_nodes(statement: ast.stmt, nested: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of ``statement`` in this scope, in source order; nested functions and
    classes go to ``nested`` instead, and lambdas are skipped (their parameters are theirs)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        nested.append(statement)
        yield from (node for d in statement.decorator_list for node in ast.walk(d))
        return
    stack: list[Any] = [statement]
    while stack:
        node = stack.pop()
        yield node
        children = list(ast.iter_child_nodes(node))
        nested.extend(child for child in children if _defines(child))
        stack.extend(
            reversed([c for c in children if not _defines(c) and not isinstance(c, ast.Lambda)])
        )


def _defines(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _rebound(node: ast.AST) -> list[ast.expr]:
    """Targets ``node`` binds to values the path reading cannot know."""
    if isinstance(node, ast.For | ast.AsyncFor | ast.AugAssign):
        return [node.target]
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        return [generator.target for generator in node.generators]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    return []


def _mentions_own_file(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__file__" for n in ast.walk(node))


def _is_component(function: ast.stmt) -> bool:
    """Whether a KFP component decorator marks the function: its body runs in a container."""
    for decorator in getattr(function, "decorator_list", []):
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _callee(func) in COMPONENT_DECORATORS:
            return True
    return False


def _read_target(call: ast.Call, imported: set[str]) -> ast.expr | None:
    """The path expression a call reads, or None when the call is no read (or a write)."""
    name = _callee(call.func)
    module_open = (
        name == "open"
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in imported
    )
    if name == "open" and (isinstance(call.func, ast.Name) or module_open):
        target, mode = _argument(call, "file", 0), _argument(call, "mode", 1)
    elif isinstance(call.func, ast.Attribute) and name in PATH_METHODS:
        target, mode = call.func.value, _argument(call, "mode", 0) if name == "open" else None
    else:
        return None
    writes = isinstance(mode, ast.Constant) and isinstance(mode.value, str)
    return None if writes and WRITE_MODES & set(mode.value) else target


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _message(call: ast.Call, literal: str) -> str:
    shown = ast.unparse(call)
    if len(shown) > MAX_SHOWN:
        shown = shown[: MAX_SHOWN - 3] + "..."
    what = (
        f"reads {literal!r}, which is no file of the repo (relative to this file's folder or "
        "the repo root)"
        if literal
        else "reads a file whose path change detection cannot resolve"
    )
    return (
        f"{what}: `{shown}`; a change to that file marks no pipeline — name it with a literal "
        'path (e.g. Path(__file__).parent / "query.sql")'
    )
