"""Compile pipelines to KFP IR YAML and record what was built in ``compile.json``.

Output layout (``--out build`` by default)::

    build/pipelines/<project>/<pipeline>.yaml   one spec per pipeline
    build/compile.json                          the index publish reads

Why it looks like this:

- kfp is imported once per process and every pipeline is compiled in that process; running the
  ``kfp dsl compile`` CLI per pipeline pays the ~0.6 s import each time (see
  ``benchmarks/compile_publish.py``).
- The KFP record name ``<project>-<pipeline>`` and display name ``<project>/<pipeline>`` are set
  at compile time (``pipeline_name`` / ``pipeline_display_name``), so the author's
  ``@dsl.pipeline(name=...)`` cannot make two pipelines collide on the server.
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

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from scripts.build.index import CompiledPipeline, CompileIndex, FailedPipeline
from scripts.build.reproducible import stable_header
from scripts.core.fileio import replacing
from scripts.core.naming import KFP_PIPELINE_NAME
from scripts.repo.model import Pipeline

SDK_VERSION_LINE = re.compile(rb"^sdkVersion:[^\n]*\n?", re.MULTILINE)


def spec_digest(spec: bytes) -> str:
    """sha256 of a compiled spec with its ``sdkVersion:`` line removed."""
    return hashlib.sha256(SDK_VERSION_LINE.sub(b"", spec)).hexdigest()


def output_relpath(pipeline: Pipeline) -> str:
    return f"pipelines/{pipeline.project}/{pipeline.name}.yaml"


def compile_one(root: Path, out_dir: Path, pipeline: Pipeline) -> CompiledPipeline | FailedPipeline:
    """Discover and compile one pipeline; every expected failure becomes a FailedPipeline."""
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
# compiling several pipelines, so a worker pays off only with this many pipelines to compile
# (measured on the test corpus with benchmarks/compile_publish.py; more workers than cores
# only adds switching: on 2 cores 4 workers were slower than 1).
PIPELINES_PER_WORKER = 8


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
