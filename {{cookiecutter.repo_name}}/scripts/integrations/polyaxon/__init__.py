# Do not edit: the template owns this file (make template-update brings its changes).
"""Polyaxon beside KFP: projects synced from the manifests, and the ``polyaxon-sync`` command.

``api.py`` talks to the Polyaxon API (retries, errors, credentials); ``sync.py`` decides and
applies what each project needs; ``command.py`` is the CLI. The template removes this folder
whole when a repo is generated without Polyaxon.
"""

from scripts.integrations import Integration

INTEGRATION = Integration(
    name="polyaxon",
    commands={"polyaxon-sync": "scripts.integrations.polyaxon.command"},
    sync_step="scripts.integrations.polyaxon.sync:sync_step",
)
