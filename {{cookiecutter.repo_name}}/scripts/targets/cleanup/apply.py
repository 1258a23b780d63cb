# Do not edit: the template owns this file (make template-update brings its changes).
"""Carry out a cleanup plan: version deletes ``jobs`` at a time, then the pipelines left empty.

Each delete goes through ``KfpApi.call`` (transient failures retried with backoff). A 404 means
someone (another cleanup, a person) deleted it already: the goal holds, so it counts as
``gone``, which makes a second run harmless. One failure never stops the others; a pipeline
is deleted only when every one of its versions in the plan went.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scripts.targets.cleanup.plan import Item, Plan
from scripts.targets.errors import TargetError


def apply_plan(plan: Plan, api_for: Callable[[str | None], Any], *, jobs: int) -> None:
    """Delete what the plan says, updating each item's ``status`` and ``message``."""
    versions = [i for i in plan.deletes if i.kind == "version"]
    with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="cleanup") as pool:
        list(pool.map(lambda item: _delete(item, api_for), versions))
    for item in plan.deletes:
        if item.kind != "pipeline":
            continue
        left = [
            v
            for v in versions
            if v.pipeline_id == item.pipeline_id and v.status not in ("deleted", "gone")
        ]
        if left:
            item.status = "failed"
            item.message = f"{len(left)} of its versions could not be deleted"
            continue
        _delete(item, api_for)


def _delete(item: Item, api_for: Callable[[str | None], Any]) -> None:
    api = api_for(item.namespace)
    try:
        if item.kind == "version":
            api.call(
                f"delete version {item.version} of {item.pipeline}",
                api.client.delete_pipeline_version,
                item.pipeline_id,
                item.version_id,
            )
        else:
            what = f"delete pipeline {item.pipeline}"
            api.call(what, api.client.delete_pipeline, item.pipeline_id)
        item.status = "deleted"
    except TargetError as error:
        if error.status == 404:
            item.status = "gone"
            return
        item.status = "failed"
        item.message = error.message
