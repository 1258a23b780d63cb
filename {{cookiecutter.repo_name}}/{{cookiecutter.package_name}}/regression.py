"""Components for a baseline regression model: train, evaluate, predict.

The model is ridge regression (see ``_tabular.py``) stored as a small JSON document, so any
later step, or a person, can read it without this package. It is the baseline a real model has
to beat: swap in your own training component and keep the evaluation and gate.
"""

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from ._tabular import (
    encode_features,
    fit_linear_model,
    predict_linear_model,
    read_csv_table,
    write_csv_table,
)
from .images import BASE_IMAGE, PACKAGES


@dsl.component(
    base_image=BASE_IMAGE,
    packages_to_install=PACKAGES,
    additional_funcs=[read_csv_table, encode_features, fit_linear_model],
)
def train_linear_regression(
    train: Input[Dataset],
    model: Output[Model],
    target_column: str,
    numeric_columns: list[str],
    categorical_columns: list[str] = [],  # KFP reads the default from here
    l2: float = 1.0,
):
    """Fit a ridge regression of ``target_column`` on the given columns.

    Numeric columns are standardised; categorical columns are one-hot encoded with the
    categories seen in training.

    Args:
        train: a CSV dataset with the target and feature columns.
        model: the fitted model as JSON (metadata: ``framework``, ``target``, ``training_rows``).
        target_column: the numeric column to predict.
        numeric_columns: numeric feature columns.
        categorical_columns: categorical feature columns.
        l2: the ridge penalty; larger values shrink the weights more (0 is least squares).

    Raises:
        ValueError: a column is missing, a numeric value is not a number, there are no rows.
    """
    import json

    _, rows = read_csv_table(train.path)
    fitted = fit_linear_model(rows, target_column, numeric_columns, categorical_columns, l2)
    with open(model.path, "w", encoding="utf-8") as file:
        json.dump(fitted, file, indent=2, sort_keys=True)
    model.metadata.update(framework=fitted["format"], target=target_column, training_rows=len(rows))


@dsl.component(
    base_image=BASE_IMAGE,
    packages_to_install=PACKAGES,
    additional_funcs=[read_csv_table, encode_features, predict_linear_model],
)
def evaluate_regression(
    model: Input[Model],
    test: Input[Dataset],
    metrics: Output[Metrics],
):
    """Score the model on held-out rows: RMSE and MAE, in the target's unit.

    Args:
        model: a model from ``train_linear_regression``.
        test: a CSV dataset with the model's target and feature columns.
        metrics: ``rmse``, ``mae`` and ``test_rows``, shown in the KFP UI and read by gates.

    Raises:
        ValueError: the test set is empty or lacks a column the model needs.
    """
    import json
    import math

    with open(model.path, encoding="utf-8") as file:
        fitted = json.load(file)
    _, rows = read_csv_table(test.path)
    if not rows:
        raise ValueError("the test dataset has no rows")
    target = fitted["target"]
    if target not in rows[0]:
        raise ValueError(f"the test dataset has no target column {target!r}")
    predictions = predict_linear_model(fitted, rows)
    errors = []
    for number, (row, predicted) in enumerate(zip(rows, predictions, strict=True), start=1):
        try:
            actual = float(row[target])
        except ValueError:
            raise ValueError(
                f"row {number}: target {target!r} is {row[target]!r}, not a number"
            ) from None
        errors.append(predicted - actual)
    metrics.log_metric("rmse", math.sqrt(sum(e * e for e in errors) / len(errors)))
    metrics.log_metric("mae", sum(abs(e) for e in errors) / len(errors))
    metrics.log_metric("test_rows", len(errors))


@dsl.component(
    base_image=BASE_IMAGE,
    packages_to_install=PACKAGES,
    additional_funcs=[read_csv_table, write_csv_table, encode_features, predict_linear_model],
)
def predict_regression(
    model: Input[Model],
    dataset: Input[Dataset],
    predictions: Output[Dataset],
    prediction_column: str = "prediction",
):
    """Add the model's prediction to every row of a dataset.

    Args:
        model: a model from ``train_linear_regression``.
        dataset: a CSV dataset with the model's feature columns (the target may be absent).
        predictions: the input rows with ``prediction_column`` appended (metadata ``rows``).
        prediction_column: the name of the added column; must not exist yet.

    Raises:
        ValueError: a feature column is missing or ``prediction_column`` already exists.
    """
    import json

    with open(model.path, encoding="utf-8") as file:
        fitted = json.load(file)
    columns, rows = read_csv_table(dataset.path)
    if prediction_column in columns:
        raise ValueError(f"the dataset already has a column {prediction_column!r}")
    values = predict_linear_model(fitted, rows)
    for row, value in zip(rows, values, strict=True):
        row[prediction_column] = f"{value:.2f}"
    write_csv_table(predictions.path, [*columns, prediction_column], rows)
    predictions.metadata["rows"] = len(rows)
