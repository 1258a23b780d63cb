"""Fixtures for testing the template: bake combinations of options and inspect the result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))

# Every meaningful combination of the options, with readable ids. The three booleans change
# which files exist; python_version changes rendered values only; the targets change
# environments.yml and the workflows (Google credentials in the jobs that reach Vertex AI).
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
        "prod_target": "vertex",
        "gcp_project": "zeta-ml-prod",
        "gcp_region": "us-central1",
    },
    "vertex": {"dev_target": "vertex", "prod_target": "vertex"},
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


# CI splits the suite by option combination: TEMPLATE_COMBINATIONS=polyaxon,mlflow runs the tests
# of those combinations only; the tests tied to none run with `defaults`. Unset: everything.
COMBINATIONS_VARIABLE = "TEMPLATE_COMBINATIONS"


def item_combination(item) -> str:
    """The combination a collected test bakes: its first parameter that names one."""
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if isinstance(value, str) and value in COMBINATIONS:
            return value
    return "defaults"


def pytest_collection_modifyitems(config, items):
    raw = os.environ.get(COMBINATIONS_VARIABLE, "").strip()
    if not raw:
        return
    chosen = {name.strip() for name in raw.split(",") if name.strip()}
    unknown = sorted(chosen - set(COMBINATIONS))
    if unknown:
        raise pytest.UsageError(
            f"{COMBINATIONS_VARIABLE}: unknown combination {', '.join(unknown)} — choose from "
            f"{', '.join(COMBINATIONS)}"
        )
    kept = [item for item in items if item_combination(item) in chosen]
    deselected = [item for item in items if item_combination(item) not in chosen]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
