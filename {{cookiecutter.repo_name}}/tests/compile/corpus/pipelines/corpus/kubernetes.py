"""kfp-kubernetes: a secret as environment variables and a node selector (a platform spec)."""

from kfp import dsl, kubernetes

from ._shared import say


@dsl.pipeline
def kubernetes_features(message: str = "with a secret"):
    task = say(message=message)
    kubernetes.use_secret_as_env(
        task, secret_name="corpus-credentials", secret_key_to_env={"token": "API_TOKEN"}
    )
    kubernetes.add_node_selector(task, label_key="pool", label_value="cpu")
