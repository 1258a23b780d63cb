# Do not edit: the template owns this file (make template-update brings its changes).
"""What the commands show: problems on stderr (and as GitHub annotations), JSON, tables.

Output rules from the CLI contract: problems are one line each (``path[:line]: message``) on
stderr; with ``--format json`` stdout carries the JSON document and nothing else; inside GitHub
Actions problems are also annotations (the job summary is ``scripts/core/actions.py``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from scripts.core.actions import ActionsContext
from scripts.core.errors import Problem


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
        self.github = ActionsContext.from_environ().running if github is None else github

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
