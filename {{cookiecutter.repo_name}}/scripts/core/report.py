# Do not edit: the template owns this file (make template-update brings its changes).
"""One result model for what a command did, and one renderer for every format.

A command's result (``PublishReport``, ``ImagesReport``, ``ChangeSet``, ...) is a typed object
with ``to_json()`` (the ``--format json`` document and any summary file) and ``document()``: what
it says to people, as a ``Document`` of paragraphs, lists and tables made of inline parts. This
module draws a document as plain text (terminals, CI logs) or as Markdown (the job summary, the
pull-request comment), so every command looks the same in each place and the rules for
neutralising untrusted text in Markdown live once, in ``Code``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from scripts.core.output import print_json


@dataclass(frozen=True)
class Code:
    """Text shown as written: in Markdown a code span, so whatever it holds (HTML, links,
    images, @mentions, pipes, backticks from a server's answer) does nothing."""

    text: object


@dataclass(frozen=True)
class Link:
    """A URL: the address itself in text, ``[label](url)`` in Markdown."""

    url: str
    label: str = "open"


@dataclass(frozen=True)
class Strong:
    text: str


# One inline part, or several drawn one after the other.
Inline = str | Code | Link | Strong | tuple["Inline", ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Bullets:
    """A titled list whose items may have sub-items (e.g. a pipeline and its reasons)."""

    title: Inline
    items: tuple[tuple[Inline, tuple[Inline, ...]], ...]


Block = Inline | Table | Bullets


@dataclass(frozen=True)
class Document:
    """``heading`` titles the Markdown (text output leaves it out: the terminal shows which
    command ran); ``blocks`` are drawn in order in every format."""

    heading: Inline
    blocks: tuple[Block, ...]


class Report(Protocol):
    """What every command result offers its renderers."""

    def to_json(self) -> dict[str, Any]: ...

    def document(self) -> Document: ...


@dataclass
class SyncResult:
    """One row of a side effect on a system beside KFP (e.g. a Polyaxon project)."""

    kind: str
    name: str
    status: str
    link: str | None = None
    message: str = ""


def joined(parts: Iterable[Inline], separator: str = ", ") -> Inline:
    """Inline parts with ``separator`` between them."""
    out: list[Inline] = []
    for part in parts:
        if out:
            out.append(separator)
        out.append(part)
    return tuple(out)


def count_phrase(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# -- text ---------------------------------------------------------------------------------------


def inline_text(part: Inline) -> str:
    if isinstance(part, tuple):
        return "".join(inline_text(p) for p in part)
    if isinstance(part, Code):
        return str(part.text)
    if isinstance(part, Link):
        return part.url
    if isinstance(part, Strong):
        return part.text
    return str(part)


def text_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain aligned table for terminals and CI logs."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_text(document: Document) -> str:
    lines = []
    for block in document.blocks:
        if isinstance(block, Table):
            rows = [[inline_text(cell) for cell in row] for row in block.rows]
            lines.append(text_table([h.upper() for h in block.headers], rows))
        elif isinstance(block, Bullets):
            lines.append(inline_text(block.title))
            for item, children in block.items:
                lines.append(f"  {inline_text(item)}")
                lines += [f"    - {inline_text(child)}" for child in children]
        else:
            lines.append(inline_text(block))
    return "\n".join(lines)


# -- Markdown -----------------------------------------------------------------------------------


def code_span(text: object) -> str:
    """An inline code span that the text cannot close early: the fence is longer than any
    backtick run inside it."""
    value = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def inline_markdown(part: Inline) -> str:
    if isinstance(part, tuple):
        return "".join(inline_markdown(p) for p in part)
    if isinstance(part, Code):
        return code_span(part.text)
    if isinstance(part, Link):
        return f"[{part.label}]({part.url})"
    if isinstance(part, Strong):
        return f"**{part.text}**"
    return str(part)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_block(block: Block) -> str:
    if isinstance(block, Table):
        rows = [[inline_markdown(cell) for cell in row] for row in block.rows]
        return markdown_table(block.headers, rows)
    if isinstance(block, Bullets):
        lines = [inline_markdown(block.title), ""]
        for item, children in block.items:
            lines.append(f"- {inline_markdown(item)}")
            lines += [f"  - {inline_markdown(child)}" for child in children]
        return "\n".join(lines)
    return inline_markdown(block)


def render_markdown(document: Document) -> str:
    parts = [f"### {inline_markdown(document.heading)}"]
    parts += [markdown_block(block) for block in document.blocks]
    return "\n\n".join(parts) + "\n"


# -- one entry point for the commands -----------------------------------------------------------


def emit(report: Report, output_format: str, stream: TextIO | None = None) -> None:
    """The result on stdout: the JSON document alone with ``json``, else the text rendering."""
    if output_format == "json":
        print_json(report.to_json(), stream)
    else:
        print(render_text(report.document()), file=stream or sys.stdout)
