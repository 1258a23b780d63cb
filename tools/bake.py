"""Bake the template into a folder: the developers' loop and the demo's first step.

    python tools/bake.py OUT_DIR [--polyaxon] [--mlflow] [--no-example] [--git]

Prints the path of the generated repository. With --git it also becomes a git repository
with one commit on main (fixed author and date, so SHAs are reproducible).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parent.parent
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Demo Engineer",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo Engineer",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
}


def bake(out_dir: Path, extra_context: dict | None = None) -> Path:
    """Generate the repo with defaults (plus ``extra_context``) into ``out_dir``, replacing
    a previous bake of the same name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(out_dir),
            extra_context=extra_context or {},
            overwrite_if_exists=False,
        )
    )


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def init_git(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Initial commit from the KFP monorepo template")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--polyaxon", action="store_true", help="include_polyaxon=true")
    parser.add_argument("--mlflow", action="store_true", help="include_mlflow=true")
    parser.add_argument("--no-example", action="store_true", help="include_example_project=false")
    parser.add_argument("--git", action="store_true", help="make it a git repo with one commit")
    args = parser.parse_args(argv)
    context = {
        "include_polyaxon": args.polyaxon,
        "include_mlflow": args.mlflow,
        "include_example_project": not args.no_example,
    }
    target = args.out_dir / "acme-ml-pipelines"
    if target.exists():
        shutil.rmtree(target)
    repo = bake(args.out_dir, context)
    if args.git:
        init_git(repo)
    print(repo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
