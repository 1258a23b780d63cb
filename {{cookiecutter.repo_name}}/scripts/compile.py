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

``compile.json`` schema (version 1)::

    {"schema": 1,
     "kfp_version": "2.17.0",
     "pipelines": [{"selector": "p/train_model", "project": "p", "pipeline": "train_model",
                    "name": "p-train-model", "display_name": "p/train_model",
                    "source": "pipelines/p/train_model.py",
                    "output": "pipelines/p/train_model.yaml",   # relative to compile.json
                    "sha256": "<hex>"}],
     "failed": [{"selector": "p/broken", "source": "pipelines/p/broken.py", "line": 3,
                 "message": "..."}],
     "projects": ["p"]}

``pipelines`` and ``failed`` are sorted by source path. ``projects`` (sorted) are the projects
publish syncs experiments for: those of the selected pipelines, every project with ``--all``,
and with ``--changed`` also those whose manifests changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scripts.errors import Problem
from scripts.fileio import replacing, write_atomically
from scripts.repo import Pipeline

COMPILE_INDEX = "compile.json"
SCHEMA_VERSION = 1
# The server checks every uploaded spec's pipelineInfo.name against this (reference §3); the
# compiler does not check a name passed as pipeline_name=, so we do.
SPEC_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
SDK_VERSION_LINE = re.compile(rb"^sdkVersion:[^\n]*\n?", re.MULTILINE)


@dataclass(frozen=True)
class CompiledPipeline:
    selector: str
    project: str
    pipeline: str
    name: str
    display_name: str
    source: str
    output: str  # relative to the folder holding compile.json
    sha256: str


@dataclass(frozen=True)
class FailedPipeline:
    selector: str
    source: str
    line: int | None
    message: str

    def problem(self) -> Problem:
        return Problem(self.source, self.line, self.message)


@dataclass
class CompileResult:
    compiled: list[CompiledPipeline] = field(default_factory=list)
    failed: list[FailedPipeline] = field(default_factory=list)
    # Projects whose KFP side (experiments, Polyaxon) publish should sync: those of the
    # selected pipelines plus, with --changed, those whose manifests changed.
    projects: set[str] = field(default_factory=set)

    @property
    def problems(self) -> list[Problem]:
        return [failure.problem() for failure in self.failed]


def spec_digest(spec: bytes) -> str:
    """sha256 of a compiled spec with its ``sdkVersion:`` line removed."""
    return hashlib.sha256(SDK_VERSION_LINE.sub(b"", spec)).hexdigest()


def output_relpath(pipeline: Pipeline) -> str:
    return f"pipelines/{pipeline.project}/{pipeline.name}.yaml"


def compile_one(root: Path, out_dir: Path, pipeline: Pipeline) -> CompiledPipeline | FailedPipeline:
    """Discover and compile one pipeline; every expected failure becomes a FailedPipeline."""
    from kfp import compiler

    from scripts.discovery import DiscoveryError, describe_exception, discover

    if not SPEC_NAME.match(pipeline.kfp_name):
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
            data = temporary.read_bytes()
    except Exception as error:
        return FailedPipeline(
            pipeline.selector,
            pipeline.path,
            found.line,
            f"cannot compile {found.function.name!r}: {describe_exception(error)}",
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


def can_fork_safely() -> bool:
    """fork copies only the calling thread: with other threads running (a test server, a
    thread pool) a child could inherit a lock held forever. The CLI has none when it compiles."""
    import multiprocessing

    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def compile_pipelines(
    root: Path, pipelines: Iterable[Pipeline], out_dir: Path, *, jobs: int = 1
) -> CompileResult:
    """Compile ``pipelines`` into ``out_dir``; results in path order whatever ``jobs`` is.

    ``jobs > 1`` forks worker processes; where forking is not safe (other threads running) it
    compiles in this process instead, which gives the same bytes, only slower.
    """
    from scripts.discovery import forget_modules

    root = Path(root).resolve()
    out_dir = Path(out_dir).resolve()
    forget_modules(root)  # this run compiles what is on disk now
    ordered = sorted(set(pipelines))
    result = CompileResult()
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


def index_document(result: CompileResult) -> dict:
    from kfp import __version__ as kfp_version

    return {
        "schema": SCHEMA_VERSION,
        "kfp_version": kfp_version,
        "pipelines": [asdict(item) for item in sorted(result.compiled, key=lambda c: c.source)],
        "failed": [asdict(item) for item in sorted(result.failed, key=lambda f: f.source)],
        "projects": sorted(
            result.projects
            | {item.project for item in result.compiled}
            | {item.selector.partition("/")[0] for item in result.failed}
        ),
    }


def write_index(out_dir: Path, result: CompileResult) -> Path:
    path = Path(out_dir) / COMPILE_INDEX
    text = json.dumps(index_document(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomically(path, text)
    return path


def read_index(out_dir: Path) -> dict:
    """``compile.json`` as written by ``write_index``; a missing or foreign file is a ConfigError
    that says to run compile first."""
    from scripts.errors import ConfigError

    path = Path(out_dir) / COMPILE_INDEX
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no compile output — run `python -m scripts compile` first "
            "(or pass --build DIR)"
        ) from None
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: unreadable ({error}) — rerun compile") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_VERSION:
        raise ConfigError(f"{path}: not a compile.json of schema {SCHEMA_VERSION} — rerun compile")
    return document
