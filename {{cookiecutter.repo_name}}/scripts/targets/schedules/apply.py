# Do not edit: the template owns this file (make template-update brings its changes).
"""Carry out the schedule plan, one schedule at a time, each failure contained to its row.

The swap order is the one ``kfp-recurring-runs.md`` §6 gives: create the new recurring run
disabled, disable the old one, enable the new one. If enabling the new one fails, the old one is
enabled again, so a failure halfway leaves the schedule running on its old configuration rather
than not at all; the next sync finds the new one (disabled, with the wanted configuration),
keeps it and finishes the swap instead of creating another.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime

from scripts.core.cron import next_trigger
from scripts.core.errors import ScriptError
from scripts.targets.schedules.model import DesiredSchedule, RemoteSchedule
from scripts.targets.schedules.plan import NOT_MANAGED, UNCHANGED, ScheduleChange
from scripts.targets.schedules.report import FAILED, ScheduleRow
from scripts.targets.target import ScheduleScope


class ScheduleSync:
    """Applies changes through ``runs`` (one namespace); with ``dry_run`` only reads."""

    def __init__(
        self,
        runs: ScheduleScope,
        *,
        timezone: str,
        now: datetime,
        dry_run: bool,
        versions: dict | None = None,
    ):
        self.runs = runs
        self.timezone = timezone
        self.now = now
        self.dry_run = dry_run
        self.versions = versions or {}  # pipeline id -> pinned version (for its spec)
        self._specs: dict[str, object] = {}  # version id -> the version with its spec
        self._experiments: dict[str, str] = {}  # experiments created by this sync: name -> id

    def apply(self, change: ScheduleChange) -> ScheduleRow:
        row = self.describe(change)
        if change.action == NOT_MANAGED:
            return row
        try:
            if change.desired is not None:
                self._converge(change, change.desired, row)
            else:
                for old in change.disable:
                    self._write(self.runs.disable, old.recurring_run_id)
            self._retire(change.retire, row)
        except ScriptError as error:
            row.status, row.message = FAILED, str(error)
        return row

    def describe(self, change: ScheduleChange) -> ScheduleRow:
        """The row of a change before anything is done."""
        planned = "planned" if self.dry_run and change.writes else "done"
        row = ScheduleRow(change.key, change.action, planned, changes=list(change.changes))
        wanted, current = change.desired, change.keep or change.other
        if wanted is not None:
            schedule = wanted.schedule
            row.pipeline, row.cron = schedule.selector, schedule.cron
            row.version = wanted.version_name
            row.manifest, row.line = schedule.manifest_path, schedule.line
            if schedule.enabled:
                row.next_run = next_trigger(schedule.cron, self.timezone, self.now).isoformat()
        if current is not None:
            row.recurring_run_id = current.recurring_run_id
            row.link = self.link(current.recurring_run_id)
        if change.action == NOT_MANAGED:
            row.message = "made outside this repo: left alone"
        return row

    def link(self, recurring_run_id: str) -> str:
        return self.runs.link(recurring_run_id)

    def _converge(self, change: ScheduleChange, wanted: DesiredSchedule, row: ScheduleRow) -> None:
        keep = change.keep
        if keep is None:
            if self.dry_run:
                return
            keep = self.runs.create_disabled(self._checked(wanted))
            row.recurring_run_id, row.link = keep.recurring_run_id, self.link(keep.recurring_run_id)
        for old in change.disable:
            self._write(self.runs.disable, old.recurring_run_id)
        if wanted.enabled and not keep.enabled:
            try:
                self._write(self.runs.enable, keep.recurring_run_id)
            except ScriptError:
                for old in change.disable[:1]:  # the one that ran the schedule until now
                    self._best_effort(self.runs.enable, old.recurring_run_id)
                raise
        elif not wanted.enabled and keep.enabled:
            self._write(self.runs.disable, keep.recurring_run_id)

    def _checked(self, wanted: DesiredSchedule) -> DesiredSchedule:
        """The schedule ready to create: its parameters fit the pinned version's inputs (KFP
        would answer 400 otherwise), its experiment exists."""
        from scripts.build.schedule_inputs import parameter_problems

        version = self.versions.get(wanted.config.pipeline_id)
        if version is not None:
            if version.pipeline_version_id not in self._specs:  # one GET per version, not per run
                self._specs[version.pipeline_version_id] = self.runs.spec_of(version)
            spec = self._specs[version.pipeline_version_id]
            if problems := parameter_problems(wanted.schedule, spec or {}):
                raise ScriptError(f"{problems[0]} (version {wanted.version_name})")
        if not wanted.config.experiment_id:
            name = wanted.schedule.kfp_experiment
            if name not in self._experiments:  # created once for all its schedules
                self._experiments[name] = self.runs.ensure_experiment(name)
            experiment_id = self._experiments[name]
            config = dataclasses.replace(wanted.config, experiment_id=experiment_id)
            wanted = dataclasses.replace(wanted, config=config)
        return wanted

    def _retire(self, retire: list[RemoteSchedule], row: ScheduleRow) -> None:
        """Delete our disabled leftovers whose runs have all finished; count the others."""
        for old in retire:
            if self.runs.has_active_runs(old.recurring_run_id):
                row.waiting += 1
            elif not self.dry_run:
                self.runs.delete(old.recurring_run_id)
                row.deleted += 1

    def _write(self, function, recurring_run_id: str) -> None:
        if not self.dry_run:
            function(recurring_run_id)

    def _best_effort(self, function, recurring_run_id: str) -> None:
        with contextlib.suppress(ScriptError):  # the original failure is what the row reports
            self._write(function, recurring_run_id)


def unchanged(row: ScheduleRow) -> bool:
    return row.action == UNCHANGED and not row.deleted and not row.waiting
