# Do not edit: the template owns this file (make template-update brings its changes).
"""The template this repository was generated from: the version ``.cookiecutter.json`` records.

The template's post-generation step writes ``_template_version`` there, and a template update
(``make template-update``, cruft) changes it with the rest of the template's files, so it always
names the template release the repo's tooling came from. A repo generated before the template
had versions has no such key: that is "unknown", not an error.
"""

from __future__ import annotations

import json
from pathlib import Path

from scripts.core.errors import ConfigError
from scripts.repo.model import find_repo_root

ANSWERS_FILE = ".cookiecutter.json"
VERSION_KEY = "_template_version"


def template_version(root: Path) -> str | None:
    """The recorded template version, or None when the file or the key is missing."""
    path = root / ANSWERS_FILE
    if not path.is_file():
        return None
    try:
        answers = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(
            f"is not valid JSON ({error}) — restore it from git: template updates read it",
            path=ANSWERS_FILE,
        ) from error
    version = answers.get(VERSION_KEY) if isinstance(answers, dict) else None
    return version if isinstance(version, str) and version else None


def version_line(repo: Path | None = None) -> str:
    """What ``python -m scripts --version`` prints."""
    version = template_version(find_repo_root(repo))
    if version is None:
        return (
            f"template version unknown: {ANSWERS_FILE} records none (generated before the "
            "template had versions)"
        )
    return f"template version {version}"
