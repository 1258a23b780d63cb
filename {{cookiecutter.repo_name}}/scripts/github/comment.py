# Do not edit: the template owns this file (make template-update brings its changes).
"""The pull-request comment's Markdown: a publish report, safe to show and within GitHub's limit.

The comment is drawn from ``publish --summary-json`` read back as a ``PublishReport``. Every
string that came from a server or a pull request (names, versions, messages) is shown as code
(``scripts.core.report.Code``), so it cannot add mentions, links, images or HTML. The first line
is the hidden marker ``sticky_comment.py`` finds the comment by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scripts.build.diff.markdown import fit_review
from scripts.build.diff.model import SCHEMA as REVIEW_SCHEMA
from scripts.build.diff.report import DiffReport
from scripts.core.errors import ConfigError
from scripts.core.fileio import read_json
from scripts.core.report import (
    Code,
    Document,
    Link,
    Strong,
    Table,
    inline_markdown,
    joined,
    markdown_block,
    render_markdown,
)
from scripts.targets.publish.report import SUMMARY_SCHEMA, PublishReport

MARKER = "<!-- kfp-monorepo:publish-summary -->"
MAX_COMMENT_CHARS = 65536  # GitHub's limit on a comment body
MAX_MESSAGE_CHARS = 600  # one failure's message in the comment; the job log has all of it
MIN_REVIEW_CHARS = 2000  # the diff's room at least: a heading, summary lines, the cut note


def load_summary(path: Path) -> PublishReport:
    """The report ``publish --summary-json`` wrote; anything else is one configuration error."""
    document = read_json(
        path,
        missing="write it first with `publish --summary-json FILE`",
        malformed="not a JSON publish summary",
    )
    if not isinstance(document, dict) or document.get("schema") != SUMMARY_SCHEMA:
        raise ConfigError(
            f"not a publish summary of schema {SUMMARY_SCHEMA} — write it with "
            "`publish --summary-json FILE` from this repository's scripts",
            path=path,
        )
    for key in ("pipelines", "experiments"):
        if not isinstance(document.get(key, []), list):
            raise ConfigError(f'"{key}" must be a list', path=path)
    try:
        return PublishReport.from_json(document)
    except (KeyError, TypeError, AttributeError) as error:
        raise ConfigError(
            f"not a publish summary this tooling wrote ({type(error).__name__}: {error}) — "
            "write it with `publish --summary-json FILE`",
            path=path,
        ) from None


def load_review(path: Path) -> DiffReport:
    """The diff ``diff --format json --output FILE`` wrote; anything else is one error."""
    document = read_json(
        path,
        missing="write it first with `diff --format json --output FILE`",
        malformed="not a JSON pipeline diff",
    )
    if not isinstance(document, dict) or document.get("schema") != REVIEW_SCHEMA:
        raise ConfigError(
            f"not a pipeline diff of schema {REVIEW_SCHEMA} — write it with "
            "`diff --format json --output FILE` from this repository's scripts",
            path=path,
        )
    try:
        return DiffReport.from_json(document)
    except (KeyError, TypeError, AttributeError) as error:
        raise ConfigError(
            f"not a pipeline diff this tooling wrote ({type(error).__name__}: {error})", path=path
        ) from None


def _message(text: object) -> Code:
    """A free-text message (KFP's or a sync's answer) as code, cut to a readable length."""
    value = " ".join(str(text).split())
    if len(value) > MAX_MESSAGE_CHARS:
        value = value[: MAX_MESSAGE_CHARS - 1] + "…"
    return Code(value)


def _plain(text: object) -> str:
    """Our own words (a sync's kind) on one line, with no HTML."""
    value = " ".join(str(text).split())
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _status(status: str) -> str | Strong:
    return Strong(status) if status == "failed" else status


def _failures(report: PublishReport) -> list[str]:
    lines = []
    if report.error:  # nothing was published: the preflight stopped it
        lines.append(("- publish stopped: ", _message(report.error)))
    for p in report.pipelines:
        if p.status == "failed":
            where = (" (", Code(p.source), ")") if p.source else ""
            name = p.display_name or p.selector
            lines.append(("- ", Code(name), where, ": ", _message(p.message or "failed")))
    for e in report.experiments:
        if e.status == "failed":
            lines.append(("- experiment ", Code(e.name), ": ", _message(e.message or "failed")))
    for s in report.syncs:
        if s.status == "failed":
            message = _message(s.message or "failed")
            lines.append(("- ", _plain(s.kind), " ", Code(s.name), ": ", message))
    return [inline_markdown(line) for line in lines]


def render_comment(
    summary: PublishReport | Mapping[str, Any],
    *,
    run_url: str | None = None,
    max_chars: int = MAX_COMMENT_CHARS,
    review: DiffReport | None = None,
    sections: Sequence[Document] = (),
) -> str:
    """The comment's Markdown for a report (or its summary JSON); the marker first. Always
    within GitHub's limit (a longer body is refused, and the PR would get no comment at all).

    ``review`` adds the pipelines' diff (``diff --format json``), ``sections`` more sections
    drawn as they are (e.g. the schedules a merge would change), both after the publish result.
    The diff gets the room the rest leaves: its pictures go first, then its details
    (``scripts/build/diff/markdown.py``); then the pipeline table is cut, then the list of
    failures, each cut saying how many more the workflow run's summary has."""
    report = summary if isinstance(summary, PublishReport) else PublishReport.from_json(summary)
    failures = _failures(report)
    extra = "".join(render_markdown(section) + "\n" for section in sections)
    if review is not None:
        rest = _render(report, len(report.pipelines), failures, len(failures), run_url, extra)
        room = max_chars - len(rest) - 1
        extra = fit_review(review, max(room, MIN_REVIEW_CHARS)) + "\n" + extra

    def body(shown: int, shown_failures: int) -> str:
        return _render(report, shown, failures, shown_failures, run_url, extra)

    total = len(report.pipelines)
    shown = _most_that_fit(total, lambda n: len(body(n, len(failures))) <= max_chars)
    if shown is not None:
        return body(shown, len(failures))
    shown_failures = _most_that_fit(len(failures), lambda n: len(body(0, n)) <= max_chars)
    if shown_failures is not None:
        return body(0, shown_failures)
    # The fixed lines alone are too long (a vast experiment list): cut at a line, say so.
    note = "… cut to GitHub's comment size limit: see the workflow run's summary.\n"
    text = body(0, 0)
    return text[: text.rfind("\n", 0, max_chars - len(note)) + 1] + note


def _most_that_fit(limit: int, fits: Callable[[int], bool]) -> int | None:
    """The largest count in 0..limit for which `fits` holds (it holds for all smaller ones),
    or None when not even 0 fits."""
    if not fits(0):
        return None
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _document(report: PublishReport, shown: int) -> Document:
    """The comment without its failure list and footer: verdict, counts, pipelines, the rest."""
    verdict = "published" if report.ok else "publish failed"
    dry = " (dry run: nothing was written)" if report.dry_run else ""
    blocks: list = [
        (
            "Version ",
            Code(report.version),
            f" on {report.host}: {report.counts_line(by_name=True)}.",
        )
    ]
    if shown:
        rows = tuple(
            (
                Code(p.display_name or p.selector or p.name),
                _status(p.status),
                Code(p.version) if p.version else "",
                Link(p.link) if p.link else "",
            )
            for p in report.pipelines[:shown]
        )
        blocks.append(Table(("pipeline", "status", "version", "KFP UI"), rows))
    if len(report.pipelines) > shown:
        more = len(report.pipelines) - shown
        blocks.append(f"… and {more} more pipeline(s): see the workflow run's summary.")
    if report.experiments:
        listed = joined((Code(e.name), f" ({e.status})") for e in report.experiments)
        blocks.append((Strong("Experiments ensured:"), " ", listed))
    if report.syncs:
        listed = joined((_plain(s.kind), " ", Code(s.name), f" ({s.status})") for s in report.syncs)
        blocks.append((Strong("Synced:"), " ", listed))
    return Document(("KFP ", Code(report.environment), f": {verdict}{dry}"), tuple(blocks))


def _render(
    report: PublishReport, shown: int, failures, shown_failures: int, run_url, extra: str = ""
) -> str:
    document = _document(report, shown)
    lines = [MARKER, f"### {inline_markdown(document.heading)}", ""]
    for block in document.blocks:
        lines += [markdown_block(block), ""]
    if failures:
        lines += ["**Failures**", "", *failures[:shown_failures]]
        if len(failures) > shown_failures:
            more = len(failures) - shown_failures
            lines.append(f"- … and {more} more failure(s): see the workflow run's summary.")
        lines.append("")
    if extra:
        lines.append(extra)
    # Not "every push": a push that affects nothing publishes nothing and leaves this as it is.
    where = f"[this workflow run]({run_url})" if run_url else "the pull-request workflow"
    lines.append(
        f"<sub>Written by {where}; each later push that publishes updates it in place.</sub>"
    )
    return "\n".join(lines) + "\n"
