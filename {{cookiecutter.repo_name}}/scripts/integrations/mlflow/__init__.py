# Do not edit: the template owns this file (make template-update brings its changes).
"""MLflow beside KFP: the manifests' experiments mirrored on a tracking server, and the
``mlflow-sync`` command.

``api.py`` talks to MLflow through ``mlflow.MlflowClient`` (settings, bounded retries, errors,
credentials); ``sync.py`` decides and applies what each experiment needs; ``command.py`` is the
CLI. Runs are logged from inside pipeline steps by the components package's
``mlflow_tracking.py``, not from here. The template removes this folder whole when a repo is
generated without MLflow.
"""

from scripts.integrations import Integration

INTEGRATION = Integration(
    name="mlflow",
    commands={"mlflow-sync": "scripts.integrations.mlflow.command"},
    sync_step="scripts.integrations.mlflow.sync:sync_step",
)
