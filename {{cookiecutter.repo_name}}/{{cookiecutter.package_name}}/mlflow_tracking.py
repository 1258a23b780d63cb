"""Log a pipeline step's training to MLflow in one call, with the KFP run it belongs to.

Inside a lightweight component::

    from <this package>.mlflow_tracking import MLFLOW_FUNCS, MLFLOW_PACKAGES, log_mlflow_run

    @dsl.component(
        base_image=BASE_IMAGE,
        packages_to_install=[*PACKAGES, *MLFLOW_PACKAGES],
        additional_funcs=[*MLFLOW_FUNCS],
    )
    def train(..., model: Output[Model], project: str, pipeline: str, kfp_run_id: str):
        ...
        log_mlflow_run(
            project=project, pipeline=pipeline, kfp_run_id=kfp_run_id,
            params={"l2": l2}, metrics={"train_rmse": rmse}, model_path=model.path,
        )

and in the pipeline, give the task the run id and the tracking server's settings::

    PROJECT, PIPELINE = pipeline_names(__file__)
    ...
    task = train(
        ..., project=PROJECT, pipeline=PIPELINE, kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER
    )
    use_mlflow_secret(task)

What it does: when the task's environment names a tracking server (``MLFLOW_TRACKING_URI``;
credentials from ``MLFLOW_TRACKING_TOKEN`` or ``MLFLOW_TRACKING_USERNAME``/``PASSWORD``), it
finds the MLflow run of this KFP run in the project's experiment (the KFP run's own experiment
``<project>/<experiment>`` when the KFP API can be asked, else ``experiment``), or starts it,
tagged ``kfp.run_id``, ``kfp.pipeline``, ``kfp.pipeline_version`` and ``project``; logs the
params and metrics; and logs ``model_path`` as an MLflow model (a LoggedModel linked to the run,
carrying the metrics). Several steps of one KFP run, or a retried step, log into the same MLflow
run. Without ``MLFLOW_TRACKING_URI`` it does nothing, so a pipeline runs the same where MLflow
is not set up.

KFP ships a lightweight component to its container as the source of its function, so these
helpers are written like ``_tabular.py``'s: imports inside, travelling through
``additional_funcs`` (``MLFLOW_FUNCS`` lists the three). The pipeline version is known only to
the KFP API (publish names it after compile), so the step asks the API for it: from a pod in
the cluster (``ml-pipeline.kubeflow``, with the service account token KFP mounts at
``KF_PIPELINES_SA_TOKEN_PATH``), or at ``KF_PIPELINES_ENDPOINT``. A local run
(``python -m scripts run --local``) has no KFP API: its version tag is ``local``.
"""

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# The Kubernetes secret use_mlflow_secret() reads in the run's namespace, and its keys.
MLFLOW_SECRET = "mlflow-tracking"
MLFLOW_SECRET_KEYS = {
    "tracking_uri": "MLFLOW_TRACKING_URI",
    "token": "MLFLOW_TRACKING_TOKEN",
    "username": "MLFLOW_TRACKING_USERNAME",
    "password": "MLFLOW_TRACKING_PASSWORD",
}


