"""The components package's ``components.load(name)`` helper: it loads ``components/<name>/``
with the real KFP SDK, and change detection sees the name it is given."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

import pytest

from tests.helpers.git_repos import REPO_ROOT

PACKAGE = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["kfp-monorepo"][
    "components-package"
]
helper = import_module(f"{PACKAGE}.components")

SPEC = """\
name: Echo
inputs:
  - {name: text, type: String}
outputs:
  - {name: echoed, type: String}
implementation:
  container:
    image: registry.example.com/echo:1
    command: [sh, -c, 'echo "$0" > "$1"', {inputValue: text}, {outputPath: echoed}]
"""


@pytest.fixture
def components_dir(tmp_path: Path) -> Path:
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "component.yaml").write_text(SPEC)
    return tmp_path


def test_load_returns_the_kfp_component(components_dir: Path):
    component = helper.load("echo", components_dir=components_dir)
    assert component.name == "echo"
    assert list(component.component_spec.inputs) == ["text"]


def test_the_default_folder_is_the_repo_components_folder():
    assert helper.COMPONENTS_DIR == REPO_ROOT / "components"


def test_an_unknown_component_lists_the_known_ones(components_dir: Path):
    with pytest.raises(FileNotFoundError, match=r"no component 'ecko'.*known components: echo"):
        helper.load("ecko", components_dir=components_dir)


@pytest.mark.parametrize("name", ["../echo", "Echo", "", "echo/"])
def test_a_name_that_is_not_a_folder_name_is_refused(components_dir: Path, name: str):
    with pytest.raises(ValueError, match="is not a component name"):
        helper.load(name, components_dir=components_dir)


def test_change_detection_sees_the_helper_call():
    from scripts.detect.imports import find_references

    files = {f"{PACKAGE}/__init__.py", f"{PACKAGE}/components.py"}
    source = f'from {PACKAGE} import components\n\nop = components.load("echo")\n'.encode()
    found = {r.target for r in find_references(source, "pipelines/p/x.py", files, PACKAGE)}
    assert found == files | {"components/echo/component.yaml"}
