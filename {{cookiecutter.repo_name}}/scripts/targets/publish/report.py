# Do not edit: the template owns this file (make template-update brings its changes).
"""What a publish did: typed results, the summary JSON, and what people read.

``publish --summary-json FILE`` and ``publish --format json`` write ``PublishReport.to_json()``;
the PR comment reads it back with ``PublishReport.from_json``. The document (schema 1)::

    {
      "schema": 1,
      "environment": "dev",
      "host": "https://kfp.dev.example.com",
      "version": "feature-x-1a2b3c4d",        # the KFP version name used
      "dry_run": false,
      "ok": true,                              # false when anything failed
      "counts": {"created": 1, "uploaded": 0, "exists": 0, "unchanged": 2, "failed": 0},
      "pipelines": [                           # sorted by source path
        {"selector": "p/train_model", "name": "p-train-model", "display_name": "p/train_model",
         "project": "p", "source": "pipelines/p/train_model.py", "namespace": null,
         "status": "created",                  # created | uploaded | exists | unchanged | failed
                                               # dry run: create | upload | exists | unchanged
                                               #          | failed
                                               # offline dry run: "create or upload (offline)"
                                               #          | failed
         "pipeline_id": "...", "version_id": "...",   # null when unknown (failed, dry run)
         "version": "feature-x-1a2b3c4d",      # for "unchanged": the latest version's name
         "link": "<host>/#/pipelines/details/<pipeline_id>/version/<version_id>",  # or null
         "message": ""}                        # why, for failed (one line, no credentials)
      ],
      "experiments": [                         # sorted by name
        {"project": "p", "name": "p/Default", "namespace": null,
         "status": "created",                  # created | exists | failed; dry run: create |
                                               # exists | failed; offline dry run:
                                               # "create if missing (offline)"
         "experiment_id": "...", "message": ""}
      ],
      "syncs": [                               # rows from the integrations (e.g. Polyaxon)
        {"kind": "polyaxon project", "name": "...", "status": "...", "link": null,
         "message": ""}
      ],
      "error": null,                           # or the one line that stopped the publish
                                               # before any pipeline (preflight: unreachable
                                               # host, 401, 403); the lists are empty then
      "offline": "..."                         # only in an offline dry run: why the server
    }                                          # could not be asked (the preflight's line)

"counts" counts pipeline statuses only (every status key of the mode is present, zero or not).

An offline dry run is ``publish --dry-run`` when the server cannot be reached (no connection, a
timeout, or only 429/502/503/504 until the retries ran out): nothing can be compared, so every
compiled pipeline is "create or upload (offline)" (created if KFP lacks it, else a version
uploaded unless an equal one is there) and every experiment "create if missing (offline)";
pipelines that did not compile are still "failed". It is not a failure (``ok`` stays true).
Without ``--dry-run`` an unreachable server stays the error in "error".
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from scripts.core.errors import Problem
from scripts.core.report import (
    Code,
    Document,
    Inline,
    Link,
    Strong,
    SyncResult,
    Table,
    count_phrase,
)

SUMMARY_SCHEMA = 1
PIPELINE_STATUSES = ("created", "uploaded", "exists", "unchanged", "failed")
DRY_RUN_STATUSES = ("create", "upload", "exists", "unchanged", "failed")
OFFLINE_PIPELINE = "create or upload (offline)"
OFFLINE_EXPERIMENT = "create if missing (offline)"
OFFLINE_STATUSES = (OFFLINE_PIPELINE, "failed")
# The experiment rows the closing line mentions, and how ("exists" did nothing: not mentioned).
EXPERIMENT_PHRASES = {
    "created": "created",
    "create": "to create",
    OFFLINE_EXPERIMENT: "to create if missing (offline)",
    "failed": "failed",
}


@dataclass
class PipelineResult:
    selector: str
    name: str
    display_name: str
    project: str
    source: str
    namespace: str | None
    status: str
    pipeline_id: str | None = None
    version_id: str | None = None
    version: str | None = None
    link: str | None = None
    message: str = ""
    line: int | None = field(default=None, repr=False)  # for the problem line only


@dataclass
class ExperimentResult:
    project: str
    name: str
    namespace: str | None
    status: str
    experiment_id: str | None = None
    message: str = ""


@dataclass
class PublishReport:
    environment: str
    host: str
    version: str
    dry_run: bool
    pipelines: list[PipelineResult]
    experiments: list[ExperimentResult]
    syncs: list[SyncResult] = field(default_factory=list)
    error: str = ""  # set when nothing could be published (preflight: host, credentials)
    offline: str = ""  # an offline dry run: why the server could not be asked

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed_rows()

    def failed_rows(self) -> list[PipelineResult | ExperimentResult | SyncResult]:
        rows = [*self.pipelines, *self.experiments, *self.syncs]
        return [row for row in rows if row.status == "failed"]

    def problems(self) -> list[Problem]:
        """Every failed row as a problem line (pipelines at their source line)."""
        problems = []
        for row in self.failed_rows():
            if isinstance(row, PipelineResult):
                problems.append(Problem(row.source, row.line, f"{row.display_name}: {row.message}"))
            elif isinstance(row, ExperimentResult):
                problems.append(Problem("", None, f"experiment {row.name}: {row.message}"))
            else:
                problems.append(Problem("", None, f"{row.kind} {row.name}: {row.message}"))
        return problems

    def counts(self) -> dict[str, int]:
        if self.offline:
            statuses = OFFLINE_STATUSES
        else:
            statuses = DRY_RUN_STATUSES if self.dry_run else PIPELINE_STATUSES
        return {s: sum(1 for p in self.pipelines if p.status == s) for s in statuses}

    def counts_line(self, *, by_name: bool = False) -> str:
        """ "1 created, 2 unchanged; 1 experiment created": pipelines in status order, or by
        status name (the PR comment's order, kept from when it read the counts back from the
        sorted summary JSON), then the experiments that were (or would be) created or failed.
        With no pipeline it says so and still tells what happened to the experiments."""
        counts = sorted(self.counts().items()) if by_name else self.counts().items()
        pipelines = ", ".join(f"{n} {status}" for status, n in counts if n)
        experiments = "; ".join(
            f"{count_phrase(n, 'experiment')} {phrase}"
            for status, phrase in EXPERIMENT_PHRASES.items()
            if (n := sum(1 for e in self.experiments if e.status == status))
        )
        if pipelines:
            return f"{pipelines}; {experiments}" if experiments else pipelines
        if self.error:
            return "nothing was published"
        if experiments:
            return f"no pipeline to publish; {experiments}"
        return "nothing to publish"

    def to_json(self) -> dict[str, Any]:
        def pipeline_row(result: PipelineResult) -> dict[str, Any]:
            row = asdict(result)
            row.pop("line")
            return row

        document = {
            "schema": SUMMARY_SCHEMA,
            "environment": self.environment,
            "host": self.host,
            "version": self.version,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "counts": self.counts(),
            "pipelines": [pipeline_row(p) for p in self.pipelines],
            "experiments": [asdict(e) for e in self.experiments],
            "syncs": [asdict(s) for s in self.syncs],
            "error": self.error or None,
        }
        if self.offline:
            document["offline"] = self.offline
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> PublishReport:
        """The report ``to_json`` wrote. A hand-made or partial summary still renders: what it
        leaves out shows as "?"; a wrong shape is a TypeError (the caller says which file)."""
        return cls(
            environment=str(document.get("environment", "?")),
            host=str(document.get("host", "?")),
            version=str(document.get("version", "?")),
            dry_run=bool(document.get("dry_run", False)),
            pipelines=[_row(PipelineResult, item) for item in document.get("pipelines", [])],
            experiments=[_row(ExperimentResult, item) for item in document.get("experiments", [])],
            syncs=[_row(SyncResult, item) for item in document.get("syncs", [])],
            error=str(document.get("error") or ""),
            offline=str(document.get("offline") or ""),
        )

    def document(self) -> Document:
        mode = " (dry run: nothing was written)" if self.dry_run else ""
        if self.offline:
            mode = " (dry run, offline: not compared with the server; nothing was written)"
        blocks: list[Any] = [
            (
                "publish to ",
                Code(self.environment),
                f" ({self.host}), version ",
                Code(self.version),
                mode,
            )
        ]
        # Messages come from servers: as Code they show as written in the job summary.
        if self.error:
            blocks.append((Strong("Failed:"), " ", Code(self.error)))
        rows = tuple(
            (Code(p.display_name), p.status, p.version or "", _link_or_message(p.link, p.message))
            for p in self.pipelines
        )
        blocks.append(Table(("Pipeline", "Status", "Version", "Link / Message"), rows))
        if self.experiments:
            rows = tuple(
                (Code(e.name), e.status, _link_or_message(None, e.message))
                for e in self.experiments
            )
            blocks.append(Table(("Experiment", "Status", "Message"), rows))
        if self.syncs:
            rows = tuple(
                (s.kind, Code(s.name), s.status, _link_or_message(s.link, s.message))
                for s in self.syncs
            )
            blocks.append(Table(("Sync", "Name", "Status", "Link / Message"), rows))
        blocks.append(self.counts_line())
        heading = ("KFP publish to ", Code(self.environment), " — dry run" if self.dry_run else "")
        return Document(heading, tuple(blocks))


def _link_or_message(link: str | None, message: str) -> Inline:
    """A failure's message (as code: it is the server's text), else the link, else nothing."""
    if message:
        return Code(message)
    return Link(link) if link else ""


def _row(kind: type, item: dict[str, Any]) -> Any:
    """One summary row as ``kind``: its fields only (``line`` is never written); a field a
    hand-made or older summary leaves out is None or the field's default."""
    values = {}
    for spec in fields(kind):
        if spec.name in item and spec.name != "line":
            values[spec.name] = item[spec.name]
        elif spec.default is MISSING and spec.default_factory is MISSING:
            values[spec.name] = "?" if spec.name == "status" else None
    return kind(**values)
