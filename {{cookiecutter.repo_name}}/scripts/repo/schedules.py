# Do not edit: the template owns this file (make template-update brings its changes).
"""Schedules as code: the ``schedules:`` of a project manifest, read and checked.

A schedule says which pipeline of the project runs when (a cron read in the environment's time
zone), in which experiment, with which parameters, in which environments. ``schedules`` (the
command) turns each into a KFP recurring run pinned to a published version; this module only
reads files. Checking the parameters against the pipeline's inputs needs the compiled spec, so
that check lives in ``scripts/build/schedule_inputs.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from scripts.core.cron import cron_problem
from scripts.core.durations import parse_duration
from scripts.core.errors import Problem
from scripts.core.naming import collation_key, repeated_name_message
from scripts.core.yaml_io import YamlDocument

DEFAULT_ENVIRONMENTS = ("prod",)
MAX_CONCURRENCY = 10  # KFP refuses anything outside 1..10
# A trigger with no run this long after it is "missed" when the schedule's slo does not say.
DEFAULT_START_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class Slo:
    """What the monitor holds a schedule's runs to."""

    max_duration: timedelta | None = None  # a run going, or finished, past this is a breach
    start_within: timedelta = DEFAULT_START_WITHIN  # later than this after a trigger: missed


@dataclass(frozen=True)
class Notify:
    """Where a project hears of its schedules' breaches (the manifest's ``notify:``)."""

    github_issue: bool = True
    slack_webhook_secret: str | None = None  # the variable (a CI secret) holding the webhook URL


@dataclass(frozen=True)
class Schedule:
    """One entry of a manifest's ``schedules:``, defaults applied."""

    project: str
    name: str
    pipeline: str  # the module stem under pipelines/<project>/
    cron: str  # as written: 5 fields or a macro
    experiment: str = "Default"
    parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    environments: tuple[str, ...] = DEFAULT_ENVIRONMENTS
    enabled: bool = True
    max_concurrency: int = 1
    catchup: bool = False
    slo: Slo = Slo()
    manifest_path: str = ""
    line: int | None = None

    @property
    def display_name(self) -> str:
        """The recurring run's display name in KFP."""
        return f"{self.project}/{self.name}"

    @property
    def selector(self) -> str:
        return f"{self.project}/{self.pipeline}"

    @property
    def kfp_experiment(self) -> str:
        return f"{self.project}/{self.experiment}"

    def runs_in(self, environment: str) -> bool:
        return environment in self.environments


def schedules_from_document(document: YamlDocument, project: str) -> tuple[Schedule, ...]:
    """The schedules of a manifest; entries without the required keys are left out (the
    checks of ``schedule_problems`` report them)."""
    found = []
    for index, item in enumerate(_entries(document)):
        if not all(isinstance(item.get(key), str) for key in ("name", "pipeline", "cron")):
            continue
        environments = item.get("environments", list(DEFAULT_ENVIRONMENTS))
        found.append(
            Schedule(
                project=project,
                name=item["name"],
                pipeline=item["pipeline"],
                cron=item["cron"],
                experiment=str(item.get("experiment", "Default")),
                parameters=dict(item.get("parameters") or {}),
                environments=tuple(str(e) for e in environments or ()),
                enabled=item.get("enabled", True) is not False,
                max_concurrency=_int(item.get("max_concurrency"), 1),
                catchup=item.get("catchup", False) is True,
                slo=_slo(item.get("slo")),
                manifest_path=document.path,
                line=document.line_of(("schedules", index)),
            )
        )
    return tuple(found)


