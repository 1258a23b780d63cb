# Do not edit: the template owns this file (make template-update brings its changes).
"""The ``diff`` command's result: the diff of every selected pipeline between two commits.

``DiffReport.to_json`` is ``--format json`` and the file the pull-request comment is drawn
from (``from_json`` reads it back); ``document`` is the text and Markdown rendering of
``scripts.core.report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scripts.build.diff.document import ARROW, pipeline_blocks, pipeline_title
from scripts.build.diff.model import SCHEMA, UNCHANGED, PipelineDiff
from scripts.core.report import Code, Document, joined


@dataclass(frozen=True)
class DiffReport:
    """The diff of the selected pipelines between ``base`` (the merge base) and ``head``
    (a commit, or ``None`` for the working tree as it is on disk)."""

    base: str | None
    head: str | None
    base_ref: str
    pipelines: tuple[PipelineDiff, ...] = ()
    note: str = ""  # why there is nothing to compare (no base), shown instead of a diff
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def changed(self) -> tuple[PipelineDiff, ...]:
        """The pipelines with something to show (a change, new, deleted or failed)."""
        return tuple(p for p in self.pipelines if p.status != UNCHANGED)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "base": self.base,
            "head": self.head,
            "base_ref": self.base_ref,
            "note": self.note,
            "pipelines": [pipeline.to_json() for pipeline in self.pipelines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DiffReport:
        return cls(
            base=data.get("base"),
            head=data.get("head"),
            base_ref=data.get("base_ref", ""),
            pipelines=tuple(PipelineDiff.from_json(p) for p in data.get("pipelines", [])),
            note=data.get("note", ""),
        )

    def document(self) -> Document:
        return report_document(self)


def report_document(report: DiffReport) -> Document:
    head = Code(report.head[:12]) if report.head else "the working tree"
    base = Code(report.base[:12]) if report.base else Code(report.base_ref)
    blocks: list = []
    if report.note:
        blocks.append(report.note)
    for pipeline in report.changed:
        blocks.append(pipeline_title(pipeline))
        blocks += pipeline_blocks(pipeline)
    unchanged = [p for p in report.pipelines if p.status == UNCHANGED]
    if unchanged:
        names = joined(Code(p.selector) for p in unchanged)
        blocks.append(("No change to the compiled pipeline: ", names))
    if not report.pipelines and not report.note:
        blocks.append("No pipeline to compare.")
    return Document(("Pipeline diff: ", base, ARROW, head), tuple(blocks))
