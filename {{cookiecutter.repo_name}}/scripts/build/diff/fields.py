# Do not edit: the template owns this file (make template-update brings its changes).
"""What one task of a compiled spec says, as named fields that compare as data.

The names are what reviewers read in the diff ("image", "retry", "node selector"). A field is
task-level (set on the task in the pipeline: caching, retry, resources, env, Kubernetes
settings) or component-level (``COMPONENT_FIELDS``: defined once by the component, the same for
every task that runs it), so a changed image is reported once per component.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import Any

COMPONENT_FIELDS = ("image", "command", "args", "signature")
CAMEL_WORD = re.compile(r"(?<!^)(?=[A-Z])")

# container.resources: the SDK writes the values as typed (resource*) and again as numbers
# (cpuLimit: 2.0, memoryRequest in GB); the typed ones win, the numbers are the fallback.
RESOURCE_KEYS = (
    ("cpu request", "resourceCpuRequest", "cpuRequest"),
    ("cpu limit", "resourceCpuLimit", "cpuLimit"),
    ("memory request", "resourceMemoryRequest", "memoryRequest"),
    ("memory limit", "resourceMemoryLimit", "memoryLimit"),
)


def words(camel: str) -> str:
    """``nodeSelector`` -> ``node selector``: a Kubernetes setting's name for people."""
    return CAMEL_WORD.sub(" ", camel).lower()


def component_base(reference: str) -> str:
    """The component a task runs, without the compiler's per-task copy number:
    ``comp-train-model-2`` -> ``train-model``."""
    name = reference.removeprefix("comp-")
    return re.sub(r"-\d+$", "", name)


def task_fields(task: Mapping[str, Any], component: Mapping[str, Any]) -> dict[str, Any]:
    """The task-level settings written on the task itself."""
    fields: dict[str, Any] = {}
    caching = task.get("cachingOptions")
    if caching is not None:
        fields["caching"] = "on" if caching.get("enableCache") else "off"
        if caching.get("cacheKey"):
            fields["cache key"] = caching["cacheKey"]
    if task.get("retryPolicy"):
        fields["retry"] = dict(sorted(task["retryPolicy"].items()))
    strategy = (task.get("triggerPolicy") or {}).get("strategy")
    if strategy:
        fields["trigger"] = strategy.lower().replace("_", " ")
    fields["signature"] = signature(component)
    return fields


def signature(component: Mapping[str, Any]) -> dict[str, str]:
    """A component's interface: each input's type and default, each output's type."""
    shown: dict[str, str] = {}
    for side in ("inputDefinitions", "outputDefinitions"):
        definitions = component.get(side) or {}
        prefix = "input" if side == "inputDefinitions" else "output"
        for name, spec in sorted((definitions.get("parameters") or {}).items()):
            text = spec.get("parameterType", "?")
            if "defaultValue" in spec:
                default = spec["defaultValue"]
                if text == "NUMBER_INTEGER" and isinstance(default, float) and default.is_integer():
                    default = int(default)  # the spec stores every number as a float
                text += f" = {json.dumps(default, sort_keys=True)}"
            shown[f"{prefix} {name}"] = text
        for name, spec in sorted((definitions.get("artifacts") or {}).items()):
            kind = (spec.get("artifactType") or {}).get("schemaTitle", "?")
            shown[f"{prefix} {name}"] = kind + (" list" if spec.get("isArtifactList") else "")
    return shown


def executor_fields(
    executor: Mapping[str, Any] | None, kubernetes: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What the task's container runs with: image, command, args, env, resources, and the
    Kubernetes settings kfp-kubernetes added (node selector, tolerations, secrets, volumes)."""
    container = (executor or {}).get("container") or {}
    fields: dict[str, Any] = {}
    for key in ("image", "command", "args"):
        if key in container:
            fields[key] = container[key]
    env = {item.get("name"): item.get("value") for item in container.get("env") or []}
    if env:
        fields["env"] = dict(sorted(env.items()))
    resources = container.get("resources") or {}
    requested = {}
    for label, typed, number in RESOURCE_KEYS:
        value = resources.get(typed, resources.get(number))
        if value is not None:
            requested[label] = str(value)
    if requested:
        fields["resources"] = requested
    accelerator = resources.get("accelerator") or {}
    if accelerator:
        fields["accelerator"] = {
            "type": accelerator.get("resourceType", accelerator.get("type")),
            "count": str(accelerator.get("resourceCount", accelerator.get("count"))),
        }
    for key, value in sorted((kubernetes or {}).items()):
        fields[words(key)] = value
    if executor and not container:  # an importer or a resolver: compared whole
        fields["executor"] = dict(executor)
    return fields


def comparable(field: str, value: Any) -> Any:
    """The value a field is compared by: a lightweight component's Python source (an item of
    its command or args) by its syntax tree, so comments and formatting are no change."""
    if field in ("command", "args") and isinstance(value, list):
        return [_python_or_text(item) for item in value]
    return value


def _python_or_text(item: Any) -> Any:
    if not isinstance(item, str) or "def " not in item:
        return item
    try:
        return ("python", ast.dump(ast.parse(item)))
    except SyntaxError:
        return item
