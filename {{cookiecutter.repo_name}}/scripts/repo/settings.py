# Do not edit: the template owns this file (make template-update brings its changes).
"""``[tool.kfp-monorepo]`` of pyproject.toml, checked value by value (part of ``validate``).

The CI tooling (``Repo.settings``) and the components package (``<package>/images.py``) read
these values at run time, so a bad one used to fail only there, jobs later: ``codeowners`` on a
bad platform-team, every compile on a bad base image. ``validate`` checks them all up front:

| key | rule |
|---|---|
| components-package | required; a Python identifier naming a folder of the repo |
| platform-team | required; an owner CODEOWNERS takes (``naming.OWNER``) |
| github-repository | optional; ``OWNER/NAME`` (``naming.GITHUB_REPOSITORY``) |
| component-base-image | an image reference; required when ``<package>/images.py`` (which |
|  | reads it) exists |
| component-packages | optional; a list of ``name==version``, each pinned to the same |
|  | version in ``[project] dependencies`` (local runs use those, KFP pip-installs these) |

Each problem is ``pyproject.toml:LINE: message — fix``. tomllib gives no line numbers, so
``_TomlLines`` finds a key's line (and a list item's) by scanning the text; what it cannot place
is reported on the table's header line. A pyproject.toml with no such table stays the
ConfigError of ``Repo.settings`` (exit 2); one that is not TOML at all is one problem.
"""

from __future__ import annotations

import keyword
import re
import tomllib
from typing import Any

from scripts.core.errors import Problem
from scripts.core.naming import GITHUB_REPOSITORY, IMAGE_REFERENCE, OWNER
from scripts.repo.model import PYPROJECT, SETTINGS_TABLE, Repo, settings_error, settings_table

# The fix that ends each message about a key: what the value is, with an example.
HINTS = {
    "components-package": "the folder name of the shared lightweight components package, e.g. "
    'components-package = "acme_components"',
    "platform-team": "the owner of everything no project owns (CODEOWNERS): a team "
    '"@org/team", a user "@login" or an email address, e.g. platform-team = "@acme/ml-platform"',
    "github-repository": "the GitHub repository as OWNER/NAME, e.g. "
    'github-repository = "acme/ml-pipelines"',
    "component-base-image": "the image the package's lightweight components run in on KFP, "
    '[registry/]name[:tag][@digest], e.g. component-base-image = "python:3.12-slim"',
    "component-packages": "a list of pinned requirements KFP pip-installs into "
    'component-base-image, e.g. component-packages = ["pandas==2.2.3"]',
}
REQUIRED = ("components-package", "platform-team")
IMAGES_MODULE = "images.py"  # of the components package: reads the two component-* keys
# One pinned requirement: a PEP 508 name, optional extras, "==" and one version (no "*").
PINNED = re.compile(
    r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\[[A-Za-z0-9._,-]+\])?==([A-Za-z0-9!+._-]+)$"
)
# A [project] dependency, loosely: its name and the version it pins with "==", if any.
DEPENDENCY = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;,]+))?"
)
_HEADER = re.compile(
    rf"^\s*\[\s*tool\s*\.\s*(?:{SETTINGS_TABLE}|\"{SETTINGS_TABLE}\"|'{SETTINGS_TABLE}')\s*\]"
    r"\s*(?:#.*)?$"
)


def settings_problems(repo: Repo) -> list[Problem]:
    """Every problem of the ``[tool.kfp-monorepo]`` table, each on its key's line."""
    try:
        text = (repo.root / PYPROJECT).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise settings_error(str(error)) from None
    try:
        pyproject = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return [_syntax_problem(error, text)]
    table = settings_table(pyproject)
    lines = _TomlLines(text)
    found = [
        *_package_problems(repo, table),
        *_value_problems(table, "platform-team", OWNER),
        *_value_problems(table, "github-repository", GITHUB_REPOSITORY),
        *_value_problems(
            table, "component-base-image", IMAGE_REFERENCE, _images_module(repo, table)
        ),
    ]
    problems = [Problem(PYPROJECT, lines.line_of(key), message) for key, message in found]
    return problems + _packages_problems(table, pyproject, lines)


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str) -> Problem:
    """tomllib's message without its position, which becomes the line (the last line for
    "at end of document": an unclosed string or list)."""
    where = re.search(r" \(at (?:line (\d+), column \d+|end of document)\)$", str(error))
    message = str(error)[: where.start()] if where else str(error)
    line = (int(where[1]) if where[1] else len(text.splitlines())) if where else None
    return Problem(PYPROJECT, line, f"invalid TOML: {message} — fix the syntax")


