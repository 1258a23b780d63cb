# Do not edit: the template owns this file (make template-update brings its changes).
"""Where compiled pipelines go. ``target.py`` is the one interface publish, schedules, run,
monitor and cleanup call; ``select.py`` picks the implementation an environment names:
``kfp/`` (Kubeflow Pipelines: client, API, remote and local runs) or ``vertex/`` (Vertex AI
Pipelines with Artifact Registry). ``publish/``, ``schedules/``, ``monitor/`` and ``cleanup/``
hold the logic both share. Every target's failed request is a ``errors.TargetError``."""
