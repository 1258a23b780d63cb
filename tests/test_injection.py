"""Free-text answers are data: quotes, backslashes, newlines and template braces render
safely everywhere they appear.

Answers typed at the prompts are taken literally; answers passed with --no-input are rendered
by cookiecutter itself first (its own behaviour, before any file of ours), so titles with
template braces are tested the way a person enters them: typed at the prompt.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import COOKIECUTTER_JSON, TEMPLATE, bake_ok

NASTY_TITLES = {
    "quotes": 'Acme\'s "ML" Pipelines',
    "backslashes": "Acme \\ ML \\n Pipelines \\",
    "newline": "Acme ML\nPipelines",
    "jinja": "Acme {{ cookiecutter.repo_name }} {% raw %} Pipelines",
    "actions-expression": "Acme ${{ secrets.KFP_TOKEN }} Pipelines",
    "toml-breaker": "Acme \"\"\" ''' ] [ = Pipelines",
}


# One prompt per answer cookiecutter asks for (keys without a leading underscore).
PROMPT_COUNT = len([key for key in COOKIECUTTER_JSON if not key.startswith("_")])


def bake_typed(out_dir: Path, title: str) -> Path:
    """Run cookiecutter interactively, typing the title and accepting every other default."""
    answers = title + "\n" + "\n" * (PROMPT_COUNT - 1)
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "-o", str(out_dir), str(TEMPLATE)],
        input=answers,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (root,) = out_dir.iterdir()
    return root


@pytest.mark.parametrize("title", NASTY_TITLES.values(), ids=NASTY_TITLES)
def test_nasty_title_renders_as_data(cookies, tmp_path, title):
    if "\n" in title:  # a prompt cannot take a newline; --no-input can
        root = bake_ok(cookies, {"project_name": title, "repo_name": "acme-ml-pipelines"})
    else:
        root = bake_typed(tmp_path / "out", title)
    one_line = " ".join(title.splitlines())

    pyproject = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["description"] == one_line

    answers = json.loads((root / ".cookiecutter.json").read_text("utf-8"))
    assert answers["project_name"] == title

    readme = (root / "README.md").read_text("utf-8")
    assert readme.splitlines()[0] == f"# {one_line}"

    for path in root.rglob("*"):
        if path.suffix in (".yml", ".yaml"):
            yaml.safe_load(path.read_text("utf-8"))
        if ".github" in path.parts and path.is_file():
            assert "secrets.KFP_TOKEN }} Pipelines" not in path.read_text("utf-8")

    # The generated Python never carries the title, and still imports cleanly.
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "--help"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not [p for p in Path(root).rglob("*.py") if one_line in p.read_text("utf-8")]
