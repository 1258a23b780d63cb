"""Suggest prices for new listings with a trained model: import model -> listings -> predict.

``model_uri`` is where a ``train_model`` run stored its model: on KFP the artifact's URI from
the run's page (e.g. ``minio://mlpipeline/v2/artifacts/...``), locally the model file in the
output folder that ``python -m scripts run price-suggestion/train_model --local`` prints::

    python -m scripts run price-suggestion/batch_predict --local \\
        --param model_uri=build/local/price-suggestion-train-model-.../train-linear-regression/model
"""

from kfp import dsl
from kfp.dsl import Model

from {{ cookiecutter.package_name }}.regression import predict_regression

from ._listings import make_listings


@dsl.pipeline(description="Suggests prices for new (synthetic) listings with a trained model.")
def batch_predict(model_uri: str, rows: int = 100, seed: int = 11, category: str = ""):
    """
    Args:
        model_uri: the URI of a model artifact written by train_model.
        rows: how many new listings to price.
        seed: the seed of the generated listings.
        category: price listings of one category only; empty for all.
    """
    model = dsl.importer(artifact_uri=model_uri, artifact_class=Model, reimport=False)
    listings = make_listings(rows=rows, seed=seed, category=category, with_price=False)
    predict_regression(
        model=model.output,
        dataset=listings.outputs["listings"],
        prediction_column="suggested_price",
    )
