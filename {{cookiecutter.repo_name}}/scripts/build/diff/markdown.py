# Do not edit: the template owns this file (make template-update brings its changes).
"""The review diff as Markdown: one collapsed ``<details>`` per pipeline, within a size budget.

Each changed pipeline gets a ``<details>`` whose ``<summary>`` is its summary line and whose
body is the full diff and the Mermaid picture. GitHub refuses a comment over 65,536
characters, so ``fit_review`` drops, in this order and saying so: pictures (from the last
pipeline up), then details (the summary line stays), then whole pipelines from the list.

The ``<summary>`` is HTML: there every value is escaped and set in ``<code>`` (no mention, link
or tag can come from a pipeline's names); the body is drawn by ``scripts.core.report``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from scripts.build.diff.document import pipeline_blocks, summary_parts
from scripts.build.diff.model import UNCHANGED, PipelineDiff
from scripts.build.diff.report import DiffReport
from scripts.core.report import Code, Inline, Link, Strong, inline_markdown, markdown_block

HOW_TO_SEE_ALL = "`make diff BASE=<base branch>` shows all of it"
STEP_SUMMARY_CHARS = 1_000_000  # GitHub takes at most 1 MiB of job summary from a step


def inline_html(part: Inline) -> str:
    """Inline parts as HTML, for places Markdown does not reach (``<summary>``)."""
    if isinstance(part, tuple):
        return "".join(inline_html(p) for p in part)
    if isinstance(part, Code):
        return f"<code>{html.escape(' '.join(str(part.text).split()))}</code>"
    if isinstance(part, Strong):
        return f"<b>{html.escape(part.text)}</b>"
    if isinstance(part, Link):
        return f'<a href="{html.escape(part.url)}">{html.escape(part.label)}</a>'
    return html.escape(str(part))


@dataclass(frozen=True)
class Fit:
    """How much of the diff is shown: pictures and details for the first so many pipelines,
    and how many pipelines are listed at all."""

    pictures: int
    details: int
    listed: int


def pipeline_markdown(pipeline: PipelineDiff, *, details: bool, picture: bool) -> str:
    title = (Strong(pipeline.selector), ": ", summary_parts(pipeline))
    blocks = pipeline_blocks(pipeline) if details else []
    drawn = picture and details and bool(pipeline.picture)
    if not blocks and not drawn:
        return f"- {inline_html(title)}\n"
    body = [markdown_block(block) for block in blocks]
    if drawn:
        body.append(f"```mermaid\n{pipeline.picture.rstrip()}\n```")
    inner = "\n\n".join(body)
    return f"<details><summary>{inline_html(title)}</summary>\n\n{inner}\n\n</details>\n"


def review_markdown(report: DiffReport, fit: Fit | None = None) -> str:
    """The whole diff as Markdown (a heading, then the pipelines), cut as ``fit`` says."""
    changed = report.changed
    fit = fit or Fit(len(changed), len(changed), len(changed))
    head = Code(report.head[:12]) if report.head else "the working tree"
    base = Code(report.base[:12]) if report.base else Code(report.base_ref)
    lines = [f"### Pipeline diff: {inline_markdown(base)} -> {inline_markdown(head)}", ""]
    if report.note:
        lines += [html.escape(report.note), ""]
    parts = [
        pipeline_markdown(p, details=i < fit.details, picture=i < fit.pictures)
        for i, p in enumerate(changed[: fit.listed])
    ]
    lines.append("".join(parts).rstrip("\n"))
    unchanged = [p for p in report.pipelines if p.status == UNCHANGED]
    if unchanged:
        names = ", ".join(inline_markdown(Code(p.selector)) for p in unchanged)
        lines += ["", f"No change to the compiled pipeline: {names}."]
    lines += _cut_notes(changed[: fit.listed], len(changed), fit)
    if not report.pipelines and not report.note:
        lines.append("No pipeline to compare.")
    return "\n".join(lines).rstrip("\n") + "\n"


def _cut_notes(listed: tuple[PipelineDiff, ...], total: int, fit: Fit) -> list[str]:
    notes = []
    pictures = sum(1 for i, p in enumerate(listed) if p.picture and i >= fit.pictures)
    if pictures:
        notes.append(f"pictures of {pictures} pipeline(s) left out")
    details = sum(1 for i, p in enumerate(listed) if pipeline_blocks(p) and i >= fit.details)
    if details:
        notes.append(f"the details of {details} pipeline(s) left out")
    if len(listed) < total:
        notes.append(f"{total - len(listed)} more pipeline(s) not listed")
    if not notes:
        return []
    cut = "; ".join(notes)
    return ["", f"<sub>To fit GitHub's size limit: {cut}. {HOW_TO_SEE_ALL}.</sub>"]


def report_markdown(report: DiffReport) -> str:
    """Everything, for ``diff --format markdown``."""
    return review_markdown(report)


def fit_review(report: DiffReport, budget: int) -> str:
    """The most of the diff that fits in ``budget`` characters: pictures go first, then the
    details, then pipelines from the end of the list (the shortest form always fits a sane
    budget: a heading and a note)."""
    total = len(report.changed)

    def size(fit: Fit) -> int:
        return len(review_markdown(report, fit))

    pictures = _most(total, lambda n: size(Fit(n, total, total)) <= budget)
    if pictures is not None:
        return review_markdown(report, Fit(pictures, total, total))
    details = _most(total, lambda n: size(Fit(0, n, total)) <= budget)
    if details is not None:
        return review_markdown(report, Fit(0, details, total))
    listed = _most(total, lambda n: size(Fit(0, 0, n)) <= budget) or 0
    return review_markdown(report, Fit(0, 0, listed))


def _most(limit: int, fits: Callable[[int], bool]) -> int | None:
    """The largest n in 0..limit with ``fits(n)`` (true for all smaller n), None if not 0."""
    if not fits(0):
        return None
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low
