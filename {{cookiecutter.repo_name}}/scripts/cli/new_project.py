# Do not edit: the template owns this file (make template-update brings its changes).
"""``python -m scripts new-project NAME --owner HANDLE [--owner ...] [--experiment NAME ...]``."""

from __future__ import annotations

import argparse

from scripts.repo.model import Repo

HELP = (
    "Create a project: projects/NAME.yml, pipelines/NAME/ with an example pipeline, its test, "
    "and the updated .github/CODEOWNERS. Refuses (exit 1, nothing written) when NAME is "
    "invalid or taken."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="project name, e.g. price-suggestion")
    parser.add_argument(
        "--owner",
        dest="owners",
        action="append",
        required=True,
        metavar="HANDLE",
        help="GitHub @user or @org/team that owns the project (repeat for several)",
    )
    parser.add_argument(
        "--experiment",
        dest="experiments",
        action="append",
        metavar="NAME",
        help="a KFP experiment of the project (repeat for several; default: Default)",
    )
    parser.add_argument("--description", help="one sentence on what the project does")


def run(args: argparse.Namespace) -> int:
    from scripts.repo.scaffold import new_project

    written = new_project(
        Repo.discover(args.repo),
        args.name,
        owners=args.owners,
        experiments=args.experiments,
        description=args.description,
    )
    print(f"created project {args.name}:")
    for path in written:
        print(f"  {path}")
    print(
        "next: edit the manifest and the example pipeline, then run `make validate` and "
        f"`python -m pytest {written[2]}`; commit all of the files above"
    )
    return 0
