# Do not edit: the template owns this file (make template-update brings its changes).
"""Compiled specs compared as data: the same pipeline whatever the SDK version that wrote it.

``publish`` asks whether a local spec equals a version already on the server (skip an unchanged
upload; tell "exists" from a conflicting re-use of a version name). Both sides are parsed and
compared without ``sdkVersion``, so an SDK bump alone is not a change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _without_sdk_version(spec: Any) -> Any:
    if isinstance(spec, dict):
        return {k: _without_sdk_version(v) for k, v in spec.items() if k != "sdkVersion"}
    return spec


def local_spec(package: Path) -> Any:
    """The compiled file as the server stores it: the pipeline spec, or both documents as
    ``{"pipeline_spec", "platform_spec"}`` when kfp-kubernetes added a platform spec."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(package, encoding="utf-8") as stream:
        documents = [d for d in yaml.load_all(stream, Loader=loader) if d is not None]
    if len(documents) == 1:
        return documents[0]
    return {"pipeline_spec": documents[0], "platform_spec": documents[1]}


def pipeline_part(spec: Any) -> Any:
    """The pipeline spec of what ``local_spec`` read (without the platform spec)."""
    return _split(spec)[0]


def _split(spec: Any) -> tuple[Any, Any]:
    if isinstance(spec, dict) and isinstance(spec.get("pipeline_spec"), dict):
        return spec["pipeline_spec"], spec.get("platform_spec") or None
    return spec, None


def same_spec(local: Any, remote: Any) -> bool:
    """Equal as data, ignoring ``sdkVersion`` (an SDK bump alone is not a change). Either side
    may be a bare pipeline spec or ``{"pipeline_spec", "platform_spec"}``."""
    if remote is None:
        return False
    local_pipeline, local_platform = _split(local)
    remote_pipeline, remote_platform = _split(remote)
    return _without_sdk_version(local_pipeline) == _without_sdk_version(
        remote_pipeline
    ) and _without_sdk_version(local_platform) == _without_sdk_version(remote_platform)
