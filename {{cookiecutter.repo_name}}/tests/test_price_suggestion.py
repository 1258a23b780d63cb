"""The example project: both pipelines compile, and train_model -> batch_predict run locally.

The local runs use a copy of the project's files in a temporary folder, so their outputs
(``build/local/``) never land in the checkout.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import shutil
from pathlib import Path

import pytest
import yaml

from scripts.build.compile import compile_one
from scripts.build.index import CompiledPipeline
from scripts.cli import main as cli
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT

PROJECT = "price-suggestion"


def copy_of_the_example(target: Path) -> Path:
    """What a local run of the example reads: settings, manifests, pipelines, the package."""
    package = Repo(REPO_ROOT).settings.components_package
    target.mkdir(parents=True)
    for name in ("pyproject.toml", "environments.yml"):
        shutil.copy2(REPO_ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("projects", f"pipelines/{PROJECT}", package):
        shutil.copytree(REPO_ROOT / folder, target / folder, ignore=ignore)
    return target


def run_json(*args: str) -> tuple[int, dict | None, str]:
    """``python -m scripts run ... --format json``: exit code, parsed stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["run", *args, "--format", "json"])
    return code, (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, dict]:
    """One local run of train_model with its defaults (shared: it takes a few seconds)."""
    root = copy_of_the_example(tmp_path_factory.mktemp("example") / "repo")
    code, document, err = run_json(f"{PROJECT}/train_model", "--local", "--repo", str(root))
    assert code == 0, err
    return root, document


@pytest.mark.parametrize("pipeline", ["train_model", "batch_predict"])
def test_the_pipeline_compiles(tmp_path, pipeline):
    repo = Repo(REPO_ROOT)
    (selected,) = repo.select([f"{PROJECT}/{pipeline}"])
    result = compile_one(repo.root, tmp_path, selected)
    assert isinstance(result, CompiledPipeline), result
    # The first document is the pipeline spec; a kfp-kubernetes platform spec may follow.
    spec = next(yaml.safe_load_all((tmp_path / result.output).read_text(encoding="utf-8")))
    assert spec["pipelineInfo"]["name"] == f"{PROJECT}-{pipeline.replace('_', '-')}"
    assert spec["root"]["dag"]["tasks"]


def test_train_model_runs_every_step_locally(trained):
    _, document = trained
    assert document["status"] == "succeeded"
    assert [task["name"] for task in document["tasks"]] == [
        "make-listings",
        "load-csv-dataset",
        "split-dataset",
        "train-linear-regression",
        "evaluate-regression",
        "metric-gate",
        "notify-slack-on-exit",  # the exit handler: runs last, posts nothing unless asked
    ]
    assert {task["status"] for task in document["tasks"]} == {"success"}
    assert document["tasks"][-1]["parameters"] == {"Output": "disabled"}


def test_train_model_reports_finite_metrics_that_pass_its_gate(trained):
    _, document = trained
    tasks = {task["name"]: task for task in document["tasks"]}
    metrics = tasks["evaluate-regression"]["metrics"]["metrics"]
    assert set(metrics) == {"rmse", "mae", "test_rows"}
    assert all(math.isfinite(value) for value in metrics.values())
    assert 0 < metrics["mae"] <= metrics["rmse"] <= 10.0  # 10.0: the default max_rmse
    assert metrics["test_rows"] == 100  # 500 rows, test_fraction 0.2
    assert tasks["metric-gate"]["parameters"] == {"Output": metrics["rmse"]}


def test_train_model_writes_its_outputs_under_build_local(trained):
    root, document = trained
    run_dir = root / document["run_dir"]
    assert run_dir.parent == root / "build" / "local"
    assert run_dir.name.startswith("price-suggestion-train-model-")
    model_uri = document["tasks"][3]["artifacts"]["model"]["uri"]
    model = json.loads(Path(model_uri).read_text(encoding="utf-8"))
    assert model["target"] == "price" and len(model["weights"]) > 0
    assert (root / document["log"]).read_text(encoding="utf-8").count("Executing task") == 7


def test_batch_predict_prices_new_listings_with_the_trained_model(trained):
    root, trained_document = trained
    model_uri = trained_document["tasks"][3]["artifacts"]["model"]["uri"]
    code, document, err = run_json(
        f"{PROJECT}/batch_predict",
        "--local",
        "--repo",
        str(root),
        "--param",
        f"model_uri={model_uri}",
        "--param",
        "rows=7",
    )
    assert code == 0, err
    predictions = next(t for t in document["tasks"] if t["name"] == "predict-regression")
    path = Path(predictions["artifacts"]["predictions"]["uri"])
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 7
    assert "price" not in rows[0]
    assert all(math.isfinite(float(row["suggested_price"])) for row in rows)