def schedule_problems(
    document: YamlDocument,
    *,
    pipelines: Sequence[str],
    environments: set[str] | None,
) -> list[Problem]:
    """The rules a schema cannot say: the pipeline and experiment exist, names are unique (as
    KFP's database compares them), the cron is one KFP reads as meant, the environments are
    defined in environments.yml (skipped when that file cannot be read: ``None``)."""
    experiments = {
        e.get("name") for e in document.value.get("experiments") or [] if isinstance(e, dict)
    }
    problems: list[Problem] = []
    first_of: dict[str, tuple[str, int]] = {}
    for index, item in enumerate(_entries(document)):
        problem = _reporter(document, index, problems)
        name = item.get("name")
        if isinstance(name, str):
            first = first_of.setdefault(collation_key(name), (name, _line(document, index)))
            if first[1] != _line(document, index):
                problem("name", repeated_name_message("schedule", name, *first))
        pipeline = item.get("pipeline")
        if isinstance(pipeline, str) and pipeline not in pipelines:
            known = ", ".join(sorted(pipelines)) or "none yet"
            problem(
                "pipeline",
                f"schedule pipeline {pipeline!r} is not a pipeline of this "
                f"project — use one of: {known}",
            )
        experiment = item.get("experiment", "Default")
        if isinstance(experiment, str) and experiment not in experiments:
            problem(
                "experiment",
                f"schedule experiment {experiment!r} is not in this "
                "manifest's experiments — add it there or use one of them",
            )
        if "cron" in item and (message := cron_problem(item["cron"])):
            problem("cron", message)
        problems += _environment_problems(document, index, item, environments)
    return problems


def _reporter(document: YamlDocument, index: int, problems: list[Problem]):
    """``problem(key, message)``: record a problem at ``schedules[index].<key>``'s line."""

    def problem(key: str | None, message: str) -> None:
        where = ("schedules", index) + ((key,) if key else ())
        problems.append(Problem(document.path, document.line_of(where), message))

    return problem


def _environment_problems(
    document: YamlDocument, index: int, item: Mapping[str, Any], environments: set[str] | None
) -> list[Problem]:
    if environments is None:
        return []
    listed = item.get("environments", list(DEFAULT_ENVIRONMENTS))
    problems = []
    for position, environment in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(environment, str) and environment not in environments:
            default = "" if "environments" in item else " (the default)"
            line = document.line_of(("schedules", index, "environments", position))
            message = (
                f"schedule environment {environment!r}{default} is not defined in "
                f"environments.yml — use one of {', '.join(sorted(environments))}"
            )
            problems.append(Problem(document.path, line, message))
    return problems


def _slo(value: Any) -> Slo:
    """The schedule's ``slo:``; a value that is no duration is left at its default here (the
    schema reports it)."""
    value = value if isinstance(value, dict) else {}
    durations = {}
    for key in ("max_duration", "start_within"):
        try:
            durations[key] = parse_duration(value[key])
        except (KeyError, ValueError):
            continue
    return Slo(**durations)


def notify_from_document(document: YamlDocument) -> Notify:
    value = document.value.get("notify")
    value = value if isinstance(value, dict) else {}
    secret = value.get("slack_webhook_secret")
    return Notify(
        github_issue=value.get("github_issue", True) is not False,
        slack_webhook_secret=secret if isinstance(secret, str) and secret else None,
    )


MONITOR_WORKFLOW = ".github/workflows/monitor.yml"


def webhook_secret_problems(root: Path, document: YamlDocument) -> list[Problem]:
    """A ``notify.slack_webhook_secret`` the monitor workflow does not map from the secret of
    that name: the monitor would find the variable unset and tell nobody."""
    secret = notify_from_document(document).slack_webhook_secret
    workflow = root / MONITOR_WORKFLOW
    if secret is None or not workflow.is_file():
        return []
    mapping = re.compile(rf"^\s+{secret}:\s*\$\{{\{{\s*secrets\.{secret}\s*\}}\}}\s*$", re.M)
    if mapping.search(workflow.read_text("utf-8")):
        return []
    line = document.line_of(("notify", "slack_webhook_secret"))
    message = (
        f"notify.slack_webhook_secret {secret} is not passed to the monitor — add "
        f"`{secret}: ${{{{ secrets.{secret} }}}}` to the env of the monitor step in "
        f"{MONITOR_WORKFLOW}, and the secret to the prod Environment"
    )
    return [Problem(document.path, line, message)]


def _entries(document: YamlDocument) -> list[dict[str, Any]]:
    entries = document.value.get("schedules")
    if not isinstance(entries, list):
        return []
    return [item if isinstance(item, dict) else {} for item in entries]


def _line(document: YamlDocument, index: int) -> int:
    return document.line_of(("schedules", index)) or 0


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
