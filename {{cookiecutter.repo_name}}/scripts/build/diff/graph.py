# Do not edit: the template owns this file (make template-update brings its changes).
"""A compiled pipeline spec (KFP IR YAML) read as a graph of tasks that compares as data.

Control-flow groups (``for-loop-N``, ``condition-N``, ``condition-branches-N``,
``exit-handler-N``) are tasks in the IR whose numbers shift whenever a group is added earlier;
here they become what they mean to each task inside them: its ``conditions``, its ``loops`` and
its exit handler, with every input followed back through the group's channels
(``scripts/build/diff/wiring.py``). Their dependencies become edges between real tasks.

A nested pipeline (a task whose component is a DAG) is a task too, and its own tasks are
listed after it with paths ``<task>/<inner task>``, so the diff compares them recursively and
names them where they are. Task names are unique within one pipeline level (the compiler
makes them so), which makes the path a task's identity.

The groups are kept (``Graph.groups``, ``Graph.links``) for the picture only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scripts.build.diff.fields import component_base, executor_fields, task_fields
from scripts.build.diff.wiring import (
    Channels,
    Template,
    condition_template,
    group_channels,
    task_inputs,
)

GROUP_TASK = re.compile(r"^(condition-branches|condition|for-loop|exit-handler)-\d+$")
GROUP_KINDS = {
    "condition-branches": "branches",
    "condition": "condition",
    "for-loop": "loop",
    "exit-handler": "exit handler",
}


@dataclass(frozen=True)
class Group:
    """A control-flow group of one pipeline level, for the picture."""

    scope: str  # the nested pipeline task's path ("" for the pipeline itself)
    key: str  # its task name in the IR
    kind: str  # loop | condition | branches | exit handler
    label: Template
    parent: str | None  # the enclosing group's key in the same scope


@dataclass(frozen=True)
class Task:
    path: str  # name, prefixed with "<nested pipeline task path>/" inside a nested pipeline
    scope: str
    name: str
    component: str
    nested: bool  # a nested pipeline (its tasks follow with this path as their scope)
    group: str | None  # the innermost enclosing group's key (in scope), for the picture
    fields: dict[str, Any]
    upstream: frozenset[str]  # names (in scope) of the tasks this one runs after


@dataclass
class Graph:
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    # (scope, upstream, downstream) between tasks or groups of one DAG, as the IR draws them
    links: list[tuple[str, str, str]] = field(default_factory=list)

    def scope_tasks(self, scope: str) -> list[Task]:
        return [task for task in self.tasks.values() if task.scope == scope]


@dataclass(frozen=True)
class _Place:
    """Where the walk is: the pipeline level and the groups around the current DAG."""

    scope: str
    groups: tuple[str, ...] = ()
    conditions: tuple[Template, ...] = ()
    loops: tuple[Template, ...] = ()
    guarded: bool = False  # inside an exit handler's group
    waits_for: frozenset[str] = frozenset()  # what the enclosing groups depend on


def pipeline_inputs(component: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A pipeline's (or a nested pipeline's) inputs: type and, when it has one, default."""
    definitions = component.get("inputDefinitions") or {}
    inputs: dict[str, dict[str, Any]] = {}
    for name, spec in sorted((definitions.get("parameters") or {}).items()):
        inputs[name] = {"type": spec.get("parameterType", "?")}
        if "defaultValue" in spec:
            inputs[name]["default"] = spec["defaultValue"]
    for name, spec in sorted((definitions.get("artifacts") or {}).items()):
        inputs[name] = {"type": (spec.get("artifactType") or {}).get("schemaTitle", "?")}
    return inputs


