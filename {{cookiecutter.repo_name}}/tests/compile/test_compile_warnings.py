"""``compile``'s warnings: an overridden ``@dsl.pipeline(name=...)`` and the Python warnings of
the pipelines' code, each one line ``path:line: warning: ...`` on stderr, never mixed into an
error line; and the one line of a compile with nothing to do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.build.compile import PIPELINES_PER_WORKER, compile_one
from scripts.build.index import CompiledPipeline
from scripts.cli import main as cli
from scripts.repo.model import pipeline_from_path
from tests.helpers.pipeline_repos import make_pipeline_repo

NAMED = '''\
"""A pipeline whose decorator names it."""

from kfp import dsl

from ._helpers import say

NAME = "computed-name"


@dsl.pipeline(
    description="says hi",
    name={name},
)
def score(message: str = "hi"):
    say(message=message)
'''

NO_BASE_IMAGE = """\
from kfp import dsl


@dsl.component
def shout(text: str) -> str:
    return text.upper()


@dsl.pipeline
def score(text: str = "hi"):
    shout(text=text)
"""


def compile_cli(root: Path, *args: str, python_options: tuple[str, ...] = ()):
    """``python [python_options] -m scripts compile --repo root args`` in its own process."""
    return subprocess.run(
        [sys.executable, *python_options, "-m", "scripts", "compile", "--repo", str(root), *args],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def warnings_of(repo, relative: str) -> list[str]:
    result = compile_one(repo.path, repo.path / "build", pipeline_from_path(relative))
    assert isinstance(result, CompiledPipeline), result
    return [str(warning) for warning in result.warnings]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ('"my-score"', "name='my-score'"),
        ('"My Score"', "name='My Score'"),
        ("NAME", "name='computed-name'"),
    ],
    ids=["literal", "renamed-by-kfp", "computed"],
)
def test_an_overridden_name_is_one_warning_at_its_line(pipeline_repo, name, expected):
    pipeline_repo.write("pipelines/alpha/score.py", NAMED.format(name=name))
    assert warnings_of(pipeline_repo, "pipelines/alpha/score.py") == [
        f"pipelines/alpha/score.py:12: warning: @dsl.pipeline({expected}) is overridden: this "
        "repo names a pipeline after its path, here 'alpha-score' (display name 'alpha/score') "
        "on KFP — remove name= from the decorator (rename the module to rename the pipeline)"
    ]


def test_a_name_and_a_display_name_make_one_warning(pipeline_repo):
    source = NAMED.format(name='"x"').replace('    name="x",\n', '    name="x", display_name="X"\n')
    pipeline_repo.write("pipelines/alpha/score.py", source)
    (warning,) = warnings_of(pipeline_repo, "pipelines/alpha/score.py")
    assert warning.startswith(
        "pipelines/alpha/score.py:12: warning: @dsl.pipeline(name='x', display_name='X') is "
        "overridden: "
    )
    assert warning.endswith(
        "— remove name= and display_name= from the decorator (rename the "
        "module to rename the pipeline)"
    )


@pytest.mark.parametrize(
    "decorator",
    ['name="alpha-score"', 'name="alpha-score", display_name="alpha/score"', ""],
    ids=["same-name", "same-names", "none"],
)
def test_names_that_agree_with_the_repo_are_no_warning(pipeline_repo, decorator):
    source = NAMED.format(name='"x"').replace('    name="x",\n', f"    {decorator}\n")
    pipeline_repo.write("pipelines/alpha/score.py", source)
    assert warnings_of(pipeline_repo, "pipelines/alpha/score.py") == []


def test_the_cli_prints_each_warning_once_beside_the_compiled_lines(pipeline_repo):
    pipeline_repo.write("pipelines/alpha/score.py", NAMED.format(name='"my-score"'))
    result = compile_cli(pipeline_repo.path, "--all")
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("pipelines/alpha/score.py:12: warning: @dsl.pipeline(name='my-score')")
    assert result.stdout.splitlines()[-1] == "3 compiled, 0 failed; index: build/compile.json"
    index = json.loads((pipeline_repo.path / "build/compile.json").read_text("utf-8"))
    assert "warnings" not in index and all("warnings" not in row for row in index["pipelines"])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_python_warning_is_one_line_with_its_place(tmp_path, jobs):
    """Also from forked compile workers (enough pipelines for two workers, on two cores)."""
    count = 2 * PIPELINES_PER_WORKER
    repo = make_pipeline_repo(tmp_path / "many", {"p": [f"pipe_{i:02d}" for i in range(count)]})
    repo.write("pipelines/p/pipe_07.py", NO_BASE_IMAGE.replace("def score", "def pipe_07"))
    result = compile_cli(repo.path, "--all", "--jobs", jobs)
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "pipelines/p/pipe_07.py:4: warning: FutureWarning: The default base_image used by the "
        "@dsl.component decorator will switch"
    )
    assert line.endswith(
        "— pass base_image=BASE_IMAGE, packages_to_install=PACKAGES from the components "
        "package's images.py (README: Add a component)"
    )


def test_a_warning_made_an_error_is_one_error_line(pipeline_repo):
    pipeline_repo.write("pipelines/alpha/score.py", NO_BASE_IMAGE)
    result = compile_cli(pipeline_repo.path, "--all", python_options=("-W", "error::FutureWarning"))
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "pipelines/alpha/score.py:4: cannot import the pipeline module: FutureWarning: The "
        "default base_image"
    )


def test_the_warnings_of_a_failed_pipeline_come_before_its_error(pipeline_repo):
    pipeline_repo.write(
        "pipelines/alpha/score.py", NO_BASE_IMAGE + "\nraise RuntimeError('broken after')\n"
    )
    result = compile_cli(pipeline_repo.path, "alpha/score")
    assert result.returncode == 1
    warning, error = result.stderr.splitlines()
    assert warning.startswith("pipelines/alpha/score.py:4: warning: FutureWarning: ")
    assert error == (
        "pipelines/alpha/score.py:13: cannot import the pipeline module: RuntimeError: broken after"
    )


def test_nothing_to_compile_is_one_line(pipeline_repo, capsys):
    arguments = ["compile", "--repo", str(pipeline_repo.path), "--changed", "--base", "HEAD"]
    assert cli.main(arguments) == 0
    captured = capsys.readouterr()
    assert captured.out == "nothing to compile; index: build/compile.json\n"
    assert captured.err == ""
