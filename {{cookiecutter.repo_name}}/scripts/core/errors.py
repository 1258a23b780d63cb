# Do not edit: the template owns this file (make template-update brings its changes).
"""The error family: every expected failure is one of these, with its exit code.

Exit codes follow the CLI contract: 1 means the checked thing failed (a bad manifest, a failed
upload), 2 means the command could not run as asked (bad flags, missing configuration, a git
reference that does not exist). Anything else is a bug and gets a traceback under --debug.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about one place in the repo: rendered as ``path[:line]: message``."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}" if where else f"{prefix}{self.message}"


class ScriptError(Exception):
    """Base of every expected failure. ``str(error)`` is the one line shown to the user."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def problems(self) -> list[Problem]:
        return [Problem(self.path or "", self.line, self.message)]

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems())


class UsageError(ScriptError):
    """The command line asks for something impossible (unknown selector, conflicting flags)."""

    exit_code = 2


class ConfigError(ScriptError):
    """Configuration is missing or malformed (environments.yml, pyproject.toml, git refs)."""

    exit_code = 2


class CheckFailed(ScriptError):
    """The thing being checked is wrong (a stale CODEOWNERS, an invalid manifest)."""

    exit_code = 1


class RemoteError(ScriptError):
    """A remote side effect failed (KFP, registry, Polyaxon, GitHub)."""

    exit_code = 1


class ProblemsFound(CheckFailed):
    """Several problems found in one pass: all of them are reported, not just the first."""

    def __init__(self, problems: list[Problem]):
        self._problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        super().__init__(f"{len(self._problems)} problem(s) found")

    def problems(self) -> list[Problem]:
        return list(self._problems)
