# Do not edit: the template owns this file (make template-update brings its changes).
"""What a schedule sync did (or, with --dry-run, would do): one row per schedule.

Every row that shows a cron says in which time zone it is read (the environment's), and the next
trigger time in that zone, since "0 3 * * *" means nothing without one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from scripts.core.errors import Problem
from scripts.core.report import Code, Document, Inline, Link, Table, count_phrase, joined

FAILED = "failed"


@dataclass
class ScheduleRow:
    key: str  # <project>/<schedule>: the recurring run's display name
    action: str  # create, replace, enable, pause, unchanged, remove, retire, not managed
    status: str  # done, planned, failed
    pipeline: str = ""  # the selector, <project>/<pipeline>
    version: str = ""  # the pinned version's name
    cron: str = ""  # as the manifest writes it
    next_run: str = ""  # ISO 8601 in the environment's time zone
    recurring_run_id: str = ""
    link: str = ""
    changes: list[str] = field(default_factory=list)
    deleted: int = 0  # old recurring runs of ours deleted
    waiting: int = 0  # old ones kept until their active runs end
    message: str = ""
    manifest: str = ""
    line: int | None = None


@dataclass
class ScheduleReport:
    environment: str
    host: str
    timezone: str
    version: str
    dry_run: bool
    rows: list[ScheduleRow] = field(default_factory=list)
    error: str = ""
    writes: int = 0  # write requests sent

    @property
    def ok(self) -> bool:
        return not self.error and not any(row.status == FAILED for row in self.rows)

    def problems(self) -> list[Problem]:
        return [
            Problem(row.manifest, row.line, f"schedule {row.key}: {row.message}")
            for row in self.rows
            if row.status == FAILED
        ]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            name = FAILED if row.status == FAILED else row.action
            counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "host": self.host,
            "timezone": self.timezone,
            "version": self.version,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "error": self.error,
            "writes": self.writes,
            "counts": self.counts(),
            "schedules": [asdict(row) for row in self.rows],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ScheduleReport:
        """The report ``--summary-json`` wrote (the PR comment reads the preview's); keys this
        version does not know are ignored."""
        known = {f.name for f in fields(ScheduleRow)}
        rows = [
            ScheduleRow(**{k: v for k, v in row.items() if k in known})
            for row in document.get("schedules", [])
        ]
        report = cls(
            document["environment"],
            document["host"],
            document["timezone"],
            document["version"],
            bool(document["dry_run"]),
            rows,
        )
        report.error, report.writes = document.get("error", ""), document.get("writes", 0)
        return report

    def document(self) -> Document:
        mode = "plan (dry run)" if self.dry_run else "sync"
        heading = f"Schedules on {self.environment}: {mode}"
        counts = ", ".join(f"{n} {name}" for name, n in self.counts().items()) or "no schedules"
        lead: Inline = (
            f"{count_phrase(len(self.rows), 'schedule')} on ",
            Code(self.host),
            f" ({counts}); crons read in {self.timezone}.",
        )
        if self.error:
            return Document(heading, (lead, ("Nothing synced: ", Code(self.error))))
        rows = tuple(_table_row(row, self.timezone) for row in self.rows)
        headers = ("Schedule", "Pipeline @ version", "Cron", "Next run", "Action", "Note")
        table = Table(headers, rows)
        return Document(heading, (lead, table) if rows else (lead,))


def _table_row(row: ScheduleRow, timezone: str) -> tuple[Inline, ...]:
    pinned: Inline = (Code(row.pipeline), " @ ", Code(row.version)) if row.version else ""
    cron: Inline = (Code(row.cron), f" ({timezone})") if row.cron else ""
    action = row.action if row.status != "planned" else f"{row.action} (planned)"
    if row.status == FAILED:
        action = f"{row.action}: failed"
    notes: list[Inline] = []
    if row.changes:
        notes.append("changed: " + ", ".join(row.changes))
    if row.deleted:
        notes.append(f"{count_phrase(row.deleted, 'old recurring run')} deleted")
    if row.waiting:
        notes.append(f"{row.waiting} old one(s) kept until their runs end")
    if row.message:
        notes.append(Code(row.message))
    if row.link:
        notes.append(Link(row.link))
    return (Code(row.key), pinned, cron, row.next_run, action, joined(notes, "; "))
