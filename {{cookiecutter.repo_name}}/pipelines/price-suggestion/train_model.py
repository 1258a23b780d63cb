"""Train the price-suggestion baseline: listings -> checked dataset -> split -> train ->
evaluate -> quality gate.

Run it on this machine (no cluster, no downloads)::

    python -m scripts run price-suggestion/train_model --local --param max_rmse=8

The gate fails the run when the test RMSE is above ``max_rmse``, so a pipeline version that
trains a worse model never gets past its first run.

With ``notify_slack=True`` an exit handler posts how the run ended to the project's Slack
channel at once (the incoming-webhook URL from the Kubernetes secret ``slack-webhook``, key
``url``, of the run's namespace); the run monitor reports breaches either way.
{%- if cookiecutter.include_mlflow %}

The training step logs to MLflow (params, training metrics, the model, tagged with the KFP run)
when the task's environment names a tracking server: on KFP from the secret ``mlflow-tracking``
of the run's namespace, locally from ``MLFLOW_TRACKING_URI``. Without one it logs nothing.
{%- endif %}
"""

from kfp import dsl, kubernetes

from {{ cookiecutter.package_name }}.data import (
    load_csv_dataset,
    split_dataset,
)
from {{ cookiecutter.package_name }}.gates import metric_gate
{%- if cookiecutter.include_mlflow %}
from {{ cookiecutter.package_name }}.mlflow_tracking import pipeline_names, use_mlflow_secret
from {{ cookiecutter.package_name }}.notify import notify_slack_on_exit
from {{ cookiecutter.package_name }}.regression import evaluate_regression

from ._listings import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS, TARGET_COLUMN, make_listings
from ._tracked_training import train_linear_regression

PROJECT, PIPELINE = pipeline_names(__file__)
{%- else %}
from {{ cookiecutter.package_name }}.notify import notify_slack_on_exit
from {{ cookiecutter.package_name }}.regression import (
    evaluate_regression,
    train_linear_regression,
)

from ._listings import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS, TARGET_COLUMN, make_listings
{%- endif %}


@dsl.pipeline(description="Trains and evaluates the listing-price baseline, gated on RMSE.")
def train_model(
    rows: int = 500,
    seed: int = 7,
    category: str = "",
    test_fraction: float = 0.2,
    l2: float = 1.0,
    max_rmse: float = 10.0,
    notify_slack: bool = False,
):
    """
    Args:
        rows: how many synthetic listings to train and test on.
        seed: the seed of the data and of the split.
        category: train on one category only (e.g. "Sneakers"); empty for all.
        test_fraction: the share of listings held out for evaluation.
        l2: the ridge penalty of the baseline model.
        max_rmse: the worst acceptable test RMSE (in currency units).
        notify_slack: post the run's final state to the project's Slack channel when it ends.
    """
    notify = notify_slack_on_exit(pipeline="price-suggestion/train_model", enabled=notify_slack)
    kubernetes.use_secret_as_env(
        notify,
        secret_name="slack-webhook",
        secret_key_to_env={"url": "SLACK_WEBHOOK_URL"},
        optional=True,
    )
    # The steps the exit handler watches: it runs when they end, however they end.
    with dsl.ExitHandler(notify, name="train-and-gate"):
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
{%- if cookiecutter.include_mlflow %}
            project=PROJECT,
            pipeline=PIPELINE,
            kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        )
        # MLflow settings from the namespace's mlflow-tracking secret; without it nothing is logged.
        use_mlflow_secret(model)
{%- else %}
        )
{%- endif %}
        evaluation = evaluate_regression(model=model.outputs["model"], test=split.outputs["test"])
        metric_gate(metrics=evaluation.outputs["metrics"], metric="rmse", threshold=max_rmse)
