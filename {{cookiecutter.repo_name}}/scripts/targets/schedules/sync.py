# Do not edit: the template owns this file (make template-update brings its changes).
"""``schedules``: the manifests' schedules of one environment, made true on its KFP.

Per namespace (one in single-user KFP; a project's own in multi-user): read the pipelines,
experiments and recurring runs (page by page), resolve each schedule to its pinned version,
plan, then apply. One schedule's failure does not stop the others; a schedule that cannot be
resolved (its pipeline not published yet) keeps whatever recurring run it has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from scripts.repo.environments import Environment
from scripts.repo.manifests import Project
from scripts.repo.schedules import Schedule
from scripts.targets.kfp.api import KfpApi
from scripts.targets.kfp.recurring import RecurringRuns
from scripts.targets.schedules.apply import ScheduleSync
from scripts.targets.schedules.plan import plan_changes
from scripts.targets.schedules.report import FAILED, ScheduleReport, ScheduleRow
from scripts.targets.schedules.resolve import resolve_schedules


def sync_schedules(
    projects: Sequence[Project],
    environment: Environment,
    api_for: Callable[[str | None], KfpApi],
    *,
    repository: str,
    version_name: str,
    dry_run: bool,
    now: datetime,
) -> ScheduleReport:
    """Sync every namespace the projects use in ``environment``; ``api_for(namespace)`` gives
    the client of a namespace (all sharing one connection pool)."""
    report = ScheduleReport(
        environment=environment.name,
        host=environment.kfp_host,
        timezone=environment.timezone,
        version=version_name,
        dry_run=dry_run,
    )
    for namespace, schedules in _by_namespace(projects, environment, api_for).items():
        runs = RecurringRuns(api_for(namespace))
        report.rows += _sync_namespace(
            runs, schedules, environment, repository, version_name, dry_run, now
        )
        report.writes += runs.writes
    report.rows.sort(key=lambda row: (row.key, row.action))
    return report


def _by_namespace(
    projects: Sequence[Project], environment: Environment, api_for: Callable
) -> dict[str | None, list[Schedule]]:
    """The environment's schedules grouped by the namespace KFP sees (None on a single-user
    server, where namespaces do not exist); every project's namespace is listed, with or
    without schedules, so the recurring runs of removed schedules are found too."""
    groups: dict[str | None, list[Schedule]] = {}
    for project in projects:
        namespace = api_for(project.namespace_for(environment.name, environment.namespace))
        group = groups.setdefault(namespace.namespace, [])
        group += [s for s in project.schedules if s.runs_in(environment.name)]
    return groups


def _sync_namespace(
    runs: RecurringRuns,
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
        namespace=runs.api.namespace,
        timezone=environment.timezone,
        version_name=version_name,
        repository=repository,
    )
    remote = runs.recurring_runs(repository)
    sync = ScheduleSync(
        runs,
        host=environment.kfp_host,
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