def _images_module(repo: Repo, table: dict[str, Any]) -> str | None:
    """``<package>/images.py`` when the components package has it (it needs the image)."""
    package = table.get("components-package")
    if not isinstance(package, str) or not package.isidentifier():
        return None
    module = f"{package}/{IMAGES_MODULE}"
    return module if (repo.root / module).is_file() else None


def _text_problems(
    table: dict[str, Any], key: str, read_by: str | None = None
) -> list[tuple[str, str]]:
    """A required key that is missing (one of REQUIRED, or one the module ``read_by`` reads),
    or a value that is not text or is empty."""
    if key not in table:
        if key not in REQUIRED and read_by is None:
            return []
        needed = f", which {read_by} reads" if read_by else ""
        return [(key, f"[tool.{SETTINGS_TABLE}] has no {key}{needed} — add it: {HINTS[key]}")]
    value = table[key]
    if not isinstance(value, str):
        return [(key, f"{key} must be text, not {_kind(value)} — {HINTS[key]}")]
    if not value.strip():
        return [(key, f"{key} is empty — {HINTS[key]}")]
    return []


def _value_problems(
    table: dict[str, Any], key: str, rule: re.Pattern[str], read_by: str | None = None
) -> list[tuple[str, str]]:
    """A text value that ``rule`` does not match (or the problem of ``_text_problems``)."""
    problems = _text_problems(table, key, read_by)
    if problems or key not in table or rule.match(table[key]):
        return problems
    return [(key, f"{key} {table[key]!r} is not valid — {HINTS[key]}")]


def _package_problems(repo: Repo, table: dict[str, Any]) -> list[tuple[str, str]]:
    """components-package: an importable name whose folder exists (pipelines import it, and
    change detection follows imports of it into that folder)."""
    key = "components-package"
    problems = _text_problems(table, key)
    if problems:
        return problems
    package = table[key]
    if not package.isidentifier() or keyword.iskeyword(package):
        return [
            (
                key,
                f"{key} {package!r} is not an importable package name — use a Python "
                "identifier (letters, digits and underscores, not starting with a digit): "
                f"{HINTS[key]}",
            )
        ]
    if not (repo.root / package).is_dir():
        return [
            (
                key,
                f"{key} {package!r} names no folder of the repository (there is no {package}/ "
                "next to pyproject.toml) — create the package or set the name of its folder",
            )
        ]
    return []


def _packages_problems(
    table: dict[str, Any], pyproject: dict[str, Any], lines: _TomlLines
) -> list[Problem]:
    """component-packages: a list of pinned requirements, each once, each pinned alike in
    ``[project] dependencies`` (images.py hands them to KFP's packages_to_install)."""
    key = "component-packages"
    packages = table.get(key, [])
    if not isinstance(packages, list):
        message = f"{key} must be a list, not {_kind(packages)} — {HINTS[key]}"
        return [Problem(PYPROJECT, lines.line_of(key), message)]
    dependencies = _pinned_dependencies(pyproject)
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    for index, (line, package) in enumerate(
        zip(lines.item_lines(key, packages), packages, strict=True)
    ):
        label = f"{key}[{index}]"
        pinned = PINNED.match(package) if isinstance(package, str) else None
        if pinned is None:
            message = (
                f"{label} must be text, not {_kind(package)}"
                if not isinstance(package, str)
                else f"{label} {package!r} is not pinned"
            )
            fix = 'write name==version, e.g. "pandas==2.2.3", so every run installs the same'
            problems.append(Problem(PYPROJECT, line, f"{message} — {fix}"))
            continue
        name = _normalized(pinned[1])
        if name in first_line:
            message = f"{label} lists {pinned[1]!r} twice (first at line {first_line[name]})"
            problems.append(Problem(PYPROJECT, line, f"{message} — keep one"))
            continue
        first_line[name] = line or 0
        message = _dependency_message(label, package, pinned[3], dependencies, name)
        if message:
            problems.append(Problem(PYPROJECT, line, message))
    return problems


