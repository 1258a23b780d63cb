# Do not edit: the template owns this file (make template-update brings its changes).
"""The reply comments of pull-request commands, as Markdown.

Whatever came from the comment or a server (a pipeline name, a parameter, a run name, an error
from KFP) is shown in code spans (``Code``), so it cannot become a link, an image, an HTML tag
or an @mention in the reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from scripts.core.durations import format_duration
from scripts.core.report import Code, Document, Link, Strong, Table, joined, render_markdown
from scripts.github.pr_commands.grammar import USAGE

MARKER = "<!-- kfp-monorepo pr-command -->"


def _usage_block() -> str:
    return "```\n" + "\n".join(USAGE) + "\n```"


def _body(document: Document, *extra: str) -> str:
    return "\n\n".join([MARKER + "\n" + render_markdown(document).rstrip(), *extra]) + "\n"


def help_reply(login: str) -> str:
    document = Document(
        "KFP commands",
        (
            f"@{login}, on this pull request people with write access can:",
            "- `/kfp run <project>/<pipeline>`: run on dev the version this pull request "
            "uploaded (`<branch>-<sha8>` of its head); `--no-cache` turns caching off in every "
            "task, `--param NAME=VALUE` (repeatable) sets a pipeline parameter, `--experiment "
            "NAME` picks a manifest experiment (default `Default`; quote names with spaces: "
            '`"A B"`).',
            "- `/kfp runs`: the runs started from this pull request, their state and duration.",
            "- `/kfp help`: this message.",
        ),
    )
    return _body(document, _usage_block())


def refusal(login: str, reason: str, *, usage: bool = False) -> str:
    """A command that does nothing: why, and (for a malformed one) how to write it."""
    blocks = (f"@{login}, nothing was started.", ("Reason: ", Code(reason)))
    document = Document("KFP command refused", blocks)
    return _body(document, _usage_block()) if usage else _body(document)


def started_reply(
    login: str,
    *,
    selector: str,
    version: str,
    experiment: str,
    link: str,
    arguments: dict,
    no_cache: bool,
) -> str:
    parameters = joined(Code(f"{k}={v!r}") for k, v in sorted(arguments.items())) or "defaults"
    document = Document(
        "KFP run started",
        (
            (f"@{login}, ", Strong("started"), " ", Code(selector), " version ", Code(version)),
            Table(
                ("experiment", "cache", "parameters", "run"),
                (
                    (
                        Code(experiment),
                        "off (every task)" if no_cache else "as compiled",
                        parameters,
                        Link(link),
                    ),
                ),
            ),
            "`/kfp runs` lists the runs of this pull request.",
        ),
    )
    return _body(document)


def runs_reply(login: str, rows: Sequence, *, now: datetime | None = None) -> str:
    """``rows``: ``scripts.targets.kfp.pr_runs.PrRun`` values, newest first."""
    now = now or datetime.now(UTC)
    if not rows:
        document = Document(
            "KFP runs of this pull request",
            (f"@{login}, no run was started from this pull request yet: try `/kfp run`.",),
        )
        return _body(document)
    table = Table(
        ("pipeline", "version", "state", "started", "duration", "run"),
        tuple(
            (
                Code(row.pipeline),
                Code(row.version),
                Code(row.state),
                row.created_at.strftime("%Y-%m-%d %H:%M UTC") if row.created_at else "",
                _duration(row, now),
                Link(row.link),
            )
            for row in rows
        ),
    )
    heading = f"@{login}, {len(rows)} run{'s' if len(rows) != 1 else ''} from this pull request:"
    return _body(Document("KFP runs of this pull request", (heading, table)))


def _duration(row, now: datetime) -> str:
    if row.created_at is None:
        return ""
    end = row.finished_at or now
    text = format_duration(end - row.created_at)
    return text if row.finished_at else f"{text} so far"
