"""The shape of scripts/: layers that point one way, no import cycles, and small parts.

The layers are an import-linter contract in pyproject.toml (``lint-imports``, also run by
``make lint`` and the pull-request checks); these tests run it, prove that it bites, and keep
the limits that keep the tooling easy to read: at most 12 modules a folder, 400 lines a module
and 60 lines a function, and no import cycle anywhere.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.git_repos import REPO_ROOT

SCRIPTS = REPO_ROOT / "scripts"
MAX_MODULES_PER_FOLDER = 12
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def modules() -> dict[str, Path]:
    """Every module of scripts/ by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(SCRIPTS.rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_modules(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of scripts/ that ``name`` imports (at any place in the file)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    own_children = path.name == "__init__.py"
    return {
        module
        for module in found
        if module in known
        and module != name
        and not (own_children and module.startswith(name + "."))
    }


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles_in_scripts():
    known = modules()
    graph = {name: imported_modules(name, path, known) for name, path in known.items()}
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_folder_of_scripts_holds_more_than_12_modules():
    crowded = {
        folder.relative_to(REPO_ROOT).as_posix(): count
        for folder in [SCRIPTS, *SCRIPTS.rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__"
        if (count := len([p for p in folder.glob("*.py") if p.name != "__init__.py"]))
        > MAX_MODULES_PER_FOLDER
    }
    assert crowded == {}


def test_no_module_of_scripts_is_over_400_lines():
    long_modules = {
        path.relative_to(REPO_ROOT).as_posix(): lines
        for path in modules().values()
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long_modules == {}


def test_no_function_of_scripts_is_over_60_lines():
    long_functions = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    where = f"{path.relative_to(REPO_ROOT).as_posix()}:{node.lineno}"
                    long_functions.append(f"{where} {node.name} ({length} lines)")
    assert long_functions == []


# -- the import-linter contract -------------------------------------------------------------


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.is_file():
        pytest.fail(
            f"{LINT_IMPORTS} is missing — run `make setup` (import-linter is a dev dependency)"
        )
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(root)},
    )


def copy_of_scripts(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SCRIPTS, root / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_layers_contract_holds():
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "message"),
    [
        (
            "scripts/core/upward.py",
            "import scripts.cli.main\n",
            "scripts.core is not allowed to import scripts.cli",
        ),
        (
            "scripts/repo/upward.py",
            "from scripts.detect import git\n",
            "scripts.repo is not allowed to import scripts.detect",
        ),
        (
            "scripts/images/sideways.py",
            "from scripts.targets.publish import plan\n",
            "scripts.images is not allowed to import scripts.targets",
        ),
        ("scripts/detect/slow.py", "import kfp\n", "scripts.detect is not allowed to import kfp"),
    ],
    ids=["core-imports-cli", "repo-imports-detect", "images-imports-targets", "detect-imports-kfp"],
)
def test_the_contract_breaks_on_a_wrong_import(tmp_path, module, source, message):
    root = copy_of_scripts(tmp_path)
    (root / module).write_text(source, encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout
