# Do not edit: the template owns this file (make template-update brings its changes).
"""The review diff for people: a summary line per pipeline and the full diff as a Document.

Every value that comes from the pipelines (task, input and component names, defaults, images,
commands) is a ``Code`` part, so in Markdown it cannot add mentions, links or HTML. A long or
multi-line value (a lightweight component's command holds its Python source) is shown as the
lines that changed, at most ``MAX_DIFF_LINES``.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from scripts.build.diff.model import (
    ADDED,
    DELETED,
    FAILED,
    UNCHANGED,
    FieldChange,
    ItemDiff,
    PipelineDiff,
)
from scripts.core.report import Bullets, Code, Inline, Strong, count_phrase, joined

MAX_HIGHLIGHTS = 4  # named changes in a summary line after the counts
MAX_VALUE_CHARS = 120  # longer values are shown as the lines that changed
MAX_DIFF_LINES = 12
MAX_NAMES = 10  # tasks named for one component change
TASK_STATUSES = ("changed", "renamed", "added", "removed")
ARROW = " -> "


def value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [line for item in value for line in value_text(item).splitlines() or [""]]
    return value_text(value).splitlines()


def change_lines(change: FieldChange) -> list[Inline]:
    """One line for a short change (``retry: `{...}` -> `{...}` ``); for a long one a first
    line and the changed lines, ``-`` before and ``+`` after."""
    was, now = value_text(change.before), value_text(change.after)
    if "\n" not in was + now and max(len(was), len(now)) <= MAX_VALUE_CHARS:
        return [(f"{change.field}: ", Code(was), ARROW, Code(now))]
    diff = [
        line
        for line in difflib.unified_diff(_lines(change.before), _lines(change.after), n=0)
        if not line.startswith(("---", "+++", "@@"))
    ]
    shown: list[Inline] = [f"{change.field}: changed ({len(diff)} lines differ)"]
    shown += [("  ", Code(line)) for line in diff[:MAX_DIFF_LINES]]
    if len(diff) > MAX_DIFF_LINES:
        shown.append(f"  … {len(diff) - MAX_DIFF_LINES} more lines")
    return shown


def _task_counts(tasks: tuple[ItemDiff, ...]) -> str:
    """``3 tasks changed, 1 added``."""
    present = [(s, n) for s in TASK_STATUSES if (n := sum(1 for t in tasks if t.status == s))]
    if not present:
        return ""
    (status, number), rest = present[0], present[1:]
    first = f"{number} {'task' if number == 1 else 'tasks'} {status}"
    return ", ".join([first, *(f"{n} {s}" for s, n in rest)])


def _highlights(pipeline: PipelineDiff) -> list[Inline]:
    out: list[Inline] = []
    for item in pipeline.inputs:
        if item.status != "changed":
            out.append(("input ", Code(item.name), f" {item.status}"))
            continue
        for change in item.changes:
            shown = (Code(value_text(change.before)), ARROW, Code(value_text(change.after)))
            out.append((f"{change.field} of ", Code(item.name), " ", *shown))
    for component in pipeline.components:
        fields = sorted({c.field.split(" ")[0] for c in component.changes})
        for field in fields:
            name = "signature" if field in ("input", "output") else field
            out.append((f"{name} of ", Code(component.component), " changed"))
    counts = [(len(pipeline.edges_added), "added"), (len(pipeline.edges_removed), "removed")]
    present = [(n, word) for n, word in counts if n]
    if present:
        (number, word), rest = present[0], present[1:]
        first = f"{count_phrase(number, 'edge')} {word}"
        out.append(", ".join([first, *(f"{n} {w}" for n, w in rest)]))
    return out


def summary_parts(pipeline: PipelineDiff) -> Inline:
    """The one line a reviewer reads first: "3 tasks changed, 1 added; image of `train`
    changed; default of `learning_rate` `0.1` -> `0.05`"."""
    if pipeline.status == ADDED:
        return f"new pipeline, {count_phrase(pipeline.task_count, 'task')}"
    if pipeline.status == DELETED:
        return "deleted pipeline"
    if pipeline.status == FAILED:
        return ("not compared: ", Code(pipeline.message))
    if pipeline.status == UNCHANGED:
        return "no change to the compiled pipeline"
    parts: list[Inline] = []
    counts = _task_counts(pipeline.tasks)
    if counts:
        parts.append(counts)
    highlights = _highlights(pipeline)
    parts += highlights[:MAX_HIGHLIGHTS]
    if len(highlights) > MAX_HIGHLIGHTS:
        parts.append(f"{len(highlights) - MAX_HIGHLIGHTS} more")
    return joined(parts, "; ")


def _item_title(item: ItemDiff, kind: str) -> Inline:
    if item.status == "renamed":
        return ("renamed ", Code(item.previous_name or ""), ARROW, Code(item.name))
    component = (" (component ", Code(item.component), ")") if item.component else ""
    return (f"{item.status} {kind} ", Code(item.name), *component)


def _changes(changes: tuple[FieldChange, ...]) -> tuple[Inline, ...]:
    return tuple(line for change in changes for line in change_lines(change))


def _settings(item: ItemDiff) -> tuple[Inline, ...]:
    """An added item's settings are shown as they are, a changed one's as before -> after."""
    if item.status == "added":
        return tuple((f"{c.field}: ", Code(value_text(c.after))) for c in item.changes)
    if item.status == "removed":
        return tuple((f"{c.field} was ", Code(value_text(c.before))) for c in item.changes)
    return _changes(item.changes)


def _names(names: tuple[str, ...]) -> Inline:
    """Task names, the first MAX_NAMES of them and how many more."""
    shown = joined(Code(name) for name in names[:MAX_NAMES])
    more = len(names) - MAX_NAMES
    return (shown, f" and {more} more") if more > 0 else shown


def pipeline_blocks(pipeline: PipelineDiff) -> list:
    """The full diff of one pipeline, as Document blocks (inputs, components, tasks, edges)."""
    blocks: list = []
    if pipeline.inputs:
        items = tuple((_item_title(i, "input"), _settings(i)) for i in pipeline.inputs)
        blocks.append(Bullets(Strong("Pipeline inputs"), items))
    if pipeline.components:
        items = tuple(
            (("component ", Code(c.component), ", run by ", _names(c.tasks)), _changes(c.changes))
            for c in pipeline.components
        )
        blocks.append(Bullets(Strong("Components"), items))
    # A task changed only through its component is listed with the component, not again here.
    tasks = [t for t in pipeline.tasks if t.changes or t.status != "changed"]
    if tasks:
        items = tuple((_item_title(t, "task"), _settings(t)) for t in tasks)
        blocks.append(Bullets(Strong("Tasks"), items))
    edges = [("added ", Code(a), ARROW, Code(b)) for a, b in pipeline.edges_added]
    edges += [("removed ", Code(a), ARROW, Code(b)) for a, b in pipeline.edges_removed]
    if edges:
        blocks.append(Bullets(Strong("Edges (runs after)"), tuple((e, ()) for e in edges)))
    return blocks


def pipeline_title(pipeline: PipelineDiff) -> Inline:
    return (Strong(pipeline.selector), ": ", summary_parts(pipeline))
