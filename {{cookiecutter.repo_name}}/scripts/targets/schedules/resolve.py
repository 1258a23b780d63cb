# Do not edit: the template owns this file (make template-update brings its changes).
"""Turn the manifests' schedules into what they should be on one environment's server.

Each schedule pins a version: the one this commit's publish uploaded (named like publish names
it), or, when the pipeline did not change, the newest version already there. Never none: an
unpinned recurring run would run whatever version is newest at each trigger. Reads only; an
experiment that does not exist yet gets an empty id (apply creates it, as publish does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scripts.core.naming import kfp_pipeline_name
from scripts.repo.schedules import Schedule
from scripts.targets.schedules.model import Config, DesiredSchedule, description_for
from scripts.targets.target import ScheduleScope


@dataclass
class Resolved:
    desired: dict[str, DesiredSchedule] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # key -> why it was not resolved
    versions: dict[str, Any] = field(default_factory=dict)  # pipeline id -> pinned version


def resolve_schedules(
    schedules: Sequence[Schedule],
    runs: ScheduleScope,
    *,
    namespace: str | None,
    timezone: str,
    version_name: str,
    repository: str,
) -> Resolved:
    """The desired state of ``schedules`` (all in ``runs``' namespace): one list of pipelines
    and one of experiments, then one or two single-row version lookups per scheduled pipeline."""
    resolved = Resolved()
    if not schedules:
        return resolved
    pipelines = runs.pipelines_by_name()
    experiments = runs.experiments_by_name()
    pinned: dict[str, Any] = {}
    for schedule in schedules:
        name = kfp_pipeline_name(schedule.project, schedule.pipeline)
        pipeline = pipelines.get(name)
        if pipeline is None:
            resolved.failures[schedule.display_name] = (
                f"pipeline {name} is not in this environment — publish it first (it is "
                "published on merge once a change touches it, or with make publish)"
            )
            continue
        if name not in pinned:
            pinned[name] = runs.pinned_version(pipeline.pipeline_id, version_name)
        version = pinned[name]
        if version is None:
            resolved.failures[schedule.display_name] = (
                f"pipeline {name} has no version in this environment — publish it first"
            )
            continue
        resolved.versions[pipeline.pipeline_id] = version
        experiment = experiments.get(schedule.kfp_experiment)
        resolved.desired[schedule.display_name] = DesiredSchedule(
            schedule=schedule,
            namespace=namespace,
            config=Config(
                pipeline_id=pipeline.pipeline_id,
                version_id=version.pipeline_version_id,
                experiment_id=experiment.experiment_id if experiment else "",
                cron=runs.cron_for(schedule.cron, timezone),
                parameters=dict(schedule.parameters),
                max_concurrency=schedule.max_concurrency,
                no_catchup=not schedule.catchup,
            ),
            version_name=version.name or version.display_name or "",
            description=description_for(schedule, repository, timezone),
        )
    return resolved
