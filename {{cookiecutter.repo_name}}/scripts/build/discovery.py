# Do not edit: the template owns this file (make template-update brings its changes).
"""Pipeline discovery: load one pipeline module by path and find its single ``@dsl.pipeline``.

Used by ``compile`` and ``run``. Rules:

- a pipeline module publishes exactly one ``@dsl.pipeline``: the one named like the module, or
  else the only one that no other pipeline of the module calls (inner pipelines, which the
  main one calls as steps, are compiled into it and never published on their own); none, or
  several top-level ones, is an error that lists what was found (pipelines with their lines,
  or the components that are there instead);
- a pipeline imported from another module does not count when the module defines its own;
- a module that fails to import is reported with the file and line where it failed and the
  exception's message, never with a traceback;
- Python warnings raised while a pipeline loads or compiles (kfp's ``FutureWarning`` about a
  component without ``base_image``, a ``DeprecationWarning`` from the user's code) never reach
  stderr as Python prints them, two lines that would sit among the command's one-line errors:
  ``routed_warnings`` records them as warning Problems (``path:line: warning: Type: message``)
  for the command to report. ``-W error::...`` still turns them into errors.

Modules are loaded under a synthetic package per repo root (``_kfp_pipelines_<hash>``) with the
project folder as a real package path. That keeps relative imports (``from . import _helpers``)
working even though project folders have ``-`` in their names, lets shared helper modules be
imported once for many pipelines, and means two checkouts loaded in one process (tests) never
see each other's modules. The module name never reaches the compiled spec.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import sys
import traceback
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.core.errors import CheckFailed, Problem
from scripts.repo.model import Pipeline

# kfp's FutureWarning for a component without base_image, completed with this repo's fix.
BASE_IMAGE_ADVICE = (
    "pass base_image=BASE_IMAGE, packages_to_install=PACKAGES from the components package's "
    "images.py (README: Add a component)"
)


class DiscoveryError(CheckFailed):
    """A pipeline module that cannot be imported or does not hold exactly one pipeline."""


@dataclass(frozen=True)
class DiscoveredPipeline:
    """The pipeline object (a kfp ``GraphComponent``) found in one module."""

    pipeline: Pipeline
    function: Any  # kfp.dsl.graph_component.GraphComponent
    line: int  # where the decorated function is defined


def package_name_for(root: Path) -> str:
    digest = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:10]
    return f"_kfp_pipelines_{digest}"


def _identifier(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _ensure_package(name: str, path: Path) -> None:
    """Register ``name`` as a package whose modules are the ``.py`` files in ``path``."""
    if name in sys.modules:
        return
    package = types.ModuleType(name)
    package.__path__ = [str(path)]
    package.__package__ = name
    package.__file__ = None
    sys.modules[name] = package


def forget_modules(root: Path) -> None:
    """Drop every pipeline and helper module loaded from ``root``, so the next load reads the
    files again (a long-lived process, or a test that edits a helper between compiles)."""
    top = package_name_for(root)
    for name in [n for n in sys.modules if n == top or n.startswith(f"{top}.")]:
        del sys.modules[name]


def module_name_for(root: Path, pipeline: Pipeline) -> str:
    top = package_name_for(root)
    return f"{top}.{_identifier(pipeline.project)}.{pipeline.path.rsplit('/', 1)[1][:-3]}"


@contextlib.contextmanager
def importable(root: Path) -> Iterator[None]:
    """For the duration of the block, put the repo root first on ``sys.path`` (for the
    components package and absolute imports of repo modules) and make it the working folder,
    so a repo-relative path a pipeline reads at import time (a ``component.yaml``, a data file)
    means the same file whichever folder the command was started from."""
    entry = str(Path(root).resolve())
    sys.path.insert(0, entry)
    try:
        with contextlib.chdir(entry):
            yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)


def failure_location(root: Path, module_file: Path, error: BaseException) -> tuple[int | None, str]:
    """The line in the pipeline module where loading or compiling failed, and where it was
    raised when that is another file the user wrote (a helper, the components package). Frames
    of the tooling and of installed packages (kfp, a ``.venv`` inside the checkout) are never
    named: the user cannot fix those files."""
    root = Path(root).resolve()
    module_file = module_file.resolve()
    line: int | None = None
    elsewhere = ""
    if isinstance(error, SyntaxError) and error.filename:
        failing = Path(error.filename).resolve()
        if failing == module_file:
            return error.lineno, ""
        if _written_by_user(failing, root):
            line_text = f":{error.lineno}" if error.lineno else ""
            elsewhere = f"{failing.relative_to(root).as_posix()}{line_text}"
    innermost_user_frame = None
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path == module_file:
            line = frame.lineno
        if _written_by_user(path, root):
            innermost_user_frame = frame
    if innermost_user_frame is not None and not elsewhere:
        path = Path(innermost_user_frame.filename).resolve()
        if path != module_file:
            elsewhere = f"{path.relative_to(root).as_posix()}:{innermost_user_frame.lineno}"
    return line, elsewhere


def _written_by_user(path: Path, root: Path) -> bool:
    """A file of the repository's own code: under the root, outside the tooling, and not part
    of an installed environment (a virtualenv may live inside the checkout)."""
    if not path.is_relative_to(root) or path.is_relative_to(root / "scripts"):
        return False
    environments = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    if any(path.is_relative_to(prefix) for prefix in environments):
        return False
    parts = path.relative_to(root).parts
    return not any(
        part in ("site-packages", "dist-packages", "venv") or part.startswith(".venv")
        for part in parts
    )


def describe_exception(error: BaseException) -> str:
    """``Type: message`` on one line (messages from kfp can span several)."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@contextlib.contextmanager
