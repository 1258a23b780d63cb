# Do not edit: the template owns this file (make template-update brings its changes).
"""The head pipeline's DAG as a Mermaid ``flowchart`` (GitHub draws it in a comment).

Tasks that were added, changed or removed are styled apart (removed ones dashed, drawn from the
base with their base edges); loops, conditions, exit handlers and nested pipelines are
subgraphs. Beyond ``MAX_NODES`` tasks the picture keeps the changed ones and their neighbours
and says how many it left out, so a 200-task pipeline stays readable and within Mermaid's size
limit.

Task names and conditions are user input: node and subgraph ids are generated (``t3``, ``g1``)
and every label is quoted with each character outside a small safe set written as Mermaid's
``#<code>;`` entity, so quotes, brackets, ``<``, backticks or ``end`` in a name cannot change
the picture's syntax or the comment's Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scripts.build.diff.graph import Graph
from scripts.build.diff.wiring import render

MAX_NODES = 60
MAX_LABEL_CHARS = 60
UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:/=+-]")
STYLES = (
    "classDef added fill:#dafbe1,stroke:#1a7f37,color:#000",
    "classDef changed fill:#fff8c5,stroke:#9a6700,color:#000",
    "classDef removed fill:#ffebe9,stroke:#cf222e,color:#000,stroke-dasharray:5 5",
    "classDef note fill:#f6f8fa,stroke:#8c959f,color:#000,stroke-dasharray:2 2",
)


def label(text: str) -> str:
    """A quoted Mermaid label that shows ``text`` as written and cannot break out."""
    if len(text) > MAX_LABEL_CHARS:
        text = text[: MAX_LABEL_CHARS - 1] + "…"
    return '"' + UNSAFE.sub(lambda m: f"#{ord(m.group())};", text) + '"'


@dataclass
class _Picture:
    ids: dict[str, str] = field(default_factory=dict)  # task path or "scope\0group" -> id
    lines: list[str] = field(default_factory=list)

    def id_for(self, key: str, prefix: str) -> str:
        if key not in self.ids:
            self.ids[key] = f"{prefix}{len(self.ids)}"
        return self.ids[key]


def _chosen(head: Graph, statuses: dict[str, str], removed: list[str], base) -> set[str]:
    """The task paths to draw: all of them up to MAX_NODES, else the changed ones first, then
    their neighbours, in path order."""
    everything = sorted(head.tasks) + removed
    if len(everything) <= MAX_NODES:
        return set(everything)
    chosen = [p for p in everything if statuses.get(p) or p in removed][:MAX_NODES]
    around = []
    for path in chosen:
        task = head.tasks.get(path) or base.tasks[path]
        around += [f"{task.scope}/{n}" if task.scope else n for n in sorted(task.upstream)]
        around += [t.path for t in head.tasks.values() if task.name in t.upstream]
    for path in around:
        if len(chosen) >= MAX_NODES:
            break
        if path in head.tasks and path not in chosen:
            chosen.append(path)
    return set(chosen)


def draw(
    head: Graph,
    statuses: dict[str, str],
    base: Graph | None = None,
    pairs: dict[str, str] | None = None,
    removed_edges: tuple[tuple[str, str], ...] = (),
) -> str:
    """The flowchart. ``statuses`` maps a head task path to added, changed or renamed (absent:
    unchanged); ``base`` and ``pairs`` (base path -> head path) add the removed tasks, and
    ``removed_edges`` (head paths) the base's edges between tasks both sides have, dashed."""
    pairs = pairs or {}
    removed = sorted(p for p in (base.tasks if base else {}) if p not in pairs)
    drawn = _chosen(head, statuses, removed, base)
    picture = _Picture()
    picture.lines.append("flowchart TD")
    _draw_scope(picture, head, "", None, drawn, statuses, "  ")
    for path in removed:
        if path in drawn:
            node = picture.id_for(f"removed\0{path}", "r")
            picture.lines.append(f"  {node}[{label(path)}]:::removed")
    _links(picture, head, drawn)
    if base is not None:
        _removed_links(picture, base, removed, drawn, pairs)
    for upstream, downstream in removed_edges:
        if upstream in picture.ids and downstream in picture.ids:
            picture.lines.append(f"  {picture.ids[upstream]} -.-> {picture.ids[downstream]}")
    left_out = len(head.tasks) + len(removed) - len(drawn)
    if left_out:
        changed = sum(1 for p in [*statuses, *removed] if p not in drawn)
        which = f", {changed} of them changed" if changed else " (all unchanged)"
        text = f"… {left_out} more tasks not drawn{which}"
        picture.lines.append(f"  more[{label(text)}]:::note")
    if not head.tasks and not removed:
        picture.lines.append(f"  empty[{label('no tasks')}]")
    picture.lines += [f"  {style}" for style in STYLES]
    return "\n".join(picture.lines) + "\n"


