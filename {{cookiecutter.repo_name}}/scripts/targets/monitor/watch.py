# Do not edit: the template owns this file (make template-update brings its changes).
"""One monitor pass over an environment: the managed schedules, their runs, their health.

Per namespace: one listing of recurring runs (page by page) to find ours (the marker that
``schedules`` writes; a hand-made recurring run and its runs are ignored), then the filtered run
queries of ``RunQueries`` for all of ours at once, then ``assess`` per schedule. Reads only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from scripts.repo.environments import Environment
from scripts.repo.manifests import Project
from scripts.repo.schedules import Schedule
from scripts.targets.kfp.api import KfpApi
from scripts.targets.kfp.recurring import RecurringRuns
from scripts.targets.kfp.run_queries import RunQueries
from scripts.targets.monitor.findings import Health, assess
from scripts.targets.schedules.model import RemoteSchedule


@dataclass
class WatchedSchedule:
    """A managed schedule and how it did; ``project`` for its owners and where to report."""

    schedule: Schedule
    project: Project
    health: Health
    recurring_run_ids: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.schedule.display_name


@dataclass
class Watch:
    environment: str
    host: str
    timezone: str
    start: datetime
    now: datetime
    schedules: list[WatchedSchedule] = field(default_factory=list)
    requests: int = 0

    def run_link(self, run_id: str) -> str:
        return f"{self.host}/#/runs/details/{run_id}"


def watch(
    projects: Sequence[Project],
    environment: Environment,
    api_for: Callable[[str | None], KfpApi],
    *,
    repository: str,
    start: datetime,
    now: datetime,
) -> Watch:
    result = Watch(environment.name, environment.kfp_host, environment.timezone, start, now)
    by_namespace: dict[str | None, list[Project]] = {}
    apis: dict[str | None, KfpApi] = {}
    for project in projects:
        api = api_for(project.namespace_for(environment.name, environment.namespace))
        by_namespace.setdefault(api.namespace, []).append(project)
        apis[api.namespace] = api
    for namespace, group in by_namespace.items():
        result.schedules += _watch_namespace(
            apis[namespace], group, environment, repository, start, now, result
        )
    result.schedules.sort(key=lambda watched: watched.key)
    return result


def _watch_namespace(
    api: KfpApi,
    projects: Sequence[Project],
    environment: Environment,
    repository: str,
    start: datetime,
    now: datetime,
    result: Watch,
) -> list[WatchedSchedule]:
    wanted = {
        schedule.display_name: (schedule, project)
        for project in projects
        for schedule in project.schedules
        if schedule.runs_in(environment.name)
    }
    if not wanted:
        return []
    listing = RecurringRuns(api)
    ours: dict[str, list[RemoteSchedule]] = {}
    for rr in listing.recurring_runs(repository):
        if rr.key in wanted:
            ours.setdefault(rr.key, []).append(rr)
    queries = RunQueries(api)
    ids = sorted(rr.recurring_run_id for rrs in ours.values() for rr in rrs)
    runs = queries.runs_of(ids, start) if ids else []
    result.requests += queries.requests
    watched = []
    for key, recurring_runs in sorted(ours.items()):
        schedule, project = wanted[key]
        health = assess(
            schedule, recurring_runs, runs, start=start, now=now, timezone=environment.timezone
        )
        rr_ids = tuple(rr.recurring_run_id for rr in recurring_runs)
        watched.append(WatchedSchedule(schedule, project, health, rr_ids))
    return watched
