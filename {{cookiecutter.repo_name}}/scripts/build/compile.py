# Do not edit: the template owns this file (make template-update brings its changes).
"""Compile pipelines to KFP IR YAML and record what was built in ``compile.json``.

Output layout (``--out build`` by default)::

    build/pipelines/<project>/<pipeline>.yaml   one spec per pipeline
    build/compile.json                          the index publish reads

Why it looks like this:

- kfp is imported once per process and every pipeline is compiled in that process; running the
  ``kfp dsl compile`` CLI per pipeline pays the ~0.6 s import each time (the template's
  compile benchmark measures it).
- The KFP record name ``<project>-<pipeline>`` and display name ``<project>/<pipeline>`` are set
  at compile time (``pipeline_name`` / ``pipeline_display_name``), so the author's
  ``@dsl.pipeline(name=...)`` cannot make two pipelines collide on the server; a name (or
  display name) written there that differs is reported as a warning at the decorator's line.
- Python warnings raised while a pipeline loads or compiles are recorded, not printed (see
  ``discovery.routed_warnings``): each outcome carries its ``warnings`` for the command to show.
- Each pipeline is independent: one that fails to import or compile becomes a Problem with its
  file and line; the others still compile and the command exits 1 at the end.
- Output is byte-for-byte reproducible: the compiler is deterministic for a pinned SDK, files are
  written whole (temporary file, then rename) and ``compile.json`` has sorted keys, repo-relative
  paths and no timestamps.
- ``sha256`` in ``compile.json`` ignores the ``sdkVersion:`` line so a pure SDK bump that changes
  nothing else keeps the digest (the same normalisation publish uses to compare specs).

What ``compile.json`` holds, and how it is read back, is ``scripts/build/index.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from scripts.build.index import CompiledPipeline, CompileIndex, FailedPipeline
from scripts.build.reproducible import stable_header
from scripts.core.errors import Problem
from scripts.core.fileio import replacing
from scripts.core.naming import KFP_PIPELINE_NAME
from scripts.repo.model import Pipeline

if TYPE_CHECKING:  # discovery imports kfp's machinery lazily; only its type is needed here
    from scripts.build.discovery import DiscoveredPipeline

SDK_VERSION_LINE = re.compile(rb"^sdkVersion:[^\n]*\n?", re.MULTILINE)


def spec_digest(spec: bytes) -> str:
    """sha256 of a compiled spec with its ``sdkVersion:`` line removed."""
    return hashlib.sha256(SDK_VERSION_LINE.sub(b"", spec)).hexdigest()


def output_relpath(pipeline: Pipeline) -> str:
    return f"pipelines/{pipeline.project}/{pipeline.name}.yaml"


def compile_one(root: Path, out_dir: Path, pipeline: Pipeline) -> CompiledPipeline | FailedPipeline:
    """Discover and compile one pipeline; every expected failure becomes a FailedPipeline. The
    warnings found meanwhile come back in its ``warnings``: the Python warnings that loading and
    compiling raised (never printed as Python prints them), and an overridden name."""
    from scripts.build.discovery import routed_warnings

    notes: list[Problem] = []
    with routed_warnings(root, pipeline) as recorded:
        outcome = _compile(root, out_dir, pipeline, notes)
    return dataclasses.replace(outcome, warnings=(*notes, *recorded))


def _compile(
    root: Path, out_dir: Path, pipeline: Pipeline, notes: list[Problem]
) -> CompiledPipeline | FailedPipeline:
    from kfp import compiler

    from scripts.build.discovery import (
        DiscoveryError,
        describe_exception,
        discover,
        failure_location,
    )

    if not KFP_PIPELINE_NAME.match(pipeline.kfp_name):
        return FailedPipeline(
            pipeline.selector,
            pipeline.path,
            None,
            f"KFP pipeline name {pipeline.kfp_name!r} is invalid (KFP accepts lowercase letters, "
            "digits and '-', at most 128) — rename the module or project folder",
        )
    try:
        found = discover(root, pipeline)
    except DiscoveryError as error:
        return FailedPipeline(pipeline.selector, pipeline.path, error.line, error.message)
    notes += overridden_names(root, found, pipeline)
    relative = output_relpath(pipeline)
    # The compiler writes the file itself and picks the format from the suffix: compile to a
    # private temporary .yaml next to the target, renamed over the target once it is whole.
    try:
        with replacing(out_dir / relative, suffix=".yaml") as temporary:
            compiler.Compiler().compile(
                found.function,
                str(temporary),
                pipeline_name=pipeline.kfp_name,
                pipeline_display_name=pipeline.display_name,
            )
            data = stable_header(temporary.read_bytes())
            temporary.write_bytes(data)
    except Exception as error:
        line, elsewhere = failure_location(root, root / pipeline.path, error)
        where = f" (raised at {elsewhere})" if elsewhere else ""
        return FailedPipeline(
            pipeline.selector,
            pipeline.path,
            line or found.line,
            f"cannot compile {found.function.name!r}: {describe_exception(error)}{where}",
        )
    return CompiledPipeline(
        selector=pipeline.selector,
        project=pipeline.project,
        pipeline=pipeline.name,
        name=pipeline.kfp_name,
        display_name=pipeline.display_name,
        source=pipeline.path,
        output=relative,
        sha256=spec_digest(data),
    )


def overridden_names(root: Path, found: DiscoveredPipeline, pipeline: Pipeline) -> list[Problem]:
    """A warning for an explicit ``@dsl.pipeline(name=..., display_name=...)`` that compile
    replaces with the repo's names (KFP name ``<project>-<pipeline>``, display name
    ``<project>/<pipeline>``), at the keyword's line; none when the decorator already says the
    same (a computed value is compared as kfp made it)."""
    from scripts.build.discovery import decorator_keywords

    function = found.function
    written = decorator_keywords(function, ("name", "display_name"))
    ours = {"name": pipeline.kfp_name, "display_name": pipeline.display_name}
    made = {
        "name": function.component_spec.name,
        "display_name": function.pipeline_spec.pipeline_info.display_name,
    }
    given = {}
    for key, (line, value) in written.items():
        value = made[key] if value is None else value
        if value != ours[key]:
            given[key] = (line, value)
    if not given:
        return []
    line = min(line for line, _ in given.values())
    source = Path(function.pipeline_func.__code__.co_filename).resolve()
    root = Path(root).resolve()
    where = source.relative_to(root).as_posix() if source.is_relative_to(root) else pipeline.path
    shown = ", ".join(f"{key}={value!r}" for key, (_, value) in given.items())
    keywords = " and ".join(f"{key}=" for key in given)
    return [
        Problem(
            where,
            line,
            f"@dsl.pipeline({shown}) is overridden: this repo names a pipeline after its path, "
            f"here {pipeline.kfp_name!r} (display name {pipeline.display_name!r}) on KFP — "
            f"remove {keywords} from the decorator (rename the module to rename the pipeline)",
            "warning",
        )
    ]


# State for worker processes (set before the pool forks, inherited by the children).
_WORKER: dict[str, Path] = {}


def _init_worker(root: Path, out_dir: Path) -> None:
    _WORKER.update(root=root, out=out_dir)


def _compile_in_worker(pipeline: Pipeline) -> CompiledPipeline | FailedPipeline:
    return compile_one(_WORKER["root"], _WORKER["out"], pipeline)


def _compile_in_processes(
    root: Path, out_dir: Path, pipelines: list[Pipeline], jobs: int
) -> Iterator[CompiledPipeline | FailedPipeline]:
    """Compile in ``jobs`` forked processes that inherit the already imported kfp.

    fork shares the parent's imports for free, so a worker does not pay ``import kfp`` again
    (spawn or forkserver would, and would re-import the caller's main module too).
    """
    import multiprocessing

    import kfp.compiler  # noqa: F401  (imported before forking, so the children inherit it)

    _init_worker(root, out_dir)
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(pipelines) // (jobs * 4))
    with context.Pool(jobs, initializer=_init_worker, initargs=(root, out_dir)) as pool:
        yield from pool.imap(_compile_in_worker, pipelines, chunksize=chunk)


# A forked worker imports the pipelines' shared modules again and costs about as much as
# compiling a dozen pipelines, so a worker pays off only with this many pipelines to compile
# (the template's compile benchmark on the test corpus, 2 cores: 2 workers break even at about 17
# pipelines and are 1.4-1.5x faster at 130; more workers than cores only add switching).
PIPELINES_PER_WORKER = 16


def available_cores() -> int:
    """The CPU cores this process may run on (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def worker_count(requested: int | None, pipelines: int) -> int:
    """How many processes compile ``pipelines``: as asked (default: one per core), never more
    than the cores, and never so many that a worker gets fewer than PIPELINES_PER_WORKER."""
    cores = available_cores()
    wanted = cores if requested is None else requested
    return max(1, min(wanted, cores, pipelines // PIPELINES_PER_WORKER))


def can_fork_safely() -> bool:
    """fork copies only the calling thread: with other threads running (a test server, a
    thread pool) a child could inherit a lock held forever. The CLI has none when it compiles."""
    import multiprocessing

    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def compile_pipelines(
    root: Path, pipelines: Iterable[Pipeline], out_dir: Path, *, jobs: int = 1
) -> CompileIndex:
    """Compile ``pipelines`` into ``out_dir``; results in path order whatever ``jobs`` is.

    ``jobs > 1`` forks worker processes; where forking is not safe (other threads running) it
    compiles in this process instead, which gives the same bytes, only slower.
    """
    from scripts.build.discovery import forget_modules

    root = Path(root).resolve()
    out_dir = Path(out_dir).resolve()
    forget_modules(root)  # this run compiles what is on disk now
    ordered = sorted(set(pipelines))
    result = CompileIndex(kfp_version=_kfp_version())
    if jobs > 1 and len(ordered) > 1 and can_fork_safely():
        outcomes: Iterable[CompiledPipeline | FailedPipeline] = _compile_in_processes(
            root, out_dir, ordered, min(jobs, len(ordered))
        )
    else:
        outcomes = (compile_one(root, out_dir, pipeline) for pipeline in ordered)
    for outcome in outcomes:
        if isinstance(outcome, CompiledPipeline):
            result.compiled.append(outcome)
        else:
            result.failed.append(outcome)
    return result


def _kfp_version() -> str:
    from kfp import __version__

    return __version__
