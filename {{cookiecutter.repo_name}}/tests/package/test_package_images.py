"""The components package's one place for the base image and packages (pyproject.toml)."""

import importlib
import pkgutil
import re
import tomllib

import pytest
from kfp.dsl.base_component import BaseComponent

import {{ cookiecutter.package_name }} as package
from {{ cookiecutter.package_name }}.images import (
    BASE_IMAGE,
    PACKAGES,
    PYPROJECT,
    read_image_settings,
)


def package_components() -> list[tuple[str, BaseComponent]]:
    found = []
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(info.name)
        found += [
            (f"{info.name}.{name}", value)
            for name, value in vars(module).items()
            if isinstance(value, BaseComponent)
            and getattr(getattr(value, "python_func", None), "__module__", None) == info.name
        ]
    return found


def test_the_package_has_components():
    assert len(package_components()) >= 6


@pytest.mark.parametrize(("name", "component"), package_components(), ids=lambda v: str(v))
def test_every_component_runs_in_the_pinned_image_with_the_pinned_packages(name, component):
    container = component.component_spec.implementation.container
    assert container.image == BASE_IMAGE, name
    install_command = " ".join(container.command)
    for requirement in PACKAGES:
        assert requirement in install_command, name


@pytest.mark.parametrize(("name", "component"), package_components(), ids=lambda v: str(v))
def test_every_component_is_documented_with_its_arguments(name, component):
    description = component.component_spec.description or ""
    assert description.strip(), f"{name} has no docstring"
    for input_name, spec in (component.component_spec.inputs or {}).items():
        assert spec.description, f"{name}: argument {input_name} is not in the docstring"


def test_the_base_image_is_pinned_to_a_python_version():
    assert re.fullmatch(r"python:3\.\d+[\w.-]*", BASE_IMAGE)


def test_component_packages_are_pinned_and_installed_for_local_runs_too():
    project = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    for requirement in PACKAGES:
        assert "==" in requirement, f"{requirement} is not pinned with =="
        assert requirement in project["dependencies"], (
            f"{requirement} must also be in [project] dependencies: local runs execute "
            "components in this environment"
        )


def test_a_pyproject_without_the_base_image_says_what_to_set(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.kfp-monorepo]\ncomponents-package = "x"\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match="cannot read component-base-image"):
        read_image_settings(pyproject)
    pyproject.write_text(
        '[tool.kfp-monorepo]\ncomponent-base-image = "python:3.12-slim"\n'
        'component-packages = "pandas"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match="component-packages must be a list of strings"):
        read_image_settings(pyproject)
