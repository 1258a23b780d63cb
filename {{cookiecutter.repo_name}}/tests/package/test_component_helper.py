"""The components package's ``component_specs.load(name)`` helper: it loads
``components/<name>/`` with the real KFP SDK, and change detection sees the name it is given."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

import pytest

from tests.helpers.git_repos import REPO_ROOT

PACKAGE = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["kfp-monorepo"][
    "components-package"
]
helper = import_module(f"{PACKAGE}.component_specs")

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

    files = {f"{PACKAGE}/__init__.py", f"{PACKAGE}/component_specs.py"}
    source = f'from {PACKAGE} import component_specs\n\nop = component_specs.load("echo")\n'
    found = {r.target for r in find_references(source.encode(), "pipelines/p/x.py", files, PACKAGE)}
    assert found == files | {"components/echo/component.yaml"}


def test_the_helper_module_is_the_one_the_detection_knows():
    from scripts.detect.imports import HELPER_FUNCTION, HELPER_MODULE

    assert (REPO_ROOT / PACKAGE / f"{HELPER_MODULE}.py").is_file()
    assert callable(getattr(helper, HELPER_FUNCTION))


def test_no_package_module_is_named_like_kfp_components():
    # `from <package> import components` next to `from kfp import components` would shadow one
    # name with the other in a pipeline module.
    assert not (REPO_ROOT / PACKAGE / "components.py").exists()
