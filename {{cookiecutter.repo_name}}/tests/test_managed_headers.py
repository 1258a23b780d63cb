"""The files the template owns say so in their first line, so nobody edits them by mistake.

A template update (`make template-update`) merges the template's changes into these files; a
change made only in this repository would conflict with the next one. Every module under
`scripts/` (new ones too), every schema and every workflow carries the header: a file added
without it fails here.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.git_repos import REPO_ROOT

PYTHON_HEADER = (
    "# Do not edit: the template owns this file (make template-update brings its changes)."
)
SCHEMA_COMMENT = PYTHON_HEADER.removeprefix("# ")
WORKFLOW_HEADER = (
    '# Do not edit, except lines marked "yours": the template owns this file '
    "(make template-update)."
)

MODULES = sorted(
    path for path in (REPO_ROOT / "scripts").rglob("*.py") if "__pycache__" not in path.parts
)
SCHEMAS = sorted((REPO_ROOT / "schemas").glob("*.json"))
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.y*ml"))


def first_line(path) -> str:
    return path.read_text("utf-8").split("\n", 1)[0]


def relative(path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def test_there_is_something_to_check():
    assert len(MODULES) > 50 and len(SCHEMAS) >= 3 and len(WORKFLOWS) >= 2


def test_every_module_of_scripts_starts_with_the_header():
    missing = [relative(path) for path in MODULES if first_line(path) != PYTHON_HEADER]
    assert missing == [], f"add this first line to each: {PYTHON_HEADER}"


@pytest.mark.parametrize("path", SCHEMAS, ids=relative)
def test_every_schema_has_the_header_as_its_comment(path):
    # JSON has no comments: JSON Schema's "$comment" keyword holds it, right after "$schema".
    schema = json.loads(path.read_text("utf-8"))
    assert schema.get("$comment") == SCHEMA_COMMENT
    assert list(schema)[:2] == ["$schema", "$comment"]


def test_every_workflow_starts_with_the_header():
    missing = [relative(path) for path in WORKFLOWS if first_line(path) != WORKFLOW_HEADER]
    assert missing == [], f"add this first line to each: {WORKFLOW_HEADER}"


def test_the_check_fails_on_a_module_without_the_header(tmp_path):
    module = tmp_path / "new_module.py"
    module.write_text('"""A module someone added without the header."""\n', encoding="utf-8")
    assert first_line(module) != PYTHON_HEADER
