# Do not edit: the template owns this file (make template-update brings its changes).
"""The one place that maps an environment's ``target:`` to its implementation.

Imports are lazy: a KFP-only repo never imports google-cloud-aiplatform, and ``--help`` stays
fast.
"""

from __future__ import annotations

from scripts.repo.environments import Environment
from scripts.targets.target import Target


def target_for(environment: Environment) -> Target:
    """The target of ``environment``, not yet connected."""
    if environment.target == "vertex":
        from scripts.targets.vertex.target import VertexTarget

        return VertexTarget(environment)
    from scripts.targets.kfp.target import KfpTarget

    return KfpTarget(environment)


def connected_target(environment: Environment) -> Target:
    """The target of ``environment`` after its preflight (unreachable, 401 and 403 stop here,
    one line)."""
    target = target_for(environment)
    target.connect()
    return target
