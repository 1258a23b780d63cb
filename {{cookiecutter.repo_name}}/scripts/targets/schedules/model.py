# Do not edit: the template owns this file (make template-update brings its changes).
"""What a schedule should be on the server, what a recurring run is there, and how they compare.

``RemoteSchedule`` is a recurring run read back, with typed values: KFP returns
``max_concurrency`` as a string (int64 over protojson), omits false and empty fields, and keeps
parameters as JSON values, so comparing the raw answer with what we would send would see a change
on every sync. ``DesiredSchedule`` is a manifest schedule resolved against one environment (the
version it pins, the experiment id). ``same_config`` compares the two field by field.

Ownership lives in the description, the only free-form field of a recurring run: its last line
is ``managed-by: kfp-monorepo <owner/repo> <manifest> <project>/<schedule>``. Only recurring runs
whose marker names this repository are ever changed; any other one is left alone, even with the
display name of one of ours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scripts.repo.schedules import Schedule

MARKER = re.compile(
    r"^managed-by: kfp-monorepo (?P<repo>\S+) (?P<manifest>\S+) (?P<key>[^\s/]+/\S+)$",
    re.MULTILINE,
)


def marker_line(repository: str, manifest: str, key: str) -> str:
    return f"managed-by: kfp-monorepo {repository} {manifest} {key}"


def description_for(schedule: Schedule, repository: str, timezone: str) -> str:
    """What people read in the KFP UI, then the marker the sync recognises its own runs by."""
    return (
        f"Schedule {schedule.name} of project {schedule.project}: {schedule.selector} at "
        f"'{schedule.cron}' ({timezone}). Managed from {schedule.manifest_path} in {repository}: "
        "edit the manifest, not this recurring run.\n"
        + marker_line(repository, schedule.manifest_path, schedule.display_name)
    )


def managed_key(description: str | None, repository: str) -> str | None:
    """``<project>/<schedule>`` when the description carries this repository's marker."""
    for match in MARKER.finditer(description or ""):
        if match["repo"] == repository:
            return match["key"]
    return None


@dataclass(frozen=True)
class Config:
    """Everything of a recurring run that a manifest decides; equal configs need no change
    (enabled aside, which enable/disable change in place)."""

    pipeline_id: str
    version_id: str
    experiment_id: str
    cron: str  # six fields, as KFP reads it
    parameters: Mapping[str, Any] = field(hash=False)
    max_concurrency: int
    no_catchup: bool


@dataclass(frozen=True)
class RemoteSchedule:
    """A recurring run as the server has it."""

    recurring_run_id: str
    display_name: str
    description: str
    enabled: bool
    config: Config
    created_at: datetime | None
    namespace: str | None
    key: str | None  # our marker's <project>/<schedule>, None when not managed by this repo


@dataclass(frozen=True)
class DesiredSchedule:
    """A manifest schedule resolved for one environment."""

    schedule: Schedule
    namespace: str | None
    config: Config
    version_name: str
    description: str

    @property
    def key(self) -> str:
        return self.schedule.display_name

    @property
    def enabled(self) -> bool:
        return self.schedule.enabled


def same_config(a: Config, b: Config) -> bool:
    """Equal as KFP would run them: parameters compared as JSON values (2000 == 2000.0, but
    true is not 1)."""
    return (
        a.pipeline_id == b.pipeline_id
        and a.version_id == b.version_id
        and a.experiment_id == b.experiment_id
        and a.cron.split() == b.cron.split()
        and a.max_concurrency == b.max_concurrency
        and a.no_catchup == b.no_catchup
        and same_value(dict(a.parameters), dict(b.parameters))
    )


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def changed_fields(old: Config, new: Config) -> list[str]:
    """What a replacement changes, in words, for the report."""
    names = []
    if old.version_id != new.version_id or old.pipeline_id != new.pipeline_id:
        names.append("version")
    if old.cron.split() != new.cron.split():
        names.append("cron")
    if not same_value(dict(old.parameters), dict(new.parameters)):
        names.append("parameters")
    if old.experiment_id != new.experiment_id:
        names.append("experiment")
    if old.max_concurrency != new.max_concurrency:
        names.append("max_concurrency")
    if old.no_catchup != new.no_catchup:
        names.append("catchup")
    return names
