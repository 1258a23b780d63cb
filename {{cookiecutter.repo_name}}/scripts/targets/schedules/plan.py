# Do not edit: the template owns this file (make template-update brings its changes).
"""The schedule plan: for each managed schedule, what to create, swap, pause, enable or delete.

Pure: it takes the schedules the manifests want (resolved) and the recurring runs the server has,
and decides with no request. KFP cannot update a recurring run, so a changed schedule is replaced:
the new one is created disabled, the old one disabled, then the new one enabled (never two enabled
at once). Old recurring runs of ours that are disabled are deleted once none of their runs is
active (deleting one kills its running workflows). A recurring run that already has the wanted
configuration is kept, even a disabled one: that is how a sync interrupted halfway (say after the
create) converges instead of creating again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scripts.targets.schedules.model import (
    DesiredSchedule,
    RemoteSchedule,
    changed_fields,
    same_config,
)

# What a change does, as the report names it.
CREATE, REPLACE, ENABLE, PAUSE, UNCHANGED = "create", "replace", "enable", "pause", "unchanged"
REMOVE, RETIRE, NOT_MANAGED = "remove", "retire", "not managed"


@dataclass
class ScheduleChange:
    """One schedule (``key`` = ``<project>/<schedule>``) and the steps that bring it in line."""

    key: str
    action: str
    desired: DesiredSchedule | None = None
    keep: RemoteSchedule | None = None  # the recurring run that ends up as the schedule
    disable: list[RemoteSchedule] = field(default_factory=list)  # ours, enabled, superseded
    retire: list[RemoteSchedule] = field(default_factory=list)  # ours, disabled: delete if idle
    changes: list[str] = field(default_factory=list)  # for a replace: what changed
    other: RemoteSchedule | None = None  # for NOT_MANAGED: the recurring run left alone

    @property
    def writes(self) -> bool:
        return self.action not in (UNCHANGED, NOT_MANAGED) or bool(self.retire)


def plan_changes(
    desired: Mapping[str, DesiredSchedule],
    remote: Iterable[RemoteSchedule],
    *,
    skip: Iterable[str] = (),
) -> list[ScheduleChange]:
    """The changes, sorted by key. ``skip``: keys whose schedule could not be resolved (its
    pipeline not published yet...): their recurring runs are left exactly as they are."""
    skipped = set(skip)
    mine: dict[str, list[RemoteSchedule]] = {}
    others: list[RemoteSchedule] = []
    for row in remote:
        (mine.setdefault(row.key, []) if row.key else others).append(row)
    changes = []
    for key in sorted((set(desired) | set(mine)) - skipped):
        rows = sorted(mine.get(key, []), key=_age)
        wanted = desired.get(key)
        change = _removal(key, rows) if wanted is None else _change(key, wanted, rows)
        if change is not None:
            changes.append(change)
    names = set(desired) | set(mine)
    changes += [
        ScheduleChange(row.display_name, NOT_MANAGED, other=row)
        for row in sorted(others, key=lambda row: (row.display_name, _age(row)))
        if row.display_name in names
    ]
    return changes


def _change(key: str, wanted: DesiredSchedule, rows: list[RemoteSchedule]) -> ScheduleChange:
    matching = [row for row in rows if same_config(row.config, wanted.config)]
    # Prefer the enabled one, then the newest.
    keep = max(matching, key=lambda row: (row.enabled, _age(row)), default=None)
    rest = [row for row in rows if row is not keep]
    change = ScheduleChange(
        key,
        UNCHANGED,
        desired=wanted,
        keep=keep,
        disable=[row for row in rest if row.enabled],
        retire=[row for row in rest if not row.enabled],
    )
    if keep is None:
        change.action = REPLACE if rows else CREATE
        previous = max(rows, key=lambda row: (row.enabled, _age(row)), default=None)
        if previous is not None:
            change.changes = changed_fields(previous.config, wanted.config)
    elif change.disable:
        change.action = REPLACE  # duplicates of ours enabled beside the right one
        change.changes = ["duplicate"]
    elif keep.enabled != wanted.enabled:
        change.action = ENABLE if wanted.enabled else PAUSE
    return change


def _removal(key: str, rows: list[RemoteSchedule]) -> ScheduleChange | None:
    """A schedule gone from the manifests (or from this environment): disable what is enabled
    now, delete what is already disabled once idle."""
    enabled = [row for row in rows if row.enabled]
    disabled = [row for row in rows if not row.enabled]
    if not rows:
        return None
    return ScheduleChange(key, REMOVE if enabled else RETIRE, disable=enabled, retire=disabled)


def _age(row: RemoteSchedule) -> tuple:
    return (row.created_at.timestamp() if row.created_at else 0.0, row.recurring_run_id)
