# Do not edit: the template owns this file (make template-update brings its changes).
"""Run a pipeline on this machine with ``kfp.local``, and report what each task produced.

How (and why this way):
- ``kfp.local.SubprocessRunner(use_venv=False)``: each task runs as a subprocess of this
  project's own Python, so a local run needs no Docker, no cluster and no downloads; the
  packages components use must therefore be in pyproject.toml (see the components package's
  ``images.py``). Container components cannot run this way; kfp.local says so.
- Outputs go under ``build/local/<project>-<pipeline>-<timestamp>/<task>/`` (kfp.local's layout,
  named with the KFP pipeline name), with the whole log next to them in ``run.log``.
- kfp.local prints everything (each task's full log) to ``sys.stdout``. We capture that stream:
  it is shown on stderr, condensed to a line per task unless ``verbose``, and kept whole, so
  that when a task fails the user gets the task's own error (the last line of its traceback) as
  the one-line error, not kfp.local's generic "Inner task failed".
- What each task produced is read back from the ``executor_output.json`` files kfp.local
  writes; Metrics artifacts are recognised by their type in the compiled spec.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from scripts.core.errors import CheckFailed
from scripts.core.report import count_phrase
from scripts.repo.model import Pipeline, Repo

LOCAL_ROOT = Path("build") / "local"
RUN_LOG = "run.log"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TASK_STARTED = re.compile(r"Executing task '([^']+)'")
_TASK_FINISHED = re.compile(r"Task '([^']+)' finished with status (\w+)")
STATUS_WORDS = {"SUCCESS": "ok", "FAILURE": "FAILED"}


class TaskFailed(CheckFailed):
    """A task of a local run failed; the message is the task's own error."""


@dataclass
class TaskResult:
    """One task of a run: its status and what it wrote (parameters and artifacts)."""

    name: str
    status: str  # "SUCCESS" or "FAILURE" (kfp.local's words)
    seconds: float | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {uri, metadata}
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)  # Metrics artifacts only
    error: str | None = None


@dataclass
class LocalRun:
    """The result of ``run_local``: where its files are and what every task did."""

    pipeline: Pipeline
    arguments: dict[str, Any]
    run_dir: Path | None
    log_path: Path | None
    seconds: float
    tasks: list[TaskResult]

    @property
    def failed(self) -> list[TaskResult]:
        return [task for task in self.tasks if task.status != "SUCCESS"]

    def to_json(self, root: Path) -> dict[str, Any]:
        def relative(path: Path | None) -> str | None:
            if path is None:
                return None
            with contextlib.suppress(ValueError):
                return path.relative_to(root).as_posix()
            return str(path)

        return {
            "pipeline": self.pipeline.selector,
            "status": "failed" if self.failed else "succeeded",
            "arguments": self.arguments,
            "run_dir": relative(self.run_dir),
            "log": relative(self.log_path),
            "tasks": [
                {
                    "name": task.name,
                    "status": task.status.lower(),
                    "parameters": task.parameters,
                    "artifacts": task.artifacts,
                    "metrics": task.metrics,
                    "error": task.error,
                }
                for task in self.tasks
            ],
        }


class _LogCapture(io.TextIOBase):
    """A text stream kfp.local writes to: keeps every line and passes each one on."""

    def __init__(self, on_line: Callable[[str], None]):
        self.lines: list[str] = []
        self._partial = ""
        self._on_line = on_line

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self.lines.append(line)
            self._on_line(line)
        return len(text)

    def flush(self) -> None:
        """Lines are handled as they complete; a partial last line waits for ``close_log``."""

    def close_log(self) -> None:
        if self._partial:
            self.write("\n")


class _Progress:
    """One line per task on ``stream`` (``verbose``: kfp.local's whole log instead)."""

    def __init__(self, stream: TextIO, verbose: bool):
        self.stream = stream
        self.verbose = verbose
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def __call__(self, line: str) -> None:
        plain = _ANSI.sub("", line)
        if self.verbose:
            print(line, file=self.stream, flush=True)
        if match := _TASK_STARTED.search(plain):
            self.started[match[1]] = time.monotonic()
        elif match := _TASK_FINISHED.search(plain):
            name, status = match[1], match[2]
            self.seconds[name] = time.monotonic() - self.started.get(name, time.monotonic())
            if not self.verbose:
                word = STATUS_WORDS.get(status, status)
                print(
                    f"  {name}: {word} ({self.seconds[name]:.1f} s)", file=self.stream, flush=True
                )


def local_root(repo: Repo) -> Path:
    return repo.root / LOCAL_ROOT


def spec_document(function: Any) -> dict[str, Any]:
    """The compiled spec of a ``@dsl.pipeline`` function as a dict (camelCase, like the YAML)."""
    from google.protobuf import json_format

    return json_format.MessageToDict(function.pipeline_spec)


