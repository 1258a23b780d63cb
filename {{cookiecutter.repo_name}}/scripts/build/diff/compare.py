# Do not edit: the template owns this file (make template-update brings its changes).
"""Two compiled specs compared as pipelines: inputs, tasks, components and edges.

Tasks are paired by ``matching``; for each pair every field is compared after the base's
producer names are mapped to the head's (so a renamed upstream task does not make each of its
consumers "changed"). Component-level fields (image, command, args, signature) are reported once
per component and change, listing the tasks that run it; the rest per task. Edges are compared
between tasks found on both sides: those of an added or removed task come with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scripts.build.diff.fields import COMPONENT_FIELDS, comparable
from scripts.build.diff.graph import Graph, Task
from scripts.build.diff.matching import match_tasks
from scripts.build.diff.model import ComponentChange, FieldChange, ItemDiff
from scripts.build.diff.wiring import render

# The order of a task's changes; fields not listed (Kubernetes settings) follow, by name.
FIELD_ORDER = (
    "component",
    "image",
    "command",
    "args",
    "display name",
    "inputs",
    "conditions",
    "loops",
    "exit handler",
    "trigger",
    "caching",
    "cache key",
    "retry",
    "resources",
    "accelerator",
    "env",
    "node selector",
    "tolerations",
)


@dataclass(frozen=True)
class Comparison:
    inputs: tuple[ItemDiff, ...]
    tasks: tuple[ItemDiff, ...]
    components: tuple[ComponentChange, ...]
    edges_added: tuple[tuple[str, str], ...]
    edges_removed: tuple[tuple[str, str], ...]
    pairs: dict[str, str]  # base task path -> head task path


def natural(name: str) -> tuple:
    """A sort key that puts ``step-2`` before ``step-10``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _field_rank(name: str) -> tuple[int, str]:
    return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), name)


def _display_default(spec: dict[str, Any]) -> Any:
    """A default as the author wrote it: the spec stores every number as a float."""
    value = spec.get("default")
    if spec.get("type") == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _input_value(spec: dict[str, Any] | None, key: str) -> Any:
    if spec is None or key not in spec:
        return None
    return _display_default(spec) if key == "default" else spec[key]


def compare_inputs(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> list[tuple[str, str, tuple[FieldChange, ...]]]:
    """(name, status, changes) for each pipeline input added, removed or changed: its type
    and its default."""
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        changes = tuple(
            FieldChange(key, _input_value(old, key), _input_value(new, key))
            for key in ("type", "default")
            if _input_value(old, key) != _input_value(new, key)
        )
        if changes:
            status = "added" if old is None else "removed" if new is None else "changed"
            out.append((name, status, changes))
    return out


def compare_graphs(base: Graph, head: Graph) -> Comparison:
    pairs = match_tasks(base, head)
    head_names = {path: head.tasks[path].name for path in head.tasks}

    def names_in(scope: str):
        def mapped(name: str) -> str:
            path = f"{scope}/{name}" if scope else name
            return head_names.get(pairs.get(path, ""), name)

        return mapped

    own: dict[str, list[FieldChange]] = {}
    # (component, its changes as JSON) -> the changes and the tasks that share them
    by_component: dict[tuple[str, str], tuple[tuple[FieldChange, ...], list[str]]] = {}
    for old_path, new_path in pairs.items():
        old, new = base.tasks[old_path], head.tasks[new_path]
        task_changes, component_changes = _task_changes(old, new, names_in(old.scope))
        own[new_path] = task_changes
        if component_changes:
            key = json.dumps([c.to_json() for c in component_changes], sort_keys=True, default=str)
            entry = by_component.setdefault((new.component, key), (component_changes, []))
            entry[1].append(new_path)
    components = tuple(
        ComponentChange(component, tuple(sorted(paths, key=natural)), changes)
        for (component, _), (changes, paths) in sorted(by_component.items())
    )
    in_components = {path for change in components for path in change.tasks}
    tasks = _task_items(base, head, pairs, own, in_components)
    inputs = tuple(
        ItemDiff(name, status, changes)
        for name, status, changes in compare_inputs(base.inputs, head.inputs)
    )
    added, removed = _edges(base, head, pairs)
    return Comparison(inputs, tasks, components, added, removed, pairs)


def _task_items(base, head, pairs, own, in_components) -> tuple[ItemDiff, ...]:
    items = []
    for old_path, new_path in pairs.items():
        old, new = base.tasks[old_path], head.tasks[new_path]
        changes = tuple(own[new_path])
        renamed = old.name != new.name
        if renamed or changes or new_path in in_components:
            status = "renamed" if renamed else "changed"
            previous = old_path if renamed else None
            items.append(ItemDiff(new_path, status, changes, previous, new.component))
    matched_new = set(pairs.values())
    for path, task in head.tasks.items():
        if path not in matched_new:
            image = task.fields.get("image")
            shown = (FieldChange("image", None, image),) if image else ()
            items.append(ItemDiff(path, "added", shown, None, task.component))
    for path, task in base.tasks.items():
        if path not in pairs:
            items.append(ItemDiff(path, "removed", (), None, task.component))
    return tuple(sorted(items, key=lambda item: (natural(item.name), item.status)))


def _task_changes(
    old: Task, new: Task, base_names
) -> tuple[list[FieldChange], tuple[FieldChange, ...]]:
    """The task's own changes, and its component's (image, command, args, signature)."""
    before = render(old.fields, base_names)
    after = render(new.fields, lambda name: name)
    task_changes: list[FieldChange] = []
    component_changes: list[FieldChange] = []
    for field in sorted(set(before) | set(after), key=_field_rank):
        was, now = before.get(field), after.get(field)
        if field in ("inputs", "signature"):
            label = "input " if field == "inputs" else ""
            target = task_changes if field == "inputs" else component_changes
            for key in sorted(set(was or {}) | set(now or {})):
                if (was or {}).get(key) != (now or {}).get(key):
                    target.append(
                        FieldChange(f"{label}{key}", (was or {}).get(key), (now or {}).get(key))
                    )
        elif field == "pipeline inputs":
            for name, _, changes in compare_inputs(was or {}, now or {}):
                task_changes += [
                    FieldChange(f"{c.field} of input {name}", c.before, c.after) for c in changes
                ]
        elif comparable(field, was) != comparable(field, now):
            target = component_changes if field in COMPONENT_FIELDS else task_changes
            target.append(FieldChange(field, was, now))
    return task_changes, tuple(component_changes)


def _edges(base: Graph, head: Graph, pairs: dict[str, str]):
    """Edges added and removed between tasks that exist on both sides (head names)."""

    def edges(graph: Graph) -> set[tuple[str, str]]:
        found = set()
        for task in graph.tasks.values():
            for name in task.upstream:
                upstream = f"{task.scope}/{name}" if task.scope else name
                if upstream in graph.tasks:
                    found.add((upstream, task.path))
        return found

    matched = set(pairs.values())
    before = {(pairs[a], pairs[b]) for a, b in edges(base) if a in pairs and b in pairs}
    after = {(a, b) for a, b in edges(head) if a in matched and b in matched}

    def order(edge: tuple[str, str]) -> tuple:
        return natural(edge[0]), natural(edge[1])

    return tuple(sorted(after - before, key=order)), tuple(sorted(before - after, key=order))
