# Do not edit: the template owns this file (make template-update brings its changes).
"""The cleanup plan: which pull-request versions to delete, and why each other one is spared.

Computed from an ``Inventory`` (what the server holds, read by ``inventory.py``) with no
network. A version is a candidate only when it carries this repository's pull-request mark
(``scripts.targets.publish.marks``; main's versions and hand uploads have none) and the mark
matches the selection (a PR number, a branch, or the set of PRs closed long enough). Then, per
pipeline, a candidate is spared when:

- ``--keep N`` keeps it (the N newest candidates of each pipeline);
- a recurring run pins it (KFP's delete does not check: the schedule would keep firing a spec
  nobody can see any more);
- a recurring run follows the pipeline's latest version and it is the latest;
- it is the pipeline's last version: a pipeline is never left empty, unless publish created
  the pipeline for the same pull request, every version is that pull request's, and no
  recurring run refers to it; then the pipeline goes too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from scripts.targets.publish.marks import PrMark


@dataclass(frozen=True)
class VersionInfo:
    version_id: str
    name: str
    created_at: datetime | None
    mark: PrMark | None  # this repository's pull-request mark


@dataclass(frozen=True)
class PipelineInfo:
    pipeline_id: str
    name: str
    namespace: str | None
    created_for: PrMark | None
    versions: tuple[VersionInfo, ...]  # newest first


@dataclass(frozen=True)
class Inventory:
    pipelines: tuple[PipelineInfo, ...]
    pinned: Mapping[str, str]  # version id -> the recurring run pinning it
    following: Mapping[str, str]  # pipeline id -> a recurring run that runs its latest
    requests: int = 0

    def pull_requests(self) -> set[int]:
        """The PR numbers in this repository's marks (for asking GitHub which are closed)."""
        return {v.mark.number for p in self.pipelines for v in p.versions if v.mark}


@dataclass(frozen=True)
class Selection:
    """Exactly one of ``pr``, ``branch`` (a slug), ``closed`` (PR numbers) is set."""

    pr: int | None = None
    branch: str | None = None
    closed: frozenset[int] | None = None
    keep: int = 0

    def matches(self, mark: PrMark) -> bool:
        if self.pr is not None:
            return mark.number == self.pr
        if self.branch is not None:
            return mark.branch == self.branch
        return self.closed is not None and mark.number in self.closed

    def describe(self) -> str:
        if self.pr is not None:
            return f"pull request #{self.pr}"
        if self.branch is not None:
            return f"branch {self.branch}"
        return f"{len(self.closed or ())} closed pull request(s)"


@dataclass
class Item:
    """One row of the plan, and later of the result."""

    kind: str  # version | pipeline
    action: str  # delete | spare
    namespace: str | None
    pipeline: str
    pipeline_id: str
    version: str = ""
    version_id: str = ""
    pr: int | None = None
    reason: str = ""
    status: str = "planned"  # planned | deleted | gone | failed | spared
    message: str = ""

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Plan:
    selection: Selection
    items: list[Item] = field(default_factory=list)

    @property
    def deletes(self) -> list[Item]:
        return [i for i in self.items if i.action == "delete"]


def build_plan(inventory: Inventory, selection: Selection) -> Plan:
    plan = Plan(selection)
    for pipeline in sorted(inventory.pipelines, key=lambda p: (str(p.namespace), p.name)):
        plan.items += _pipeline_items(pipeline, inventory, selection)
    return plan


def _pipeline_items(
    pipeline: PipelineInfo, inventory: Inventory, selection: Selection
) -> list[Item]:
    chosen = [v for v in pipeline.versions if v.mark and selection.matches(v.mark)]
    if not chosen:
        return []
    items = []
    delete: list[VersionInfo] = []
    for index, version in enumerate(chosen):
        reason = _spare_reason(pipeline, version, inventory)
        if index < selection.keep:
            reason = f"--keep {selection.keep} keeps the newest"
        if reason:
            items.append(_item(pipeline, version, "spare", reason))
        else:
            delete.append(version)
    if delete and len(delete) == len(pipeline.versions):
        if _pipeline_goes(pipeline, inventory):
            items += [_item(pipeline, v, "delete", "pull-request version") for v in delete]
            items.append(
                Item(
                    "pipeline",
                    "delete",
                    pipeline.namespace,
                    pipeline.name,
                    pipeline.pipeline_id,
                    pr=pipeline.created_for.number if pipeline.created_for else None,
                    reason="created for this pull request alone, now empty",
                )
            )
            return items
        last, delete = delete[0], delete[1:]
        items.append(_item(pipeline, last, "spare", "the pipeline's only version left"))
    items += [_item(pipeline, v, "delete", "pull-request version") for v in delete]
    return items


def _spare_reason(pipeline: PipelineInfo, version: VersionInfo, inventory: Inventory) -> str:
    if version.version_id in inventory.pinned:
        return f"recurring run {inventory.pinned[version.version_id]!r} pins it"
    following = inventory.following.get(pipeline.pipeline_id)
    if following and pipeline.versions and pipeline.versions[0] is version:
        return f"recurring run {following!r} runs the pipeline's latest version"
    return ""


def _pipeline_goes(pipeline: PipelineInfo, inventory: Inventory) -> bool:
    """Only a pipeline publish created for one pull request, holding only its versions, that
    no recurring run refers to."""
    owner = pipeline.created_for
    if owner is None or pipeline.pipeline_id in inventory.following:
        return False
    if any(v.version_id in inventory.pinned for v in pipeline.versions):
        return False
    return all(v.mark is not None and v.mark.number == owner.number for v in pipeline.versions)


def _item(pipeline: PipelineInfo, version: VersionInfo, action: str, reason: str) -> Item:
    return Item(
        "version",
        action,
        pipeline.namespace,
        pipeline.name,
        pipeline.pipeline_id,
        version.name,
        version.version_id,
        version.mark.number if version.mark else None,
        reason,
        "planned" if action == "delete" else "spared",
    )
