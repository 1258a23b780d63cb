"""Check that a tag can be released: run by the release workflow on every `v*` tag push.

    python tools/check_release.py TAG [--notes FILE]

A release tag is `v<version>`, where <version> is cookiecutter.json's `__template_version`
(the version generated repositories record), and CHANGELOG.md has a dated section for it,
`## [<version>] - YYYY-MM-DD`, that says something. Each problem is one line on stderr; exit 1.
`--notes FILE` writes the section's text there, for the GitHub release.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?[ \t]*$", re.MULTILINE)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def changelog_sections(text: str) -> dict[str, tuple[str | None, str]]:
    """Each `## [version] - date` section: version -> (date, body)."""
    matches = list(SECTION.finditer(text))
    sections = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        sections[match["version"]] = (match["date"], text[match.end() : end].strip())
    return sections


def problems(tag: str, template: Path = TEMPLATE) -> tuple[list[str], str]:
    """What stops ``tag`` from being released (empty when nothing does), and its notes."""
    version = json.loads((template / "cookiecutter.json").read_text("utf-8"))["__template_version"]
    found = []
    if not re.fullmatch("v" + SEMVER, tag):
        found.append(f"tag {tag!r} is not a release tag — name it v<major>.<minor>.<patch>")
    elif tag != f"v{version}":
        found.append(
            f"tag {tag} does not match cookiecutter.json's __template_version {version} — set "
            "the version there (the one generated repos record) and tag that commit"
        )
    wanted = tag.removeprefix("v")
    date, notes = changelog_sections((template / "CHANGELOG.md").read_text("utf-8")).get(
        wanted, (None, None)
    )
    if notes is None:
        found.append(
            f"CHANGELOG.md has no section for {wanted} — add '## [{wanted}] - YYYY-MM-DD' "
            "with what changed"
        )
    elif not date or not DATE.match(date):
        found.append(f"CHANGELOG.md: the {wanted} section has no date (YYYY-MM-DD)")
    elif not notes:
        found.append(f"CHANGELOG.md: the {wanted} section is empty — say what changed")
    return found, notes or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--notes", type=Path, help="write the changelog section here")
    args = parser.parse_args(argv)
    found, notes = problems(args.tag)
    for problem in found:
        print(f"ERROR: {problem}", file=sys.stderr)
    if found:
        return 1
    if args.notes:
        args.notes.write_text(notes + "\n", encoding="utf-8")
    print(f"{args.tag}: cookiecutter.json and CHANGELOG.md agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