def routed_warnings(root: Path, pipeline: Pipeline) -> Iterator[list[Problem]]:
    """Record the Python warnings raised in the block instead of printing them; on leaving it
    (also by an exception) the list it gave holds them as warning Problems, once each. A
    warning that points into the repo's own code keeps that file and line; one raised from
    inside kfp or another installed package is put on the pipeline's module."""
    found: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        try:
            yield found
        finally:
            problems = (warning_problem(root, pipeline, message) for message in caught)
            found.extend(dict.fromkeys(problems))


def warning_problem(root: Path, pipeline: Pipeline, message: warnings.WarningMessage) -> Problem:
    """One recorded warning as ``path[:line]: warning: Type: message`` (one line)."""
    root = Path(root).resolve()
    text = " ".join(str(message.message).split())
    text = f"{message.category.__name__}: {text}" if text else message.category.__name__
    if issubclass(message.category, FutureWarning) and "default base_image" in text:
        text += f" — {BASE_IMAGE_ADVICE}"
    origin = Path(message.filename).resolve() if message.filename else None
    if origin is not None and _written_by_user(origin, root):
        return Problem(origin.relative_to(root).as_posix(), message.lineno, text, "warning")
    return Problem(pipeline.path, None, text, "warning")


def load_module(root: Path, pipeline: Pipeline) -> types.ModuleType:
    """Import the pipeline's module (the repo root must be importable, see ``importable``)."""
    root = Path(root).resolve()
    top = package_name_for(root)
    _ensure_package(top, root / "pipelines")
    _ensure_package(f"{top}.{_identifier(pipeline.project)}", root / "pipelines" / pipeline.project)
    module_file = root / pipeline.path
    name = module_name_for(root, pipeline)
    # A module that failed before must be re-executed, not served half-initialised.
    sys.modules.pop(name, None)
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit) as error:
        sys.modules.pop(name, None)
        line, elsewhere = failure_location(root, module_file, error)
        where = f" (raised at {elsewhere})" if elsewhere else ""
        raise DiscoveryError(
            f"cannot import the pipeline module: {describe_exception(error)}{where}",
            path=pipeline.path,
            line=line,
        ) from None


def _definition_line(function: Any) -> int:
    code = getattr(getattr(function, "pipeline_func", None), "__code__", None)
    return code.co_firstlineno if code is not None else 1


