"""The components package's MLflow helper (``<package>/mlflow_tracking.py``): the example
pipeline, run with kfp.local, logs its training to the real MLflow server; the helper asks the
KFP API (the test server, through the real HTTP paths) for the run's experiment and version;
and it does nothing where no tracking server is configured.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from importlib import import_module
from pathlib import Path

import pytest

from scripts.cli import main as cli
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT

PACKAGE = Repo(REPO_ROOT).settings.components_package
tracking = import_module(f"{PACKAGE}.mlflow_tracking")
EXAMPLE = "price-suggestion"
KFP_RUN_ID = "42424242"  # what kfp.local hands the run's tasks as dsl.PIPELINE_JOB_ID_PLACEHOLDER


def copy_of_the_example(target: Path) -> Path:
    """What a local run of the example reads: settings, manifests, pipelines, the package."""
    target.mkdir(parents=True)
    for name in ("pyproject.toml", "environments.yml"):
        shutil.copy2(REPO_ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("projects", f"pipelines/{EXAMPLE}", PACKAGE):
        shutil.copytree(REPO_ROOT / folder, target / folder, ignore=ignore)
    return target


@pytest.mark.mlflow
def test_the_example_pipeline_logs_its_training_to_mlflow(tmp_path, monkeypatch, mlflow_server):
    if not (REPO_ROOT / "pipelines" / EXAMPLE).is_dir():
        pytest.skip("the example project is not part of this repository")
    from kfp.local import placeholder_utils
    from mlflow import MlflowClient

    for name, value in mlflow_server.environ().items():
        monkeypatch.setenv(name, value)  # the tasks (subprocesses) inherit them
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.setattr(placeholder_utils, "make_random_id", lambda: KFP_RUN_ID)
    root = copy_of_the_example(tmp_path / "repo")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(
            ["run", f"{EXAMPLE}/train_model", "--local", "--repo", str(root), "--format", "json"]
        )
    assert code == 0, err.getvalue()
    tasks = {task["name"]: task for task in json.loads(out.getvalue())["tasks"]}
    model = tasks["train-linear-regression"]["artifacts"]["model"]

    client = MlflowClient(tracking_uri=mlflow_server.url)
    experiment = client.get_experiment_by_name(f"{EXAMPLE}/Default")
    query = f"tags.`kfp.run_id` = '{KFP_RUN_ID}'"
    [run] = client.search_runs([experiment.experiment_id], filter_string=query)
    assert model["metadata"]["mlflow_run_id"] == run.info.run_id  # the KFP artifact links it
    assert {key: run.data.tags[key] for key in ("kfp.pipeline", "kfp.pipeline_version")} == {
        "kfp.pipeline": f"{EXAMPLE}-train-model",
        "kfp.pipeline_version": "local",  # no KFP API on this machine to name a version
    }
    assert run.data.params["l2"] == "1.0"
    assert run.data.metrics["training_rows"] == model["metadata"]["training_rows"]
    assert run.data.metrics["train_rmse"] > 0
    assert run.info.status == "FINISHED"
    [logged] = client.search_logged_models(
        [experiment.experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
    )
    assert (logged.name, str(logged.status)) == ("model", "READY")
    assert {metric.key for metric in logged.metrics} >= {"train_rmse", "training_rows"}
    folder = Path(client.download_artifacts(run.info.run_id, "", str(tmp_path / "none")))
    assert not any(folder.iterdir())  # the model is the LoggedModel's, not a run artifact
    import mlflow.artifacts

    files = mlflow.artifacts.download_artifacts(
        artifact_uri=logged.artifact_location, dst_path=str(tmp_path / "model")
    )
    [saved] = [path for path in Path(files).rglob("*") if path.is_file()]
    assert json.loads(saved.read_text("utf-8"))["format"] == "linear-regression/v1"


def test_without_a_tracking_uri_the_helper_logs_nothing(monkeypatch, capsys):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    run_id = tracking.log_mlflow_run(
        project="p", pipeline="p-train", kfp_run_id="1", params={"a": 1}, metrics={"m": 1.0}
    )
    assert run_id == ""
    assert capsys.readouterr().out == (
        "MLflow tracking: MLFLOW_TRACKING_URI is not set, nothing logged\n"
    )


def test_the_run_details_come_from_the_kfp_api(tmp_path, kfp_server, kfp_client_factory):
    from kfp import compiler, dsl

    @dsl.component(base_image="python:3.11-slim")
    def step():  # no annotations: this module's are strings (from __future__), KFP needs types
        print("ok")

    @dsl.pipeline(name="shop-train")
    def pipeline():
        step()

    package = tmp_path / "pipeline.yaml"
    compiler.Compiler().compile(pipeline, str(package))
    client = kfp_client_factory(kfp_server)
    uploaded = client.upload_pipeline(str(package), pipeline_name="shop-train")
    version = client.upload_pipeline_version(
        str(package), pipeline_version_name="main-1a2b3c4d", pipeline_id=uploaded.pipeline_id
    )
    experiment = client.create_experiment("shop/Tuning")
    run = client.run_pipeline(
        experiment_id=experiment.experiment_id,
        job_name="r",
        pipeline_id=uploaded.pipeline_id,
        version_id=version.pipeline_version_id,
    )

    details = tracking.kfp_run_details(run.run_id, host=kfp_server.url)

    assert details == {"experiment": "shop/Tuning", "pipeline_version": "main-1a2b3c4d"}
    assert tracking.kfp_run_details("no-such-run", host=kfp_server.url) == {}


def test_pipeline_names_follow_compile():
    assert tracking.pipeline_names("/repo/pipelines/shop/train_model.py") == (
        "shop",
        "shop-train-model",
    )
