# Do not edit: the template owns this file (make template-update brings its changes).
"""``python -m scripts codeowners [--check]``."""

from __future__ import annotations

import argparse

from scripts.core.errors import CheckFailed
from scripts.repo.model import Repo

HELP = (
    "Write .github/CODEOWNERS from the project manifests' owners. With --check, write nothing: "
    "print a diff and exit 1 when the committed file is stale (CI runs this)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a unified diff when .github/CODEOWNERS is stale",
    )


def run(args: argparse.Namespace) -> int:
    from scripts.repo.codeowners import CODEOWNERS_PATH, stale_diff, write_codeowners

    repo = Repo.discover(args.repo)
    if args.check:
        diff = stale_diff(repo)
        if diff:
            print(diff, end="")
            raise CheckFailed(
                "stale: it does not match the manifests — run `python -m scripts codeowners` "
                "(make codeowners) and commit the result",
                path=CODEOWNERS_PATH,
            )
        print(f"{CODEOWNERS_PATH} is up to date")
        return 0
    write_codeowners(repo.root, validate=True)
    print(f"wrote {CODEOWNERS_PATH}")
    return 0
