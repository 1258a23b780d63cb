"""The program inside the hello-echo image: writes "Hello, <name>!" where KFP asks.

KFP passes the output parameter's file path (``{outputPath: greeting}`` in component.yaml); the
program must create the file, and its parent folder, itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def greeting(name: str) -> str:
    return f"Hello, {name}!"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="who to greet")
    parser.add_argument(
        "--greeting-path", required=True, type=Path, help="file to write the greeting to"
    )
    args = parser.parse_args(argv)
    text = greeting(args.name)
    args.greeting_path.parent.mkdir(parents=True, exist_ok=True)
    args.greeting_path.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
