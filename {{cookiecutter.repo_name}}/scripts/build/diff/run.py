# Do not edit: the template owns this file (make template-update brings its changes).
"""The review diff of chosen pipelines: compile both sides, compare, draw.

The caller resolves the commits and picks the pipelines (``scripts/cli/diff.py``: the merge
base of ``--base`` and the head, so only the change's own commits count, as in ``changed``).
The base is compiled in a temporary worktree (``worktree.py``); the head is the checkout as it
is on disk, or another worktree when a head commit is given. A pipeline that does not compile
on one side is reported as such; the others are still compared.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from scripts.build.compile import compile_pipelines, worker_count
from scripts.build.diff.compare import compare_graphs
from scripts.build.diff.document import summary_parts
from scripts.build.diff.graph import read_graph
from scripts.build.diff.mermaid import draw
from scripts.build.diff.model import (
    ADDED,
    CHANGED,
    DELETED,
    FAILED,
    UNCHANGED,
    PipelineDiff,
)
from scripts.build.diff.report import DiffReport
from scripts.build.diff.worktree import fresh_imports, worktree_at
from scripts.build.index import CompileIndex
from scripts.build.specs import local_spec
from scripts.core.report import inline_text
from scripts.repo.model import Pipeline, Repo


def _finished(pipeline: PipelineDiff) -> PipelineDiff:
    """The pipeline diff with its summary line filled in."""
    from dataclasses import replace

    return replace(pipeline, summary=inline_text(summary_parts(pipeline)))


def diff_specs(selector: str, path: str, base_spec: Any, head_spec: Any) -> PipelineDiff:
    """Compare two compiled specs (as ``local_spec`` loads them); ``base_spec`` None: a new
    pipeline, ``head_spec`` None: a deleted one."""
    if head_spec is None:
        return _finished(PipelineDiff(selector, path, DELETED))
    head = read_graph(head_spec)
    if base_spec is None:
        statuses = dict.fromkeys(head.tasks, "added")
        picture = draw(head, statuses)
        pipeline = PipelineDiff(selector, path, ADDED, task_count=len(head.tasks), picture=picture)
        return _finished(pipeline)
    base = read_graph(base_spec)
    result = compare_graphs(base, head)
    statuses = {item.name: item.status for item in result.tasks if item.status != "removed"}
    for change in result.components:
        for task in change.tasks:
            statuses.setdefault(task, "changed")
    pipeline = PipelineDiff(
        selector,
        path,
        CHANGED,
        inputs=result.inputs,
        tasks=result.tasks,
        components=result.components,
        edges_added=result.edges_added,
        edges_removed=result.edges_removed,
        task_count=len(head.tasks),
        picture=draw(head, statuses, base, result.pairs, result.edges_removed),
    )
    if pipeline.empty:
        pipeline = PipelineDiff(selector, path, UNCHANGED, task_count=len(head.tasks))
    return _finished(pipeline)


@contextlib.contextmanager
def _head_root(repo: Repo, head: str | None) -> Iterator[Path]:
    if head is None:
        yield repo.root
    else:
        with worktree_at(repo.root, head) as path:
            yield path


def _compile(root: Path, pipelines: list[Pipeline], out: Path, roots, jobs) -> CompileIndex:
    with fresh_imports(*roots):
        return compile_pipelines(root, pipelines, out, jobs=worker_count(jobs, len(pipelines)))


def _specs(index: CompileIndex, out: Path) -> dict[str, Any]:
    """selector -> the compiled spec, or the failure's message (a str)."""
    found: dict[str, Any] = {p.selector: local_spec(out / p.output) for p in index.compiled}
    for failed in index.failed:
        found[failed.selector] = failed.message
    return found


def diff_pipelines(
    repo: Repo,
    *,
    base: str,
    pipelines: Sequence[Pipeline],
    head: str | None = None,
    deleted: Sequence[Pipeline] = (),
    base_ref: str = "",
    jobs: int | None = 1,
) -> DiffReport:
    """Diff ``pipelines`` between commit ``base`` and commit ``head`` (None: the working tree);
    ``deleted`` are reported as such. ``base_ref`` is what the user named the base."""
    root = repo.root
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="kfp-diff-out-") as scratch,
        worktree_at(root, base) as base_root,
        _head_root(repo, head) as head_root,
    ):
        timings["worktree"] = time.perf_counter() - started
        at_base = {p.path for p in Repo(base_root).pipelines()}
        roots = (base_root, head_root)
        out = Path(scratch)
        clock = time.perf_counter()
        before = [p for p in pipelines if p.path in at_base]
        base_specs = _specs(_compile(base_root, before, out / "base", roots, jobs), out / "base")
        timings["compile_base"] = time.perf_counter() - clock
        clock = time.perf_counter()
        head_index = _compile(head_root, pipelines, out / "head", roots, jobs)
        head_specs = _specs(head_index, out / "head")
        timings["compile_head"] = time.perf_counter() - clock
        clock = time.perf_counter()
    timings["worktree"] += time.perf_counter() - clock  # and removing it
    clock = time.perf_counter()
    results = [_one(p, base_specs, head_specs) for p in pipelines]
    results += [diff_specs(p.selector, p.path, None, None) for p in deleted]
    timings["compare"] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    ordered = tuple(sorted(results, key=lambda p: (p.path, p.selector)))
    return DiffReport(base, head, base_ref or base, ordered, timings=timings)


def _one(pipeline: Pipeline, base_specs: dict, head_specs: dict) -> PipelineDiff:
    selector, path = pipeline.selector, pipeline.path
    head_spec = head_specs.get(selector)
    base_spec = base_specs.get(selector)
    for side, spec in (("head", head_spec), ("base", base_spec)):
        if isinstance(spec, str):
            message = f"does not compile at the {side}: {spec}"
            return _finished(PipelineDiff(selector, path, FAILED, message=message))
    return diff_specs(selector, path, base_spec, head_spec)