def read_mlflow_packages(pyproject: Path = PYPROJECT) -> list[str]:
    """``[tool.kfp-monorepo] mlflow-packages``: what a tracked step pip-installs on KFP (the
    same pins as ``[project] dependencies``, which local runs use)."""
    table = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {}).get("kfp-monorepo", {})
    packages = table.get("mlflow-packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise RuntimeError(f"{pyproject}: mlflow-packages must be a list of pinned requirements")
    return packages


MLFLOW_PACKAGES = read_mlflow_packages()


def pipeline_names(module_file: str) -> tuple[str, str]:
    """``(project, KFP pipeline name)`` of the pipeline module at ``module_file``
    (``pipelines/<project>/<pipeline>.py``): the name is ``<project>-<pipeline>`` with ``_``
    turned into ``-``, as compile names it."""
    path = Path(module_file)
    project = path.parent.name
    return project, f"{project}-{path.stem.replace('_', '-')}"


def use_mlflow_secret(task):
    """Give ``task`` the tracking server's settings from the Kubernetes secret ``mlflow-tracking``
    of the run's namespace (keys ``tracking_uri``, ``token``, ``username``, ``password``, each
    optional). Without the secret the task starts all the same and logs nothing."""
    from kfp import kubernetes

    return kubernetes.use_secret_as_env(
        task, secret_name=MLFLOW_SECRET, secret_key_to_env=MLFLOW_SECRET_KEYS, optional=True
    )


def kfp_run_details(run_id: str, host: str = "", timeout: float = 5.0) -> dict:
    """``{"experiment": ..., "pipeline_version": ...}`` of KFP run ``run_id`` from the KFP API
    at ``host`` (default: ``KF_PIPELINES_ENDPOINT``, else the in-cluster address when running
    in a pod); ``{}`` when there is no API to ask or it does not answer (printed, not raised:
    tracking must not fail a training step)."""
    import json
    import os
    import urllib.request

    host = host or os.environ.get("KF_PIPELINES_ENDPOINT", "")
    if not host and os.environ.get("KUBERNETES_SERVICE_HOST"):
        host = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
    if not host:
        return {}
    host = host if host.startswith(("http://", "https://")) else f"http://{host}"
    token_path = os.environ.get(
        "KF_PIPELINES_SA_TOKEN_PATH", "/var/run/secrets/kubeflow/pipelines/token"
    )
    headers = {}
    if os.path.isfile(token_path):
        with open(token_path, encoding="utf-8") as file:
            headers["Authorization"] = f"Bearer {file.read().strip()}"

    def get(path: str) -> dict:
        request = urllib.request.Request(f"{host.rstrip('/')}/apis/v2beta1/{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)

    details = {}
    try:
        run = get(f"runs/{run_id}")
        reference = run.get("pipeline_version_reference") or {}
        if reference.get("pipeline_id") and reference.get("pipeline_version_id"):
            version = get(
                f"pipelines/{reference['pipeline_id']}/versions/{reference['pipeline_version_id']}"
            )
            details["pipeline_version"] = version.get("name") or version.get("display_name") or ""
        if run.get("experiment_id"):
            details["experiment"] = get(f"experiments/{run['experiment_id']}")["display_name"]
    except (OSError, ValueError, KeyError) as error:
        print(f"MLflow tracking: could not read KFP run {run_id} from {host} ({error})")
    return details


def mlflow_experiment_id(client, name: str, project: str) -> str:
    """The id of the active MLflow experiment ``name``, created (tagged with the project) when
    mlflow-sync has not made it yet; a deleted one is an error that says how to restore it."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is None:
        try:
            return client.create_experiment(name, tags={"project": project})
        except MlflowException:  # another step, or mlflow-sync, created it meanwhile
            found = client.get_experiment_by_name(name)
            if found is None:
                raise
    if found.lifecycle_stage != "active":
        raise RuntimeError(
            f"the MLflow experiment {name!r} is deleted — restore it: "
            "python -m scripts mlflow-sync --env <environment>"
        )
    return found.experiment_id


def log_mlflow_run(
    *,
    project: str,
    pipeline: str,
    kfp_run_id: str,
    params: dict,
    metrics: dict,
    model_path: str = "",
    model_name: str = "model",
    experiment: str = "Default",
) -> str:
    """Log to the MLflow run of KFP run ``kfp_run_id`` (see the module's docstring); returns the
    MLflow run id, or ``""`` when no tracking server is configured."""
    import os
    import shutil
    import tempfile
    import time

    if not os.environ.get("MLFLOW_TRACKING_URI"):
        print("MLflow tracking: MLFLOW_TRACKING_URI is not set, nothing logged")
        return ""
    # Bounded like mlflow-sync's requests (MLflow's defaults: 7 retries of up to 120 s each).
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelStatus, Metric, Param

    client = MlflowClient()
    details = kfp_run_details(kfp_run_id)
    name = details.get("experiment", "")
    name = name if name.startswith(f"{project}/") else f"{project}/{experiment}"
    experiment_id = mlflow_experiment_id(client, name, project)
    tags = {
        "kfp.run_id": kfp_run_id,
        "kfp.pipeline": pipeline,
        "kfp.pipeline_version": details.get("pipeline_version") or "local",
        "project": project,
    }
    query = f"tags.`kfp.run_id` = '{kfp_run_id}'"
    runs = client.search_runs([experiment_id], filter_string=query, max_results=1)
    run_id = runs[0].info.run_id if runs else None
    if run_id is None:
        run_name = f"{pipeline} {kfp_run_id[:8]}"
        run_id = client.create_run(experiment_id, run_name=run_name, tags=tags).info.run_id
    model_id = None
    if model_path:
        model = client.create_logged_model(
            experiment_id, name=model_name, source_run_id=run_id, tags=tags
        )
        model_id = model.model_id
        folder = tempfile.mkdtemp()
        if os.path.isdir(model_path):
            shutil.copytree(model_path, os.path.join(folder, model_name), dirs_exist_ok=True)
        else:
            shutil.copy2(model_path, os.path.join(folder, os.path.basename(model_path)))
        client.log_model_artifacts(model_id, folder)
        client.finalize_logged_model(model_id, LoggedModelStatus.READY)
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric(k, float(v), now, 0, model_id=model_id) for k, v in metrics.items()],
        params=[Param(k, str(v)) for k, v in params.items()],
    )
    client.set_terminated(run_id)
    print(f"MLflow tracking: logged to run {run_id} of {name!r}")
    return run_id


MLFLOW_FUNCS = [kfp_run_details, mlflow_experiment_id, log_mlflow_run]