def find_pipeline_function(module: types.ModuleType, pipeline: Pipeline) -> DiscoveredPipeline:
    """The pipeline ``module`` publishes (see the module docstring); none or an ambiguous
    choice is a DiscoveryError."""
    from kfp.dsl import base_component, graph_component

    pipelines: dict[int, tuple[str, Any]] = {}
    components: list[str] = []
    for attribute, value in vars(module).items():
        if isinstance(value, graph_component.GraphComponent):
            pipelines.setdefault(id(value), (attribute, value))
        elif isinstance(value, base_component.BaseComponent):
            components.append(attribute)
    found = sorted(pipelines.values(), key=lambda item: _definition_line(item[1]))
    local = [
        item
        for item in found
        if getattr(item[1].pipeline_func, "__module__", None) == module.__name__
    ]
    candidates, inner = _published_candidates(local or found, module, pipeline)
    if len(candidates) == 1:
        attribute, function = candidates[0]
        return DiscoveredPipeline(pipeline, function, _definition_line(function))
    if not candidates:
        hint = f"; it has components only ({', '.join(sorted(components))})" if components else ""
        raise DiscoveryError(
            f"no @dsl.pipeline function found{hint} — define exactly one pipeline per module "
            "(helper modules start with '_')",
            path=pipeline.path,
            line=None,
        )
    listed = ", ".join(f"{name} (line {_definition_line(fn)})" for name, fn in candidates)
    called = f" ({', '.join(inner)} run inside them and do not count)" if inner else ""
    raise DiscoveryError(
        f"{len(candidates)} @dsl.pipeline functions found: {listed}{called} — a module "
        f"publishes one pipeline: name the one to publish {pipeline.name!r} like the module, or "
        "move the others to their own modules",
        path=pipeline.path,
        line=_definition_line(candidates[1][1]),
    )


def _published_candidates(
    candidates: list[tuple[str, Any]], module: types.ModuleType, pipeline: Pipeline
) -> tuple[list[tuple[str, Any]], list[str]]:
    """The pipelines that could be the published one, and the inner ones left out: the one
    named like the module wins; otherwise those no other pipeline of the module calls."""
    if len(candidates) < 2:
        return candidates, []
    named = [item for item in candidates if pipeline.name in (item[0], _function_name(item[1]))]
    if len(named) == 1:
        return named, []
    called = _names_called_by_pipelines(module, {_function_name(fn) for _, fn in candidates})
    top = [item for item in candidates if _function_name(item[1]) not in called]
    inner = [name for name, fn in candidates if _function_name(fn) in called]
    return (top, inner) if top else (candidates, [])


def _function_name(function: Any) -> str:
    return getattr(getattr(function, "pipeline_func", None), "__name__", "")


def _names_called_by_pipelines(module: types.ModuleType, pipeline_names: set[str]) -> set[str]:
    """The pipeline functions that another pipeline function of ``module`` calls, read from
    the module's source (an inner pipeline is called by name inside the outer one's body)."""
    import ast

    try:
        tree = ast.parse(Path(module.__file__ or "").read_text("utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    called: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in pipeline_names:
            for call in ast.walk(node):
                if isinstance(call, ast.Call):
                    target = call.func
                    name = (
                        target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
                    )
                    if name in pipeline_names and name != node.name:
                        called.add(name)
    return called


def decorator_keywords(function: Any, keywords: tuple[str, ...]) -> dict[str, tuple[int, Any]]:
    """The ``keywords`` written in the ``@dsl.pipeline(...)`` (or ``@pipeline(...)``) call that
    decorates ``function`` (a GraphComponent), read from its source file: ``{keyword: (line,
    value)}``, the value a string literal or None when it is computed. kfp keeps no record of
    which arguments the decorator was given (and turns ``name`` into a Kubernetes name)."""
    import ast

    code = getattr(getattr(function, "pipeline_func", None), "__code__", None)
    if code is None:
        return {}
    try:
        tree = ast.parse(Path(code.co_filename).read_text("utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    definitions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name == code.co_name
        and node.decorator_list
    ]
    definitions.sort(key=lambda node: node.decorator_list[0].lineno != code.co_firstlineno)
    for decorator in definitions[0].decorator_list if definitions else ():
        target = decorator.func if isinstance(decorator, ast.Call) else None
        name = getattr(target, "attr", getattr(target, "id", ""))
        if name == "pipeline":
            return {
                keyword.arg: (keyword.lineno, _literal(keyword.value))
                for keyword in decorator.keywords
                if keyword.arg in keywords
            }
    return {}


def _literal(node: Any) -> Any:
    import ast

    return node.value if isinstance(node, ast.Constant) else None


def discover(root: Path, pipeline: Pipeline) -> DiscoveredPipeline:
    """Load ``pipeline``'s module and return its single pipeline function."""
    with importable(root):
        module = load_module(root, pipeline)
    return find_pipeline_function(module, pipeline)
