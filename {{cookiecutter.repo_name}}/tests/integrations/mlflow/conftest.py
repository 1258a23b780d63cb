"""The MLflow tests' fixture: a real MLflow tracking server (``mlflow server``)."""

from tests.integrations.mlflow.server import mlflow_server

__all__ = ["mlflow_server"]
