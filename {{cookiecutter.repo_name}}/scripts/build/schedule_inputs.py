# Do not edit: the template owns this file (make template-update brings its changes).
"""Schedules' parameters against the compiled pipeline's inputs.

KFP checks a recurring run's parameters only when it is created (400 "parameter(s) provided are
not required by pipeline ..."), which on a merge is too late: ``validate`` compiles the scheduled
pipelines and runs these checks on the pull request, and ``schedules`` runs them again against
the spec of the version it pins. Values are the manifest's YAML values, so types are checked as
KFP types them (``root.inputDefinitions.parameters``): an int is no float's mistake, a bool is
no int, text is no number.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scripts.build.parameters import Parameter, pipeline_parameters
from scripts.core.errors import Problem
from scripts.repo.model import Pipeline, Repo
from scripts.repo.schedules import Schedule

_TYPES: dict[str, tuple[str, Any]] = {
    "STRING": ("text", lambda v: isinstance(v, str)),
    "NUMBER_INTEGER": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "NUMBER_DOUBLE": (
        "a number",
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
    ),
    "BOOLEAN": ("true or false", lambda v: isinstance(v, bool)),
    "LIST": ("a list", lambda v: isinstance(v, list)),
    "STRUCT": ("a mapping", lambda v: isinstance(v, dict)),
}


def parameter_problems(schedule: Schedule, spec: Mapping[str, Any]) -> list[str]:
    """Why ``schedule.parameters`` do not fit ``spec``'s inputs: unknown names, values of the
    wrong type, required inputs not given, artifact inputs (a schedule cannot pass one)."""
    parameters, artifacts = pipeline_parameters(spec)
    by_name = {parameter.name: parameter for parameter in parameters}
    listed = ", ".join(parameter.describe() for parameter in parameters) or "none"
    problems = []
    for name, value in schedule.parameters.items():
        parameter = by_name.get(name)
        if parameter is None:
            problems.append(
                f"schedule {schedule.name}: {schedule.pipeline} has no parameter {name!r} — "
                f"its parameters: {listed}"
            )
        elif message := _type_problem(value, parameter):
            problems.append(f"schedule {schedule.name}: parameter {name} {message}")
    for parameter in parameters:
        if not parameter.optional and parameter.name not in schedule.parameters:
            problems.append(
                f"schedule {schedule.name}: {schedule.pipeline} needs parameter "
                f"{parameter.name} ({parameter.describe()}) — add it under parameters:"
            )
    if artifacts:
        problems.append(
            f"schedule {schedule.name}: {schedule.pipeline} takes artifact inputs "
            f"({', '.join(artifacts)}), which a recurring run cannot pass — give the pipeline a "
            "URI parameter and a dsl.importer instead"
        )
    return problems


def _type_problem(value: Any, parameter: Parameter) -> str:
    what, accepts = _TYPES.get(parameter.kfp_type, ("", lambda v: True))
    if accepts(value):
        return ""
    return f"is {_yaml_type(value)}, not {what} ({parameter.describe()})"


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, dict) else "null"


def scheduled_pipelines(repo: Repo, schedules: Sequence[Schedule]) -> list[Pipeline]:
    """The repo's pipelines that ``schedules`` name (unknown names are validate's problem)."""
    wanted = {schedule.selector for schedule in schedules}
    return [pipeline for pipeline in repo.pipelines() if pipeline.selector in wanted]


def check_schedule_parameters(repo: Repo, schedules: Sequence[Schedule]) -> list[Problem]:
    """Compile each scheduled pipeline once (into a temporary folder) and check every schedule's
    parameters against it. A pipeline that does not compile gives a warning here: ``compile``
    reports why, and the parameters cannot be checked until it does."""
    from scripts.build.compile import compile_pipelines
    from scripts.build.specs import local_spec

    pipelines = scheduled_pipelines(repo, schedules)
    if not pipelines:
        return []
    with tempfile.TemporaryDirectory(prefix="schedule-inputs-") as folder:
        index = compile_pipelines(repo.root, pipelines, Path(folder))
        specs = {item.selector: local_spec(Path(folder) / item.output) for item in index.compiled}
    failed = {item.selector for item in index.failed}
    problems = []
    for schedule in schedules:
        if schedule.selector in failed:
            message = (
                f"schedule {schedule.name}: parameters not checked, {schedule.selector} does not "
                "compile — run `make compile` to see why"
            )
            problems.append(Problem(schedule.manifest_path, schedule.line, message, "warning"))
        elif schedule.selector in specs:
            problems += [
                Problem(schedule.manifest_path, schedule.line, message)
                for message in parameter_problems(schedule, specs[schedule.selector])
            ]
    return problems
