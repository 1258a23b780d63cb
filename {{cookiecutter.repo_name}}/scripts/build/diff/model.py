# Do not edit: the template owns this file (make template-update brings its changes).
"""The review diff's model: what changed in one pipeline, as data.

``PipelineDiff`` and its parts are what ``compare`` finds (``report.DiffReport`` gathers them
for a command). Every value in them is already rendered for people (task names as the head has
them, sources as ``train.model`` or ``inputs.lr``), and every list is sorted, so two runs over
the same commits give the same bytes; ``to_json``/``from_json`` round-trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA = "kfp-monorepo/review-diff@1"
# PipelineDiff.status
CHANGED, UNCHANGED, ADDED, DELETED, FAILED = "changed", "unchanged", "new", "deleted", "failed"


@dataclass(frozen=True)
class FieldChange:
    """One setting that differs; ``None`` on a side where it is not set."""

    field: str
    before: Any = None
    after: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class ItemDiff:
    """A pipeline input or a task: ``status`` added, removed, changed or renamed (a renamed
    task may also have changes); ``previous_name`` is its base name when renamed."""

    name: str
    status: str
    changes: tuple[FieldChange, ...] = ()
    previous_name: str | None = None
    component: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "previous_name": self.previous_name,
            "component": self.component,
            "changes": [change.to_json() for change in self.changes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemDiff:
        return cls(
            name=data["name"],
            status=data["status"],
            changes=tuple(FieldChange(**change) for change in data.get("changes", [])),
            previous_name=data.get("previous_name"),
            component=data.get("component"),
        )


@dataclass(frozen=True)
class ComponentChange:
    """A change of a component's own definition (image, command, args, signature), shown once
    for all the ``tasks`` (head names) that run the component."""

    component: str
    tasks: tuple[str, ...]
    changes: tuple[FieldChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "tasks": list(self.tasks),
            "changes": [change.to_json() for change in self.changes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComponentChange:
        return cls(
            component=data["component"],
            tasks=tuple(data.get("tasks", [])),
            changes=tuple(FieldChange(**change) for change in data.get("changes", [])),
        )


@dataclass(frozen=True)
class PipelineDiff:
    """One pipeline's diff. ``picture`` is the Mermaid flowchart of its head DAG (empty for a
    deleted or failed pipeline); ``message`` says why a pipeline failed."""

    selector: str
    path: str
    status: str
    inputs: tuple[ItemDiff, ...] = ()
    tasks: tuple[ItemDiff, ...] = ()
    components: tuple[ComponentChange, ...] = ()
    edges_added: tuple[tuple[str, str], ...] = ()
    edges_removed: tuple[tuple[str, str], ...] = ()
    task_count: int = 0
    summary: str = ""
    picture: str = ""
    message: str = ""

    @property
    def empty(self) -> bool:
        return not (
            self.inputs or self.tasks or self.components or self.edges_added or self.edges_removed
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "selector": self.selector,
            "path": self.path,
            "status": self.status,
            "summary": self.summary,
            "message": self.message,
            "task_count": self.task_count,
            "inputs": [item.to_json() for item in self.inputs],
            "tasks": [item.to_json() for item in self.tasks],
            "components": [item.to_json() for item in self.components],
            "edges": {
                "added": [list(edge) for edge in self.edges_added],
                "removed": [list(edge) for edge in self.edges_removed],
            },
            "picture": self.picture,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PipelineDiff:
        edges = data.get("edges") or {}
        return cls(
            selector=data["selector"],
            path=data.get("path", ""),
            status=data["status"],
            inputs=tuple(ItemDiff.from_json(item) for item in data.get("inputs", [])),
            tasks=tuple(ItemDiff.from_json(item) for item in data.get("tasks", [])),
            components=tuple(ComponentChange.from_json(c) for c in data.get("components", [])),
            edges_added=tuple(tuple(edge) for edge in edges.get("added", [])),
            edges_removed=tuple(tuple(edge) for edge in edges.get("removed", [])),
            task_count=data.get("task_count", 0),
            summary=data.get("summary", ""),
            picture=data.get("picture", ""),
            message=data.get("message", ""),
        )
