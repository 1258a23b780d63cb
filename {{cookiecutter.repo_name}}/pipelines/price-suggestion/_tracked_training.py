"""train_model's training step, logged to MLflow (``{{ cookiecutter.package_name }}/mlflow_tracking.py``).

The same ridge regression as ``{{ cookiecutter.package_name }}.regression.train_linear_regression``
(same name, so the step keeps its name in the pipeline), plus one ``log_mlflow_run`` call: the
KFP run id, pipeline and version as tags, the hyperparameters as params, the fit on the training
rows (``train_rmse``, ``train_mae``, ``training_rows``) as metrics, the model file as an MLflow
model. Where the task's environment names no tracking server it logs nothing.
"""

from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output

from {{ cookiecutter.package_name }}._tabular import (
    encode_features,
    fit_linear_model,
    predict_linear_model,
    read_csv_table,
)
from {{ cookiecutter.package_name }}.images import BASE_IMAGE, PACKAGES
from {{ cookiecutter.package_name }}.mlflow_tracking import (
    MLFLOW_FUNCS,
    MLFLOW_PACKAGES,
    log_mlflow_run,
)


@dsl.component(
    base_image=BASE_IMAGE,
    packages_to_install=[*PACKAGES, *MLFLOW_PACKAGES],
    additional_funcs=[
        read_csv_table,
        encode_features,
        fit_linear_model,
        predict_linear_model,
        *MLFLOW_FUNCS,
    ],
)
def train_linear_regression(
    train: Input[Dataset],
    model: Output[Model],
    target_column: str,
    numeric_columns: list[str],
    project: str,
    pipeline: str,
    kfp_run_id: str,
    categorical_columns: list[str] = [],  # KFP reads the default from here
    l2: float = 1.0,
):
    """Fit a ridge regression of ``target_column`` and log the fit to MLflow.

    Args:
        train: a CSV dataset with the target and feature columns.
        model: the fitted model as JSON (metadata: ``framework``, ``target``, ``training_rows``,
            and ``mlflow_run_id`` when it was logged).
        target_column: the numeric column to predict.
        numeric_columns: numeric feature columns.
        project: the project (MLflow experiment ``<project>/...``).
        pipeline: the KFP pipeline name (tag ``kfp.pipeline``).
        kfp_run_id: the KFP run (``dsl.PIPELINE_JOB_ID_PLACEHOLDER``; tag ``kfp.run_id``).
        categorical_columns: categorical feature columns.
        l2: the ridge penalty; larger values shrink the weights more (0 is least squares).
    """
    import json
    import math

    _, rows = read_csv_table(train.path)
    fitted = fit_linear_model(rows, target_column, numeric_columns, categorical_columns, l2)
    with open(model.path, "w", encoding="utf-8") as file:
        json.dump(fitted, file, indent=2, sort_keys=True)
    model.metadata.update(framework=fitted["format"], target=target_column, training_rows=len(rows))

    predictions = predict_linear_model(fitted, rows)
    errors = [p - float(row[target_column]) for p, row in zip(predictions, rows, strict=True)]
    mlflow_run_id = log_mlflow_run(
        project=project,
        pipeline=pipeline,
        kfp_run_id=kfp_run_id,
        params={
            "l2": l2,
            "target_column": target_column,
            "numeric_columns": ",".join(numeric_columns),
            "categorical_columns": ",".join(categorical_columns),
        },
        metrics={
            "train_rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
            "train_mae": sum(abs(e) for e in errors) / len(errors),
            "training_rows": len(rows),
        },
        model_path=model.path,
    )
    if mlflow_run_id:  # the KFP artifact points at its MLflow run
        model.metadata["mlflow_run_id"] = mlflow_run_id
