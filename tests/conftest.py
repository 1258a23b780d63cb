"""Fixtures for testing the template: bake combinations of options and inspect the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))

# Every meaningful combination of the options, with readable ids. The three booleans change
# which files exist; python_version changes rendered values only.
COMBINATIONS = {
    "defaults": {},
    "polyaxon": {"include_polyaxon": True},
    "no-example": {"include_example_project": False},
    "polyaxon-no-example": {"include_polyaxon": True, "include_example_project": False},
    "mlflow": {"include_mlflow": True},
    "polyaxon-mlflow": {"include_polyaxon": True, "include_mlflow": True},
    "python-3.13": {"python_version": "3.13"},
    "everything-flipped": {
        "include_polyaxon": True,
        "include_mlflow": True,
        "include_example_project": False,
        "python_version": "3.12",
        "project_name": "Zeta Forecasting",
        "github_org": "zeta-labs",
        "package_name": "zeta_kit",
        "image_registry": "registry.example.com:5000/zeta/ml",
        "kfp_dev_host": "http://kfp-dev.internal:8888",
        "kfp_prod_host": "https://kfp.zeta.example.com/pipeline",
    },
}


def bake_ok(cookies, context: dict) -> Path:
    """Bake and insist it worked; the generated repo's path."""
    result = cookies.bake(extra_context=context)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_path)


@pytest.fixture(params=list(COMBINATIONS), ids=list(COMBINATIONS))
def combination(request) -> tuple[str, dict]:
    return request.param, COMBINATIONS[request.param]