def metrics_outputs(spec: Mapping[str, Any]) -> dict[str, set[str]]:
    """Task name -> names of its outputs that are Metrics-like artifacts (``system.Metrics``,
    classification metrics ...), from the compiled spec: the root DAG's tasks and those of
    nested DAGs (exit handlers, conditions, loops)."""
    components = spec.get("components", {})
    found: dict[str, set[str]] = {}
    dags = [spec.get("root", {}), *components.values()]
    tasks = [item for dag in dags for item in dag.get("dag", {}).get("tasks", {}).items()]
    for task_name, task in tasks:
        component = components.get(task.get("componentRef", {}).get("name", ""), {})
        artifacts = component.get("outputDefinitions", {}).get("artifacts", {})
        names = {
            name
            for name, definition in artifacts.items()
            if definition.get("artifactType", {}).get("schemaTitle", "").endswith("Metrics")
        }
        if names:
            found[task_name] = names
    return found


def task_error(lines: list[str], task: str) -> str | None:
    """The failed task's own error: the last line of the last traceback in its log section."""
    plain = [_ANSI.sub("", line) for line in lines]
    start = None
    for index, line in enumerate(plain):
        match = _TASK_STARTED.search(line)
        if match and match[1] == task:
            start = index
    if start is None:
        return None
    section = []
    for line in plain[start + 1 :]:
        if _TASK_FINISHED.search(line):
            break
        section.append(line)
    tracebacks = [i for i, line in enumerate(section) if line.strip().startswith("Traceback (")]
    if not tracebacks:
        text = [line.strip() for line in section if line.strip()]
        return text[-1] if text else None
    first = section[tracebacks[-1]]
    indent = len(first) - len(first.lstrip())
    for line in section[tracebacks[-1] + 1 :]:
        stripped = line.strip()
        if stripped and len(line) - len(line.lstrip()) == indent:
            return stripped
    return None


def read_task_results(
    run_dir: Path | None, order: list[str], statuses: Mapping[str, str], spec: Mapping[str, Any]
) -> list[TaskResult]:
    """Each task's status and outputs, in the order the tasks ran."""
    metric_names = metrics_outputs(spec)
    results = []
    for name in order:
        result = TaskResult(name=name, status=statuses.get(name, "FAILURE"))
        output_file = run_dir / name / "executor_output.json" if run_dir else None
        if output_file is not None and output_file.is_file():
            document = json.loads(output_file.read_text("utf-8"))
            result.parameters = dict(document.get("parameterValues") or {})
            for artifact_name, entry in (document.get("artifacts") or {}).items():
                for artifact in entry.get("artifacts") or []:
                    record = {
                        "uri": artifact.get("uri", ""),
                        "metadata": artifact.get("metadata") or {},
                    }
                    result.artifacts[artifact_name] = record
                    if artifact_name in metric_names.get(name, set()):
                        result.metrics[artifact_name] = record["metadata"]
        results.append(result)
    return results


def run_local(
    repo: Repo,
    pipeline: Pipeline,
    function: Any,
    arguments: Mapping[str, Any],
    *,
    progress: TextIO | None = None,
    verbose: bool = False,
) -> LocalRun:
    """Run ``function`` (the pipeline's ``@dsl.pipeline``) with ``arguments`` under kfp.local.

    Returns the run even when a task failed (``LocalRun.failed``); the caller decides how to
    report it. Raises CheckFailed only when kfp.local cannot run the pipeline at all.
    """
    from kfp import local

    # kfp.local names the run folder after pipelineInfo.name, which is the function's name until
    # compile sets the KFP name; set it here too, so that build/local/ says which project's
    # train_model ran and local folders match the names on KFP.
    function.pipeline_spec.pipeline_info.name = pipeline.kfp_name
    spec = spec_document(function)
    root = local_root(repo)
    root.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in root.iterdir()}
    display = _Progress(progress or sys.stderr, verbose)
    capture = _LogCapture(display)
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(root),
        raise_on_error=False,
    )
    started = time.monotonic()
    failure = _call_pipeline(function, arguments, capture)
    seconds = time.monotonic() - started
    run_dir = _new_run_dir(root, before)
    log_path = _write_run_log(run_dir, capture.lines)
    if failure is not None:
        where = f" (log: {repo.relative(log_path)})" if log_path else ""
        raise CheckFailed(
            f"kfp.local cannot run this pipeline: {failure}{where}", path=pipeline.path
        )
    order, statuses = _task_statuses(capture.lines)
    tasks = read_task_results(run_dir, order, statuses, spec)
    _add_times_and_errors(tasks, display.seconds, capture.lines)
    return LocalRun(pipeline, dict(arguments), run_dir, log_path, seconds, tasks)


