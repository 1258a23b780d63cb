# Do not edit: the template owns this file (make template-update brings its changes).
"""The ``--all | --changed --base REF | NAME...`` choice shared by commands that act on a set.

``compile`` and ``images`` both ask the user to say exactly which things to act on; the flags,
their rules and their error lines live here so the commands cannot drift apart. What "all",
"changed" and the names mean stays with each command.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from scripts.core.errors import UsageError

ALL, CHANGED, NAMES = "all", "changed", "names"


@dataclass(frozen=True)
class Selection:
    """One command's selection flags: ``dest``/``metavar`` of the positional names, the
    ``verb`` and ``label`` of its usage error ("say what to <verb>: ... one or more <label>")."""

    dest: str
    metavar: str
    verb: str
    label: str

    def add_arguments(
        self,
        parser: argparse.ArgumentParser,
        *,
        names_help: str,
        all_help: str,
        changed_help: str,
        base_help: str = "base git reference for --changed",
    ) -> None:
        parser.add_argument(self.dest, nargs="*", metavar=self.metavar, help=names_help)
        parser.add_argument("--all", action="store_true", help=all_help)
        parser.add_argument("--changed", action="store_true", help=changed_help)
        parser.add_argument("--base", metavar="REF", help=base_help)

    def names(self, args: argparse.Namespace) -> list[str]:
        return getattr(args, self.dest)

    def mode(self, args: argparse.Namespace) -> str:
        """ALL, CHANGED or NAMES; a UsageError unless exactly one was asked for, and --base
        goes with --changed (both ways)."""
        asked = [
            mode
            for mode, given in ((ALL, args.all), (CHANGED, args.changed), (NAMES, self.names(args)))
            if given
        ]
        if len(asked) != 1:
            raise UsageError(
                f"say what to {self.verb}: --all, --changed --base REF, or one or more "
                f"{self.label} (exactly one of these)"
            )
        if args.base and not args.changed:
            raise UsageError("--base only goes with --changed")
        if args.changed and not args.base:
            raise UsageError("--changed needs --base REF (e.g. --base origin/main)")
        return asked[0]
