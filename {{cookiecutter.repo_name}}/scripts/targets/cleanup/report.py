# Do not edit: the template owns this file (make template-update brings its changes).
"""What cleanup planned and did, for people (text, the job summary) and machines (JSON)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scripts.core.errors import Problem
from scripts.core.report import Code, Document, Table, count_phrase
from scripts.targets.cleanup.plan import Plan

FAILED = "failed"


@dataclass
class CleanupReport:
    environment: str
    host: str
    plan: Plan
    dry_run: bool
    applied: bool = False
    requests: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return dict(Counter(item.status for item in self.plan.items))

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "host": self.host,
            "selection": self.plan.selection.describe(),
            "dry_run": self.dry_run,
            "applied": self.applied,
            "counts": self.counts(),
            "items": [item.to_json() for item in self.plan.items],
        }

    def document(self) -> Document:
        items = self.plan.items
        verb = "would delete" if not self.applied else "deleted"
        deletes = [i for i in items if i.action == "delete"]
        headline = (
            f"cleanup of {self.plan.selection.describe()} on {self.environment} ({self.host}): "
            f"{verb} {count_phrase(len(deletes), 'item')}, spared "
            f"{len([i for i in items if i.action == 'spare'])}"
        )
        if self.applied:
            counts = self.counts()
            done = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            headline += f" ({done})"
        if not items:
            return Document("Cleanup", (headline, "Nothing of this selection is on the server."))
        rows = tuple(
            (
                item.status if self.applied or item.action == "spare" else "delete",
                Code(item.pipeline),
                Code(item.version) if item.version else "(the pipeline)",
                f"#{item.pr}" if item.pr is not None else "",
                item.message or item.reason,
            )
            for item in items
        )
        table = Table(("action", "pipeline", "version", "pull request", "why"), rows)
        return Document("Cleanup", (headline, table))

    def problems(self) -> list[Problem]:
        return [
            Problem("", None, f"{i.pipeline} {i.version or '(pipeline)'}: {i.message}")
            for i in self.plan.items
            if i.status == FAILED
        ]