def _has_drawn(head: Graph, scope: str, group: str | None, drawn: set[str]) -> bool:
    for task in head.scope_tasks(scope):
        inside = group is None or _within(head, scope, task.group, group)
        if inside and (
            task.path in drawn or (task.nested and _has_drawn(head, task.path, None, drawn))
        ):
            return True
    return False


def _within(head: Graph, scope: str, key: str | None, group: str) -> bool:
    while key is not None:
        if key == group:
            return True
        key = head.groups[(scope, key)].parent
    return False


def _draw_scope(picture, head, scope, group, drawn, statuses, indent) -> None:
    """The tasks and groups directly inside ``group`` of ``scope``, recursively."""
    for (group_scope, key), inner in sorted(head.groups.items()):
        if group_scope == scope and inner.parent == group and _has_drawn(head, scope, key, drawn):
            node = picture.id_for(f"{scope}\0{key}", "g")
            picture.lines.append(f"{indent}subgraph {node}[{label(render(inner.label, str))}]")
            _draw_scope(picture, head, scope, key, drawn, statuses, indent + "  ")
            picture.lines.append(f"{indent}end")
    for task in head.scope_tasks(scope):
        if task.group != group:
            continue
        status = statuses.get(task.path)
        style = f":::{'changed' if status == 'renamed' else status}" if status else ""
        if task.nested and _has_drawn(head, task.path, None, drawn):
            node = picture.id_for(task.path, "t")
            picture.lines.append(f"{indent}subgraph {node}[{label('pipeline ' + task.name)}]")
            _draw_scope(picture, head, task.path, None, drawn, statuses, indent + "  ")
            picture.lines.append(f"{indent}end")
            if status:
                picture.lines.append(f"{indent}class {node} {style[3:]}")
        elif task.path in drawn:
            node = picture.id_for(task.path, "t")
            picture.lines.append(f"{indent}{node}[{label(task.name)}]{style}")


def _links(picture: _Picture, head: Graph, drawn: set[str]) -> None:
    seen = set()
    for scope, upstream, downstream in sorted(head.links):
        ends = [_end_id(picture, head, scope, key) for key in (upstream, downstream)]
        if None not in ends and tuple(ends) not in seen:
            seen.add(tuple(ends))
            picture.lines.append(f"  {ends[0]} --> {ends[1]}")


def _end_id(picture: _Picture, head: Graph, scope: str, key: str) -> str | None:
    """The id a link's end was drawn with (a task, a nested pipeline or a group), if drawn."""
    path = f"{scope}/{key}" if scope else key
    if path in picture.ids:
        return picture.ids[path]
    return picture.ids.get(f"{scope}\0{key}")


def _removed_links(picture, base: Graph, removed, drawn, pairs) -> None:
    """A removed task's base edges, dashed, to the head tasks it was connected with."""
    ids = {path: picture.ids[path] for path in pairs.values() if path in picture.ids}
    ids |= {path: picture.ids[f"removed\0{path}"] for path in removed if path in drawn}

    def drawn_id(path: str) -> str | None:
        return ids.get(pairs.get(path, path)) if path in pairs else ids.get(path)

    for task in sorted(base.tasks.values(), key=lambda t: t.path):
        for name in sorted(task.upstream):
            upstream = f"{task.scope}/{name}" if task.scope else name
            if task.path not in removed and upstream not in removed:
                continue
            ends = drawn_id(upstream), drawn_id(task.path)
            if None not in ends:
                picture.lines.append(f"  {ends[0]} -.-> {ends[1]}")