def split_spec(spec: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pipeline spec and the Kubernetes executors' settings of ``local_spec``'s value."""
    if isinstance(spec, dict) and isinstance(spec.get("pipeline_spec"), dict):
        platform = spec.get("platform_spec") or {}
        executors = (
            ((platform.get("platforms") or {}).get("kubernetes") or {}).get("deploymentSpec") or {}
        ).get("executors") or {}
        return spec["pipeline_spec"], executors
    return spec, {}


def read_graph(spec: Any) -> Graph:
    """The graph of a compiled spec (as ``scripts.build.specs.local_spec`` loads it)."""
    pipeline, kubernetes = split_spec(spec)
    reader = _Reader(pipeline, kubernetes)
    root = pipeline.get("root") or {}
    reader.graph.inputs = pipeline_inputs(root)
    reader.walk((root.get("dag") or {}).get("tasks") or {}, {}, _Place(""))
    reader.resolve_upstream()
    return reader.graph


class _Reader:
    def __init__(self, pipeline: Mapping[str, Any], kubernetes: Mapping[str, Any]):
        self.components = pipeline.get("components") or {}
        self.executors = (pipeline.get("deploymentSpec") or {}).get("executors") or {}
        self.kubernetes = kubernetes
        self.graph = Graph()
        # (scope, group key) -> the names of the real tasks inside it, at any depth
        self.members: dict[tuple[str, str], set[str]] = {}
        self.waits: dict[str, set[str]] = {}  # task path -> names it depends on, unexpanded

    def walk(self, tasks: Mapping[str, Any], channels: Channels, place: _Place) -> None:
        for key, task in sorted(tasks.items()):
            reference = (task.get("componentRef") or {}).get("name", "")
            component = self.components.get(reference) or {}
            for upstream in task.get("dependentTasks") or []:
                self.graph.links.append((place.scope, upstream, key))
            if GROUP_TASK.match(key) and "dag" in component:
                self._group(key, task, component, channels, place)
            else:
                self._task(key, task, component, channels, place)

    def _group(self, key, task, component, channels, place: _Place) -> None:
        kind = GROUP_KINDS[GROUP_TASK.match(key).group(1)]
        depth = len(place.loops) + (1 if kind == "loop" else 0)
        inside = group_channels(task, channels, depth)
        label, conditions, loops = _group_label(kind, task, inside, depth)
        parent = place.groups[-1] if place.groups else None
        self.graph.groups[(place.scope, key)] = Group(place.scope, key, kind, label, parent)
        for outer in place.groups:
            self.members.setdefault((place.scope, outer), set())
        self.members.setdefault((place.scope, key), set())
        inner = _Place(
            scope=place.scope,
            groups=(*place.groups, key),
            conditions=place.conditions + conditions,
            loops=place.loops + loops,
            guarded=place.guarded or kind == "exit handler",
            waits_for=place.waits_for | frozenset(task.get("dependentTasks") or []),
        )
        tasks = ((component.get("dag") or {}).get("tasks")) or {}
        self.walk(tasks, inside, inner)

    def _task(self, key, task, component, channels, place: _Place) -> None:
        reference = (task.get("componentRef") or {}).get("name", "")
        path = f"{place.scope}/{key}" if place.scope else key
        fields: dict[str, Any] = {"component": component_base(reference)}
        shown = (task.get("taskInfo") or {}).get("name", key)
        if shown != key:
            fields["display name"] = shown
        fields["inputs"] = task_inputs(task, channels)
        fields.update(task_fields(task, component))
        if place.conditions:
            fields["conditions"] = place.conditions
        if place.loops:
            fields["loops"] = place.loops
        if place.guarded:
            fields["exit handler"] = "inside an exit handler's group"
        nested = "dag" in component
        if nested:
            fields["pipeline inputs"] = pipeline_inputs(component)
            del fields["signature"]
        else:
            label = component.get("executorLabel", "")
            executor = self.executors.get(label)
            fields.update(executor_fields(executor, self.kubernetes.get(label)))
        for group in place.groups:
            self.members[(place.scope, group)].add(key)
        self.waits[path] = set(task.get("dependentTasks") or []) | set(place.waits_for)
        group = place.groups[-1] if place.groups else None
        self.graph.tasks[path] = Task(
            path, place.scope, key, component_base(reference), nested, group, fields, frozenset()
        )
        if nested:
            tasks = (component.get("dag") or {}).get("tasks") or {}
            self.walk(tasks, {}, _Place(path))

    def resolve_upstream(self) -> None:
        """Each task's dependencies with groups expanded to the tasks inside them."""
        for path, task in self.graph.tasks.items():
            names: set[str] = set()
            for name in self.waits.get(path, ()):
                names |= self.members.get((task.scope, name), {name})
            names.discard(task.name)
            self.graph.tasks[path] = Task(**{**task.__dict__, "upstream": frozenset(names)})


def _group_label(
    kind: str, task: Mapping[str, Any], inside: Channels, depth: int
) -> tuple[Template, tuple[Template, ...], tuple[Template, ...]]:
    """A group's label for the picture, and what it adds to its tasks' conditions and loops."""
    if kind == "condition":
        condition = (task.get("triggerPolicy") or {}).get("condition", "")
        template = condition_template(condition, inside)
        return Template(("if ", *template)), (template,), ()
    if kind == "loop":
        iterator = task.get("parameterIterator") or task.get("artifactIterator") or {}
        items = iterator.get("items") or {}
        if "raw" in items:
            what: Any = _compact(items["raw"])
        else:
            name = items.get("inputParameter", items.get("inputArtifact", ""))
            what = inside.get(name, ("input", name))
        limit = (task.get("iteratorPolicy") or {}).get("parallelismLimit")
        tail = f" (at most {limit} at once)" if limit else ""
        item = "item" if depth == 1 else f"item of loop {depth}"
        template = Template((f"for each {item} in ", what, tail))
        return template, (), (template,)
    if kind == "branches":
        return Template(("if / elif / else",)), (), ()
    return Template(("exit handler",)), (), ()


def _compact(raw: str) -> str:
    """A loop's literal items as compact JSON (the spec writes them as it pleases)."""
    try:
        return json.dumps(json.loads(raw), sort_keys=True)
    except ValueError:
        return raw
