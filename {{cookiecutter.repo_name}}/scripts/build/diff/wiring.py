# Do not edit: the template owns this file (make template-update brings its changes).
"""Where a task's input comes from, said without the compiler's generated names.

The compiler passes values into a control-flow group (a loop, a condition, an exit handler)
through inputs named ``pipelinechannel--<producer>-<key>`` or
``pipelinechannel--loop-item-param-N``; those names carry numbers and task names that shift
when an unrelated task is added. A
``Source`` follows such a channel back to where the value really comes from (a pipeline input,
another task's output, a constant, the loop's item), so two compilations compare equal when the
pipeline means the same, and a renamed producer is mapped before comparing (``render``).

Sources are tuples, so they hash and compare:
``("input", name)``, ``("task", producer, key)``, ``("constant", value)``, ``("item", depth)``,
``("select", source, selector)``, ``("status", producer)`` and ``("other", text)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

Source = tuple
Channels = Mapping[str, Source]
# A task name as the base had it -> its name at the head (renames); identity for the head.
Names = Callable[[str], str]

CHANNEL_REFERENCE = re.compile(r"inputs\.(?:parameter_values|artifacts)\['([^']*)'\]")
SELECTOR_JSON = re.compile(r"^parseJson\(string_value\)")


def _frozen(value: Any) -> Any:
    """A constant as a hashable value (lists and dicts from the spec become tuples)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "dict":
        return {k: _thawed(v) for k, v in value[1]}
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "list":
        return [_thawed(v) for v in value[1]]
    return value


def source_of(entry: Mapping[str, Any], channels: Channels) -> Source:
    """The origin of one input binding of a task (a parameter's or an artifact's spec)."""
    source: Source
    if "componentInputParameter" in entry or "componentInputArtifact" in entry:
        name = entry.get("componentInputParameter", entry.get("componentInputArtifact"))
        source = channels.get(name, ("input", name))
    elif "taskOutputParameter" in entry or "taskOutputArtifact" in entry:
        output = entry.get("taskOutputParameter") or entry.get("taskOutputArtifact") or {}
        key = output.get("outputParameterKey", output.get("outputArtifactKey", ""))
        source = ("task", output.get("producerTask", ""), key)
    elif "runtimeValue" in entry:
        source = ("constant", _frozen(entry["runtimeValue"].get("constant")))
    elif "taskFinalStatus" in entry:
        source = ("status", entry["taskFinalStatus"].get("producerTask", ""))
    else:
        source = ("other", json.dumps(entry, sort_keys=True))
    selector = entry.get("parameterExpressionSelector")
    return ("select", source, selector) if selector else source


def task_inputs(task: Mapping[str, Any], channels: Channels) -> dict[str, Source]:
    """Every input binding of a task (parameters and artifacts), by input name."""
    inputs = task.get("inputs") or {}
    bound = {}
    for kind in ("parameters", "artifacts"):
        for name, entry in sorted((inputs.get(kind) or {}).items()):
            bound[name] = source_of(entry, channels)
    return bound


def group_channels(task: Mapping[str, Any], channels: Channels, depth: int) -> dict[str, Source]:
    """The channels visible inside a group: its inputs, followed back through ``channels``,
    and for a loop the item (``depth`` counts the loops from the outside, 1 for the first)."""
    inside = task_inputs(task, channels)
    for iterator in ("parameterIterator", "artifactIterator"):
        item = (task.get(iterator) or {}).get("itemInput")
        if item:
            inside[item] = ("item", depth)
    return inside


class Template(tuple):
    """Text and Sources drawn one after the other (a condition, a loop's description)."""


def condition_template(condition: str, channels: Channels) -> Template:
    """A trigger condition as text and Sources, e.g. ``(("task", "say", "Output"), " == 'hi'")``."""
    parts: list = []
    position = 0
    for match in CHANNEL_REFERENCE.finditer(condition):
        parts.append(condition[position : match.start()])
        parts.append(channels.get(match.group(1), ("input", match.group(1))))
        position = match.end()
    parts.append(condition[position:])
    return Template(part for part in parts if part != "")


def render(value: Any, names: Names) -> Any:
    """A field's value for people and JSON: Sources as short code-like text (``inputs.lr``,
    ``train.model``, ``"bye"``, ``item``), task names mapped through ``names``; templates
    (tuples of text and Sources) joined; dicts and lists rendered item by item."""
    if isinstance(value, Template):
        return "".join(str(render(part, names)) for part in value)
    if is_source(value):
        return source_text(value, names)
    if isinstance(value, dict):
        return {key: render(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item, names) for item in value]
    return value


SOURCE_KINDS = frozenset({"input", "task", "constant", "item", "select", "status", "other"})


def is_source(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and not isinstance(value, Template)
        and len(value) >= 2
        and value[0] in SOURCE_KINDS
    )


def source_text(source: Source, names: Names) -> str:
    kind = source[0]
    if kind == "input":
        return f"inputs.{source[1]}"
    if kind == "task":
        return f"{names(source[1])}.{source[2]}"
    if kind == "constant":
        return json.dumps(_thawed(source[1]), sort_keys=True)
    if kind == "item":
        return "item" if source[1] == 1 else f"item of loop {source[1]}"
    if kind == "select":
        return source_text(source[1], names) + SELECTOR_JSON.sub("", source[2])
    if kind == "status":
        return f"final status of {names(source[1])}"
    return str(source[1])


def producers(value: Any) -> set[str]:
    """The task names a value's Sources read from (for edges drawn from data)."""
    if is_source(value):
        if value[0] in ("task", "status"):
            return {value[1]}
        return producers(value[1]) if value[0] == "select" else set()
    if isinstance(value, dict):
        return set().union(*(producers(v) for v in value.values()))
    if isinstance(value, tuple | list):
        return set().union(*(producers(v) for v in value))
    return set()
