# Do not edit: the template owns this file (make template-update brings its changes).
"""Which base task is which head task: by name, then by component.

The compiler names a task after its component and numbers repeats (``say``, ``say-2``), so
adding one ``say`` before another renames the later ones. Matching in rounds keeps that from
reading as "every task changed":

1. same name and same content (settings, with producers' names left out);
2. same component and same content under another name: a rename (``say`` -> ``say-2``);
3. same name: the same task, changed;
4. same component: renamed and changed.

What is left is removed (base) or added (head). Nested pipelines are matched level by level:
the tasks of a matched nested pipeline are matched among themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from scripts.build.diff.fields import comparable
from scripts.build.diff.graph import Graph, Task
from scripts.build.diff.wiring import render


def content_key(task: Task) -> str:
    """A task's settings as text, with every producer's name left out (they are matched too,
    so they cannot decide the match)."""
    shown = render(task.fields, lambda _name: "?")
    normalised = {name: comparable(name, value) for name, value in shown.items()}
    return json.dumps(normalised, sort_keys=True, default=str)


def match_tasks(base: Graph, head: Graph) -> dict[str, str]:
    """Base task path -> head task path, for every task found on both sides."""
    pairs: dict[str, str] = {}
    _match_scope(base, head, "", "", pairs)
    return pairs


def _match_scope(base: Graph, head: Graph, old_scope: str, new_scope: str, pairs) -> None:
    old = {task.name: task for task in base.scope_tasks(old_scope)}
    new = {task.name: task for task in head.scope_tasks(new_scope)}
    old_keys = {task.path: content_key(task) for task in old.values()}
    new_keys = {task.path: content_key(task) for task in new.values()}
    rounds: list[Callable[[Task, Task], bool]] = [
        lambda a, b: a.name == b.name and old_keys[a.path] == new_keys[b.path],
        lambda a, b: a.component == b.component and old_keys[a.path] == new_keys[b.path],
        lambda a, b: a.name == b.name,
        lambda a, b: a.component == b.component,
    ]
    for same in rounds:
        for old_name in sorted(old):
            partner = next((n for n in sorted(new) if same(old[old_name], new[n])), None)
            if partner is None:
                continue
            before, after = old.pop(old_name), new.pop(partner)
            pairs[before.path] = after.path
            if before.nested and after.nested:
                _match_scope(base, head, before.path, after.path, pairs)
