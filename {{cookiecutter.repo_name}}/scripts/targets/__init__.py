# Do not edit: the template owns this file (make template-update brings its changes).
"""Where compiled pipelines go: ``publish/`` (plan, apply, report, version names) is written
against a target's API, and ``kfp/`` is the Kubeflow Pipelines target (client, API, remote and
local runs). Every target's failed request is a ``errors.TargetError``."""
