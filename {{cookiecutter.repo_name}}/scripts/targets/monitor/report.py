# Do not edit: the template owns this file (make template-update brings its changes).
"""What a monitor pass found and whom it told: one row per managed schedule."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from scripts.core.errors import Problem
from scripts.core.report import Code, Document, Inline, Link, Table, count_phrase, joined
from scripts.targets.monitor.findings import Finding
from scripts.targets.monitor.watch import Watch, WatchedSchedule

OK, BREACH, RECOVERED, QUIET = "ok", "breach", "recovered", "no runs"


@dataclass
class Outcome:
    key: str
    project: str
    status: str  # ok, breach, recovered, no runs
    findings: list[dict[str, Any]] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # finding ids told this pass
    issue: str = ""  # the issue's URL
    issue_action: str = ""  # opened, commented, closed, unchanged, (dry run) would ...
    slack: str = ""  # sent, not configured, failed: ..., (dry run) would send
    problems: list[str] = field(default_factory=list)  # what could not be reported
    preview: str = ""  # the issue text or comment written (or, in a dry run, to write)


def outcome_for(watched: WatchedSchedule, watch: Watch) -> Outcome:
    health = watched.health
    if health.findings:
        status = BREACH
    elif health.healthy:
        status = OK
    else:
        status = QUIET if not health.runs else OK
    return Outcome(
        watched.key,
        watched.project.name,
        status,
        findings=[finding_json(f, watch) for f in health.findings],
    )


def finding_json(finding: Finding, watch: Watch) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "id": finding.id,
        "at": finding.at.isoformat(),
        "run_id": finding.run_id,
        "link": watch.run_link(finding.run_id) if finding.run_id else "",
        "detail": finding.detail,
    }


@dataclass
class MonitorReport:
    environment: str
    host: str
    timezone: str
    start: str
    now: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0

    @property
    def breaches(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == BREACH)

    def problems(self) -> list[Problem]:
        return [
            Problem("", None, f"{outcome.key}: {message}")
            for outcome in self.outcomes
            for message in outcome.problems
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "host": self.host,
            "timezone": self.timezone,
            "window": {"start": self.start, "end": self.now},
            "dry_run": self.dry_run,
            "breaches": self.breaches,
            "schedules": [asdict(outcome) for outcome in self.outcomes],
        }

    def document(self) -> Document:
        heading = f"Monitor of {self.environment}" + (" (dry run)" if self.dry_run else "")
        lead: Inline = (
            f"{count_phrase(len(self.outcomes), 'managed schedule')} on ",
            Code(self.host),
            f", runs from {self.start} to {self.now}: {self.breaches} breaching.",
        )
        rows = tuple(_row(outcome) for outcome in self.outcomes)
        table = Table(("Schedule", "Status", "Findings", "Issue", "Slack"), rows)
        return Document(heading, (lead, table) if rows else (lead,))


def _row(outcome: Outcome) -> tuple[Inline, ...]:
    findings: list[Inline] = []
    for finding in outcome.findings:
        what: Inline = (finding["kind"], " ", Code(finding["at"]))
        if finding["link"]:
            what = (what, " ", Link(finding["link"], "run"))
        findings.append(what)
    issue: Inline = outcome.issue_action
    if outcome.issue:
        issue = (outcome.issue_action, " ", Link(outcome.issue, "issue"))
    slack: Inline = outcome.slack
    if outcome.problems:
        slack = (slack, " ", Code("; ".join(outcome.problems)))
    return (Code(outcome.key), outcome.status, joined(findings, "; "), issue, slack)
