# Do not edit: the template owns this file (make template-update brings its changes).
"""One monitor pass over an environment: the managed schedules, their runs, their health.

Per namespace: one listing of the target's schedules (page by page) to find ours (the marker
that ``schedules`` writes; a hand-made schedule and its runs are ignored), then the target's
filtered run queries for all of ours at once (``ScheduleScope.runs_of``), then ``assess`` per
schedule. Reads only, the same for every target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from scripts.repo.environments import Environment
from scripts.repo.manifests import Project
from scripts.repo.schedules import Schedule
from scripts.targets.monitor.findings import Health, assess
from scripts.targets.schedules.model import RemoteSchedule
from scripts.targets.target import ScheduleScope


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
    scopes: dict[str | None, ScheduleScope] = field(default_factory=dict)

    def run_link(self, run_id: str, namespace: str | None = None) -> str:
        scope = self.scopes.get(namespace) or next(iter(self.scopes.values()), None)
        return scope.run_link(run_id) if scope else run_id


def watch(
    projects: Sequence[Project],
    environment: Environment,
    scope_for: Callable[[str | None], ScheduleScope],
    *,
    repository: str,
    start: datetime,
    now: datetime,
) -> Watch:
    """``scope_for(namespace)``: the target's schedules in a namespace
    (``Target.schedule_scope``)."""
    result = Watch(environment.name, environment.address, environment.timezone, start, now)
    by_namespace: dict[str | None, list[Project]] = {}
    for project in projects:
        scope = scope_for(project.namespace_for(environment.name, environment.namespace))
        by_namespace.setdefault(scope.namespace, []).append(project)
        result.scopes.setdefault(scope.namespace, scope)
    for namespace, group in by_namespace.items():
        result.schedules += _watch_namespace(
            result.scopes[namespace], group, environment, repository, start, now, result
        )
    result.schedules.sort(key=lambda watched: watched.key)
    return result


def _watch_namespace(
    scope: ScheduleScope,
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
    ours: dict[str, list[RemoteSchedule]] = {}
    for rr in scope.recurring_runs(repository):
        if rr.key in wanted:
            ours.setdefault(rr.key, []).append(rr)
    ids = sorted(rr.recurring_run_id for rrs in ours.values() for rr in rrs)
    before = scope.requests
    runs = scope.runs_of(ids, start) if ids else []
    result.requests += scope.requests - before
    watched = []
    for key, recurring_runs in sorted(ours.items()):
        schedule, project = wanted[key]
        health = assess(
            schedule, recurring_runs, runs, start=start, now=now, timezone=environment.timezone
        )
        rr_ids = tuple(rr.recurring_run_id for rr in recurring_runs)
        watched.append(WatchedSchedule(schedule, project, health, rr_ids))
    return watched
