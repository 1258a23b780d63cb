# Do not edit: the template owns this file (make template-update brings its changes).
"""Cleanup on Vertex AI: a pull request's tags first, then the versions left untagged.

The inventory is the one ``targets/cleanup/plan.py`` plans from, read from Artifact Registry:
a package is a pipeline, a ``sha256:`` version one of its versions, named by its
``<branch>-<sha8>`` tag and marked as a pull request's when a ``pr-<N>-<sha8>`` tag sits on it
(publish puts one beside every PR tag). A version a schedule's template references is pinned,
so the plan spares it, as a KFP version a recurring run pins.

Deleting a planned version deletes the pull request's tags on it; the version itself goes only
when no tag is left (the same spec may be main's too: main's tags keep it). ``latest`` and tags
of the default branches (main, master) are never deleted.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scripts.targets.cleanup.plan import Inventory, Item, PipelineInfo, Plan, VersionInfo
from scripts.targets.errors import TargetError
from scripts.targets.publish.marks import PrMark
from scripts.targets.vertex.publish import PR_TAG
from scripts.targets.vertex.registry import TemplateRegistry

PROTECTED = re.compile(r"^(latest|(main|master)-[0-9a-f]{8})$")


def read_inventory(
    registry: TemplateRegistry,
    schedule_templates: dict[str, str],
    repository: str,
    *,
    jobs: int,
) -> Inventory:
    """``schedule_templates``: digest -> the schedule whose template references it."""
    packages = registry.packages()
    with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="cleanup-read") as pool:
        pipelines = list(pool.map(lambda p: _package(registry, p, repository), packages))
    return Inventory(tuple(pipelines), dict(schedule_templates), {}, 1 + 2 * len(packages))


def _package(registry: TemplateRegistry, package: str, repository: str) -> PipelineInfo:
    versions = sorted(
        registry.versions(package),
        key=lambda v: v.created_at.timestamp() if v.created_at else 0.0,
        reverse=True,
    )
    infos = []
    for version in versions:
        mark, name = _mark(version.tags, repository)
        infos.append(VersionInfo(version.digest, name, version.created_at, mark))
    return PipelineInfo(package, package, None, None, tuple(infos))


def _mark(tags: tuple[str, ...], repository: str) -> tuple[PrMark | None, str]:
    """The pull-request mark of a version (from its ``pr-<N>-<sha8>`` tag and the branch tag
    beside it) and the name to show: that branch tag, else any tag."""
    for tag in tags:
        found = PR_TAG.match(tag)
        if not found:
            continue
        suffix = f"-{found['sha']}"
        branch_tags = sorted(
            t for t in tags if t.endswith(suffix) and t != tag and not PROTECTED.match(t)
        )
        name = branch_tags[0] if branch_tags else tag
        branch = name.removesuffix(suffix)
        return PrMark(repository, int(found["number"]), branch), name
    return None, (tags[0] if tags else "")


def apply_cleanup(registry: TemplateRegistry, plan: Plan, *, jobs: int) -> None:
    """Planned versions lose the pull request's tags, then go when untagged. A version the
    plan spares for another reason than ``--keep`` (a schedule pins it, it is the package's
    last) loses the pull request's tags too: schedules run ``sha256:`` versions, so a tag
    pins nothing, and only the version itself must stay."""
    untag = [
        item
        for item in plan.items
        if item.kind == "version"
        and (item.action == "delete" or not item.reason.startswith("--keep"))
    ]
    with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="cleanup") as pool:
        list(pool.map(lambda item: _delete(registry, item), untag))
    # No package is ever planned for deletion: the inventory marks none as made for one pull
    # request (a package may hold main's versions later), so packages stay.


def _delete(registry: TemplateRegistry, item: Item) -> None:
    """Delete the pull request's tags on the item's version: its ``pr-<N>-<sha8>`` tags and
    the ``<branch>-<sha8>`` tags of the same commits (the branch is the item's name's), nothing
    else; then the version, when no tag is left on it."""
    branch = item.version.rpartition("-")[0]
    try:
        tags = {t: d for t, d in registry.tags(item.pipeline_id).items() if d == item.version_id}
        shas = {m["sha"] for t in tags if (m := PR_TAG.match(t)) and int(m["number"]) == item.pr}
        doomed = sorted(
            tag
            for tag in tags
            if not PROTECTED.match(tag)
            and any(tag in (f"pr-{item.pr}-{sha}", f"{branch}-{sha}") for sha in shas)
        )
        for tag in doomed:
            _ignore_missing(registry.delete_tag, item.pipeline_id, tag)
        left = sorted(set(tags) - set(doomed))
        if item.action != "delete":
            if doomed:
                item.message = f"its pull-request tags removed ({', '.join(doomed)})"
            return
        if left:
            item.status = "deleted"
            item.message = f"tags removed; the version stays, still tagged {', '.join(left)}"
            return
        _ignore_missing(registry.delete_version, item.pipeline_id, item.version_id)
        item.status = "deleted"
    except TargetError as error:
        item.status, item.message = "failed", error.message


def _ignore_missing(function: Any, *args: Any) -> None:
    try:
        function(*args)
    except TargetError as error:
        if error.status != 404:  # deleted by a parallel cleanup: the goal is reached
            raise
