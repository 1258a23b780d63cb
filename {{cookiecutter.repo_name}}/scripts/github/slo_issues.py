# Do not edit: the template owns this file (make template-update brings its changes).
"""One GitHub issue per broken schedule: opened on the first breach, commented on later ones,
closed when the schedule recovers; never a second open issue for the same schedule.

The issue is the monitor's memory. Its body starts with a marker naming the environment and
the schedule (how the next pass finds it among the open issues with the label), and the body
and every comment we add end with the ids of the findings they reported. A pass reports only
findings whose ids are not there yet, so overlapping windows tell nobody anything twice.
Everything a server said (run names, states) reaches the issue through ``render_markdown``,
which neutralises Markdown and @mentions in it; the owners are mentioned on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from scripts.core.report import Code, Document, Link, Table, render_markdown
from scripts.targets.monitor.report import BREACH, OK, Outcome

LABEL = "pipeline-slo"
LABEL_COLOR = "d93f0b"
_MARKER = "<!-- kfp-monorepo-monitor {environment} {key} -->"
_REPORTED = re.compile(r"<!-- reported: ([^>]*) -->")
_SAFE_ID = re.compile(r"[^A-Za-z0-9:_.-]")  # ids go into an HTML comment: nothing can end it


def marker(environment: str, key: str) -> str:
    return _MARKER.format(environment=environment, key=key)


def reported_ids(texts: Iterable[str]) -> set[str]:
    return {
        token for text in texts for m in _REPORTED.finditer(text or "") for token in m[1].split()
    }


class SloIssues:
    """The open monitor issues of one repository (``repo``: a PyGithub Repository)."""

    def __init__(self, repo: Any, environment: str, *, dry_run: bool = False):
        self.repo = repo
        self.environment = environment
        self.dry_run = dry_run
        self._open: dict[str, Any] | None = None

    def open_issue(self, key: str) -> Any | None:
        if self._open is None:
            self._open = {}
            if self.repo is None:  # a dry run without a token: as if no issue were open
                return None
            for issue in self.repo.get_issues(state="open", labels=[LABEL]):
                for candidate in _keys(issue.body or "", self.environment):
                    self._open.setdefault(candidate, issue)
        return self._open.get(key)

    def told(self, issue: Any | None) -> set[str]:
        if issue is None:
            return set()
        return reported_ids([issue.body or "", *(c.body for c in issue.get_comments())])

    def report(
        self,
        outcome: Outcome,
        *,
        owners: Sequence[str],
        manifest: str,
        cron: str,
        timezone: str,
        new: list[dict],
    ) -> None:
        """Open, comment or close; records what it did on ``outcome``."""
        issue = self.open_issue(outcome.key)
        outcome.issue = issue.html_url if issue is not None else ""
        if outcome.status == BREACH and new:
            table = _findings_table(new)
            ids = " ".join(_SAFE_ID.sub("", f["id"]) for f in new)
            if issue is None:
                body = self._opening(outcome.key, owners, manifest, cron, timezone, table, ids)
                outcome.issue_action = "opened"
                outcome.preview = body
                if not self.dry_run:
                    title = f"Schedule {outcome.key} is breaching its SLO on {self.environment}"
                    created = self.repo.create_issue(title=title, body=body, labels=[LABEL])
                    outcome.issue = created.html_url
                    self._open[outcome.key] = created
            else:
                outcome.issue_action = "commented"
                text = render_markdown(Document("New breaches", (table,)))
                outcome.preview = text
                if not self.dry_run:
                    issue.create_comment(f"{text}\n<!-- reported: {ids} -->\n")
        elif outcome.status == OK and issue is not None:
            outcome.issue_action = "closed"
            if not self.dry_run:
                issue.create_comment(
                    f"Recovered on {self.environment}: the newest run succeeded and no breach "
                    "is left in the monitor's window. Closing."
                )
                issue.edit(state="closed", state_reason="completed")
        if self.dry_run and outcome.issue_action:
            outcome.issue_action = f"would be {outcome.issue_action}"

    def _opening(self, key, owners, manifest, cron, timezone, table, ids) -> str:
        mentions = " ".join(o for o in owners if o.startswith("@")) or "(no GitHub handle)"
        text = render_markdown(
            Document(
                f"{key} on {self.environment}",
                (
                    (
                        "The schedule ",
                        Code(key),
                        " (cron ",
                        Code(cron),
                        f" in {timezone}, ",
                        Code(manifest),
                        ") is breaching its SLO.",
                    ),
                    table,
                    "This issue gets a comment for each new breach and is closed when the "
                    "schedule's runs succeed again. To silence it, set enabled: false on the "
                    "schedule, or notify: {github_issue: false} in the manifest.",
                ),
            )
        )
        return (
            f"{marker(self.environment, key)}\n{text}\nOwners: {mentions}\n"
            f"<!-- reported: {ids} -->\n"
        )


def _keys(body: str, environment: str) -> list[str]:
    prefix = f"<!-- kfp-monorepo-monitor {environment} "
    return [
        line[len(prefix) : -4].strip()
        for line in body.splitlines()
        if line.startswith(prefix) and line.endswith("-->")
    ]


def _findings_table(findings: list[dict]) -> Table:
    rows = tuple(
        (Code(f["at"]), f["kind"], f["detail"], Link(f["link"], "run") if f["link"] else "")
        for f in findings
    )
    return Table(("When", "What", "Detail", "Run"), rows)