def _dependency_message(
    label: str,
    package: str,
    version: str,
    dependencies: dict[str, tuple[str, str | None]] | None,
    name: str,
) -> str:
    """The problem of a component package not pinned alike in ``[project] dependencies``;
    "" when it is, or when the dependencies are dynamic (not in pyproject.toml)."""
    why = "local runs (python -m scripts run --local) use this project's environment"
    if dependencies is None:
        return ""
    if name not in dependencies:
        return f"{label} {package!r} is not in [project] dependencies — add it there too: {why}"
    dependency, pinned_version = dependencies[name]
    if pinned_version != version:
        return (
            f"{label} {package!r} is not the version of {dependency!r} in [project] "
            f"dependencies — pin the same version in both: {why}"
        )
    return ""


def _pinned_dependencies(pyproject: dict[str, Any]) -> dict[str, tuple[str, str | None]] | None:
    """Normalized name -> (the requirement, the version it pins or None) of each [project]
    dependency; None when the dependencies are dynamic."""
    project = pyproject.get("project")
    project = project if isinstance(project, dict) else {}
    dynamic = project.get("dynamic")
    if isinstance(dynamic, list) and "dependencies" in dynamic:
        return None
    dependencies = project.get("dependencies")
    found: dict[str, tuple[str, str | None]] = {}
    for requirement in dependencies if isinstance(dependencies, list) else []:
        match = DEPENDENCY.match(requirement) if isinstance(requirement, str) else None
        if match:
            found.setdefault(_normalized(match[1]), (requirement, match[2]))
    return found


def _normalized(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _kind(value: Any) -> str:
    kinds = {bool: "true or false", int: "a number", float: "a number", str: "text"}
    return kinds.get(type(value)) or {list: "a list", dict: "a table"}.get(type(value), "a date")


class _TomlLines:
    """Where the settings table's keys and list items are in pyproject.toml's text.

    Good for the table as written by hand (``key = value`` lines, a list over one or several
    lines); anything else falls back to the table's header line.
    """

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")  # not splitlines: offsets count each \n once
        self.header = next(
            (number for number, line in enumerate(self.lines, 1) if _HEADER.match(line)), None
        )
        start = self.header or 0
        self.end = next(
            (n for n in range(start + 1, len(self.lines) + 1) if self._is_header(n)),
            len(self.lines) + 1,
        )

    def _is_header(self, number: int) -> bool:
        return self.lines[number - 1].lstrip().startswith("[")

    def line_of(self, key: str) -> int | None:
        """The line of ``key = ...`` in the table, else the table's header line."""
        if self.header is None:
            return None
        quoted = re.escape(key)
        pattern = re.compile(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*=")
        for number in range(self.header + 1, self.end):
            if pattern.match(self.lines[number - 1]):
                return number
        return self.header

    def item_lines(self, key: str, items: list[Any]) -> list[int | None]:
        """The line of each item of the list ``key``, found in order after the key's line;
        an item not found (or not text) gets the key's line."""
        key_line = self.line_of(key)
        if key_line is None:
            return [None] * len(items)
        position = sum(len(line) + 1 for line in self.lines[: key_line - 1])
        found: list[int | None] = []
        for item in items:
            hits = [self.text.find(f"{q}{item}{q}", position) for q in "\"'"]
            hits = [hit for hit in hits if hit >= 0] if isinstance(item, str) else []
            if not hits:
                found.append(key_line)
                continue
            position = min(hits) + len(item) + 2
            found.append(self.text.count("\n", 0, min(hits)) + 1)
        return found
