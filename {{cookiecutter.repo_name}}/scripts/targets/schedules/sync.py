# Do not edit: the template owns this file (make template-update brings its changes).
"""``schedules``: the manifests' schedules of one environment, made true on its target.

Per namespace (one in single-user KFP and on Vertex AI; a project's own in multi-user KFP):
read the pipelines, experiments and schedules (page by page), resolve each schedule to its
pinned version, plan, then apply, all through the target's ``ScheduleScope``. One schedule's
failure does not stop the others; a schedule that cannot be resolved (its pipeline not published
yet) keeps whatever schedule it has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from scripts.repo.environments import Environment
from scripts.repo.manifests import Project
from scripts.repo.schedules import Schedule
from scripts.targets.schedules.apply import ScheduleSync
from scripts.targets.schedules.plan import plan_changes
from scripts.targets.schedules.report import FAILED, ScheduleReport, ScheduleRow
from scripts.targets.schedules.resolve import resolve_schedules
from scripts.targets.target import ScheduleScope


def sync_schedules(
    projects: Sequence[Project],
    environment: Environment,
    scope_for: Callable[[str | None], ScheduleScope],
    *,
    repository: str,
    version_name: str,
    dry_run: bool,
    now: datetime,
) -> ScheduleReport:
    """Sync every namespace the projects use in ``environment``; ``scope_for(namespace)``
    gives the target's schedules in a namespace (``Target.schedule_scope``)."""
    report = ScheduleReport(
        environment=environment.name,
        host=environment.address,
        timezone=environment.timezone,
        version=version_name,
        dry_run=dry_run,
    )
    for runs, schedules in _by_namespace(projects, environment, scope_for):
        report.rows += _sync_namespace(
            runs, schedules, environment, repository, version_name, dry_run, now
        )
        report.writes += runs.writes
    report.rows.sort(key=lambda row: (row.key, row.action))
    return report


def _by_namespace(
    projects: Sequence[Project], environment: Environment, scope_for: Callable
) -> list[tuple[ScheduleScope, list[Schedule]]]:
    """The environment's schedules grouped by the namespace the target sees (None where
    namespaces do not exist); every project's namespace is listed, with or without schedules,
    so the schedules of removed ones are found too."""
    groups: dict[str | None, tuple[ScheduleScope, list[Schedule]]] = {}
    for project in projects:
        scope = scope_for(project.namespace_for(environment.name, environment.namespace))
        _, group = groups.setdefault(scope.namespace, (scope, []))
        group += [s for s in project.schedules if s.runs_in(environment.name)]
    return list(groups.values())


def _sync_namespace(
    runs: ScheduleScope,
    schedules: list[Schedule],
    environment: Environment,
    repository: str,
    version_name: str,
    dry_run: bool,
    now: datetime,
) -> list[ScheduleRow]:
    resolved = resolve_schedules(
        schedules,
        runs,
        namespace=runs.namespace,
        timezone=environment.timezone,
        version_name=version_name,
        repository=repository,
    )
    remote = runs.recurring_runs(repository)
    sync = ScheduleSync(
        runs,
        timezone=environment.timezone,
        now=now,
        dry_run=dry_run,
        versions=resolved.versions,
    )
    rows = [
        sync.apply(change)
        for change in plan_changes(resolved.desired, remote, skip=resolved.failures)
    ]
    by_key = {schedule.display_name: schedule for schedule in schedules}
    for key, message in resolved.failures.items():
        schedule = by_key[key]
        rows.append(
            ScheduleRow(
                key,
                "sync",
                FAILED,
                pipeline=schedule.selector,
                cron=schedule.cron,
                message=message,
                manifest=schedule.manifest_path,
                line=schedule.line,
            )
        )
    return rows
