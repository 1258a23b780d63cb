"""Where the components of this package run: one base image and one package list for all.

Both are pinned in ``pyproject.toml`` (``[tool.kfp-monorepo]`` keys ``component-base-image`` and
``component-packages``), next to the project's own dependencies, because the two must agree:
on KFP a component runs in ``BASE_IMAGE`` with ``PACKAGES`` pip-installed at start, while
``python -m scripts run --local`` runs the same function in this project's environment. Keeping
them in pyproject.toml also means that changing them marks every pipeline as affected in CI.

Use them in every component of the package::

    @dsl.component(base_image=BASE_IMAGE, packages_to_install=PACKAGES)
"""

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
SETTINGS_TABLE = "kfp-monorepo"


def read_image_settings(pyproject: Path = PYPROJECT) -> tuple[str, list[str]]:
    """``(base image, packages)`` from pyproject.toml; a missing or bad entry names the fix."""
    try:
        table = tomllib.loads(pyproject.read_text("utf-8"))["tool"][SETTINGS_TABLE]
        image = table["component-base-image"]
        packages = table.get("component-packages", [])
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise RuntimeError(
            f"{pyproject}: cannot read component-base-image from [tool.{SETTINGS_TABLE}] "
            f"({type(error).__name__}: {error}) — set it, e.g. "
            'component-base-image = "python:3.12-slim"'
        ) from None
    if not isinstance(image, str) or not image.strip():
        raise RuntimeError(f"{pyproject}: component-base-image must be a non-empty string")
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise RuntimeError(f"{pyproject}: component-packages must be a list of strings")
    return image, packages


BASE_IMAGE, PACKAGES = read_image_settings()
