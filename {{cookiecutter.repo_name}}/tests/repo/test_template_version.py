"""``python -m scripts --version``: the template release recorded in ``.cookiecutter.json``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from scripts.cli import main as cli
from scripts.repo.template import template_version
from tests.helpers.git_repos import REPO_ROOT

SETTINGS = '[project]\nname = "x"\n\n[tool.kfp-monorepo]\ncomponents-package = "x"\n'


def mini_repo(tmp_path: Path, answers: str | None) -> Path:
    (tmp_path / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    if answers is not None:
        (tmp_path / ".cookiecutter.json").write_text(answers, encoding="utf-8")
    return tmp_path


def test_this_repo_records_a_release_version_and_the_cli_prints_it():
    recorded = json.loads((REPO_ROOT / ".cookiecutter.json").read_text("utf-8"))
    version = recorded["_template_version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "--version"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"template version {version}\n",
        "",
    )


def test_repo_option_before_version_names_the_repo(tmp_path, capsys):
    repo = mini_repo(tmp_path, '{"_template_version": "9.8.7", "repo_name": "x"}')
    assert cli.main(["--repo", str(repo), "--version"]) == 0
    assert capsys.readouterr().out == "template version 9.8.7\n"


def test_a_repo_generated_before_versions_says_unknown(tmp_path, capsys):
    repo = mini_repo(tmp_path, '{"repo_name": "x"}')
    assert template_version(repo) is None
    assert cli.main(["--repo", str(repo), "--version"]) == 0
    assert capsys.readouterr().out.startswith("template version unknown: .cookiecutter.json")
    (repo / ".cookiecutter.json").unlink()  # no answers file at all: unknown too
    assert template_version(repo) is None


def test_a_broken_answers_file_is_one_line_and_exit_2(tmp_path, capsys):
    repo = mini_repo(tmp_path, "{not json")
    assert cli.main(["--repo", str(repo), "--version"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(".cookiecutter.json: is not valid JSON (")
    assert "Traceback" not in captured.err and len(captured.err.splitlines()) == 1


def test_outside_a_repo_is_a_configuration_error(tmp_path, capsys):
    assert cli.main(["--repo", str(tmp_path), "--version"]) == 2
    assert "not inside the monorepo" in capsys.readouterr().err
