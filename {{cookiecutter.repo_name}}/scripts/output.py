"""Everything the commands show: problems on stderr, GitHub annotations, step summaries, JSON.

Output rules from the CLI contract: problems are one line each (``path[:line]: message``) on
stderr; with ``--format json`` stdout carries the JSON document and nothing else; inside GitHub
Actions problems are also annotations and a Markdown summary goes to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from scripts.errors import ConfigError, Problem


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _escape_annotation(text: str, *, property_value: bool = False) -> str:
    """Escape per the workflow-command rules so a message cannot end or forge a command."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(problem: Problem) -> str:
    kind = "warning" if problem.severity == "warning" else "error"
    properties = []
    if problem.path:
        properties.append(f"file={_escape_annotation(problem.path, property_value=True)}")
    if problem.line is not None:
        properties.append(f"line={problem.line}")
    head = f"::{kind} {','.join(properties)}" if properties else f"::{kind}"
    return f"{head}::{_escape_annotation(problem.message)}"


class Reporter:
    """Writes problems and progress for people (stderr) and for GitHub Actions."""

    def __init__(self, stream: TextIO | None = None, *, github: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.github = in_github_actions() if github is None else github

    def problem(self, problem: Problem) -> None:
        print(str(problem), file=self.stream)
        if self.github:
            print(github_annotation(problem), file=self.stream)

    def problems(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.problem(problem)

    def info(self, message: str) -> None:
        print(message, file=self.stream)


def print_json(document: Any, stream: TextIO | None = None) -> None:
    """The machine-readable result: one JSON document, sorted keys, on stdout."""
    json.dump(document, stream or sys.stdout, indent=2, sort_keys=True)
    (stream or sys.stdout).write("\n")


def write_step_summary(markdown: str) -> None:
    """Append Markdown to the job summary when running in GitHub Actions; otherwise nothing."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path and in_github_actions():
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(markdown.rstrip("\n") + "\n")


def set_github_outputs(outputs: dict[str, str]) -> None:
    """Append step outputs to ``$GITHUB_OUTPUT``, all at once.

    Every value uses the ``name<<DELIMITER`` form with a random delimiter, so a value with
    newlines (or one that looks like ``name=value``) cannot end early or forge another output.
    """
    import secrets

    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        raise ConfigError(
            "--format github needs $GITHUB_OUTPUT (set by GitHub Actions) — use --format json "
            "or text outside Actions"
        )
    chunks = []
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with open(path, "a", encoding="utf-8") as file:
        file.write("".join(chunks))


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


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
