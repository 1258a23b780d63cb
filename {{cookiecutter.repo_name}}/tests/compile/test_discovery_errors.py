"""Where a failing pipeline module is reported: the user's file and line, never a frame of an
installed package, even when the virtualenv lives inside the checkout."""

from __future__ import annotations

import pytest

from scripts.build.discovery import DiscoveryError, discover
from scripts.repo.model import pipeline_from_path
from tests.helpers.git_repos import GitRepo

INSTALLED = """\
def check(value):
    raise ValueError(f"bad value {value!r}")
"""

USES_INSTALLED = """\
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / ".venv" / "lib" / "site-packages"))

import badlib  # noqa: E402

from kfp import dsl  # noqa: E402

badlib.check(3)


@dsl.pipeline
def uses_installed(x: int = 1):
    pass
"""

HELPER = """\
def columns():
    return [][0]
"""

USES_HELPER = """\
from kfp import dsl

from ._features import columns

COLUMNS = columns()


@dsl.pipeline
def uses_helper(x: int = 1):
    pass
"""


def failure(root, path: str) -> str:
    with pytest.raises(DiscoveryError) as caught:
        discover(root, pipeline_from_path(path))
    return str(caught.value)


def test_an_error_inside_an_installed_package_points_at_the_users_line(pipeline_repo: GitRepo):
    pipeline_repo.write(".venv/lib/site-packages/badlib.py", INSTALLED)
    pipeline_repo.write("pipelines/alpha/uses_installed.py", USES_INSTALLED)
    message = failure(pipeline_repo.path, "pipelines/alpha/uses_installed.py")
    assert message == (
        "pipelines/alpha/uses_installed.py:10: cannot import the pipeline module: "
        "ValueError: bad value 3"
    )


def test_an_error_in_a_repo_helper_names_the_helper_too(pipeline_repo: GitRepo):
    pipeline_repo.write("pipelines/alpha/_features.py", HELPER)
    pipeline_repo.write("pipelines/alpha/uses_helper.py", USES_HELPER)
    message = failure(pipeline_repo.path, "pipelines/alpha/uses_helper.py")
    assert message == (
        "pipelines/alpha/uses_helper.py:5: cannot import the pipeline module: "
        "IndexError: list index out of range (raised at pipelines/alpha/_features.py:2)"
    )
