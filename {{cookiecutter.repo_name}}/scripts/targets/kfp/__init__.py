# Do not edit: the template owns this file (make template-update brings its changes).
"""Kubeflow Pipelines: credentials (``auth``), the CI-safe client (``client``), the operations
with retries (``api``), error translation (``errors``), and runs on KFP or with ``kfp.local``."""