def _call_pipeline(function: Any, arguments: Mapping[str, Any], capture: _LogCapture) -> str | None:
    """Run the pipeline with kfp.local's output captured; the reason when kfp.local refused it
    (e.g. a container component), None when it ran (a failed task is not a refusal)."""
    from scripts.build.discovery import describe_exception

    failure: str | None = None
    # Tasks run from their own source (KFP ships each component's function, not the repo), so
    # nothing but the arguments crosses into the subprocesses.
    with contextlib.redirect_stdout(capture):
        try:
            function(**arguments)
        except Exception as error:  # kfp.local refused the pipeline (e.g. a container component)
            failure = describe_exception(error)
    capture.close_log()
    return failure


def _new_run_dir(root: Path, before: set[str]) -> Path | None:
    """The newest folder that was not in ``root`` before: kfp.local does not say where it wrote."""
    created = sorted(path for path in root.iterdir() if path.name not in before and path.is_dir())
    return created[-1] if created else None


def _write_run_log(run_dir: Path | None, lines: list[str]) -> Path | None:
    """Keep the whole captured log, colours stripped, next to the run's outputs so the full
    story survives the condensed progress lines; None when there is no run folder."""
    if run_dir is None:
        return None
    log_path = run_dir / RUN_LOG
    text = "\n".join(_ANSI.sub("", line) for line in lines) + "\n"
    log_path.write_text(text, encoding="utf-8")
    return log_path


def _task_statuses(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """The tasks in the order they started and each finished task's status, read from the
    log because kfp.local reports them nowhere else."""
    order: list[str] = []
    statuses: dict[str, str] = {}
    for line in lines:
        plain = _ANSI.sub("", line)
        if match := _TASK_STARTED.search(plain):
            order.append(match[1])
        elif match := _TASK_FINISHED.search(plain):
            statuses[match[1]] = match[2]
    return order, statuses


def _add_times_and_errors(
    tasks: list[TaskResult], seconds: Mapping[str, float], lines: list[str]
) -> None:
    """Fill in each task's duration and, for a failed task, its own error from the log, so the
    report names the real cause rather than kfp.local's generic failure."""
    for task in tasks:
        task.seconds = seconds.get(task.name)
        if task.status != "SUCCESS":
            task.error = task_error(lines, task.name) or "failed (see the log)"


def failure_error(repo: Repo, run: LocalRun) -> TaskFailed:
    """The one-line error for a run with a failed task: the innermost task's own message."""
    task = run.failed[-1]
    log = f" — full log: {repo.relative(run.log_path)}" if run.log_path else ""
    return TaskFailed(f"task {task.name!r} failed: {task.error}{log}", path=run.pipeline.path)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return json.dumps(value) if not isinstance(value, str) else value


def _shorter_path(uri: str, *folders: Path | None) -> str:
    """``uri`` relative to the first of ``folders`` that holds it (the run folder, then the
    repo), as the report prints the run folder once at the top."""
    for folder in folders:
        if folder is not None:
            with contextlib.suppress(ValueError):
                return Path(uri).relative_to(folder).as_posix()
    return uri


def text_report(repo: Repo, run: LocalRun) -> str:
    """What the run produced: per task its outputs, then every metric."""
    lines = []
    status = "failed" if run.failed else "succeeded"
    tasks = count_phrase(len(run.tasks), "task")
    lines.append(f"{run.pipeline.selector}: {status} in {run.seconds:.1f} s ({tasks})")
    if run.run_dir is not None:
        lines.append(f"outputs: {repo.relative(run.run_dir)}/")
    for task in run.tasks:
        lines.append(f"  {task.name}: {STATUS_WORDS.get(task.status, task.status)}")
        for name, value in task.parameters.items():
            lines.append(f"    {name} = {_format_value(value)}")
        for name, artifact in task.artifacts.items():
            if name in task.metrics:
                continue
            uri = _shorter_path(artifact["uri"], run.run_dir, repo.root)
            metadata = ", ".join(
                f"{key}={_format_value(value)}"
                for key, value in artifact["metadata"].items()
                if not key.startswith("_")
            )
            lines.append(f"    {name}: {uri}" + (f" ({metadata})" if metadata else ""))
    metrics = [
        (task.name, name, values) for task in run.tasks for name, values in task.metrics.items()
    ]
    if metrics:
        lines.append("metrics:")
        for task_name, name, values in metrics:
            shown = "  ".join(f"{key} = {_format_value(value)}" for key, value in values.items())
            lines.append(f"  {task_name}/{name}: {shown}")
    return "\n".join(lines)
