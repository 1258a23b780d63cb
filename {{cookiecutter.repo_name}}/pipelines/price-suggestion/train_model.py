"""Train the price-suggestion baseline: listings -> checked dataset -> split -> train ->
evaluate -> quality gate.

Run it on this machine (no cluster, no downloads)::

    python -m scripts run price-suggestion/train_model --local --param max_rmse=8

The gate fails the run when the test RMSE is above ``max_rmse``, so a pipeline version that
trains a worse model never gets past its first run.
"""

from kfp import dsl

from {{ cookiecutter.package_name }}.data import (
    load_csv_dataset,
    split_dataset,
)
from {{ cookiecutter.package_name }}.gates import metric_gate
from {{ cookiecutter.package_name }}.regression import (
    evaluate_regression,
    train_linear_regression,
)

from ._listings import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS, TARGET_COLUMN, make_listings


@dsl.pipeline(description="Trains and evaluates the listing-price baseline, gated on RMSE.")
def train_model(
    rows: int = 500,
    seed: int = 7,
    category: str = "",
    test_fraction: float = 0.2,
    l2: float = 1.0,
    max_rmse: float = 10.0,
):
    """
    Args:
        rows: how many synthetic listings to train and test on.
        seed: the seed of the data and of the split.
        category: train on one category only (e.g. "Sneakers"); empty for all.
        test_fraction: the share of listings held out for evaluation.
        l2: the ridge penalty of the baseline model.
        max_rmse: the worst acceptable test RMSE (in currency units).
    """
    listings = make_listings(rows=rows, seed=seed, category=category)
    dataset = load_csv_dataset(
        source=listings.outputs["listings"],
        required_columns=[TARGET_COLUMN, *NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS],
    )
    split = split_dataset(
        dataset=dataset.outputs["dataset"], test_fraction=test_fraction, seed=seed
    )
    model = train_linear_regression(
        train=split.outputs["train"],
        target_column=TARGET_COLUMN,
        numeric_columns=NUMERIC_COLUMNS,
        categorical_columns=CATEGORICAL_COLUMNS,
        l2=l2,
    )
    evaluation = evaluate_regression(model=model.outputs["model"], test=split.outputs["test"])
    metric_gate(metrics=evaluation.outputs["metrics"], metric="rmse", threshold=max_rmse)
