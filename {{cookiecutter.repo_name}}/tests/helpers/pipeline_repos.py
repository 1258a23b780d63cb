"""Small monorepos with real pipeline modules, for compile and publish tests.

Each is a real git repository (fixed author and dates) holding only what compile and publish
read: pyproject.toml's settings table, environments.yml, project manifests and pipeline modules.
The pipelines use one lightweight component defined next to them, so the tests do not depend on
the shared component package's contents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.git_repos import GitRepo, init_repo

PYPROJECT = """\
[project]
name = "test-monorepo"
version = "0.0.0"

[tool.kfp-monorepo]
components-package = "acme_components"
platform-team = "@acme/platform"
"""

ENVIRONMENTS = """\
environments:
  dev:
    kfp_host: "http://127.0.0.1:9"
  prod:
    kfp_host: "https://kfp.example.com"
"""

HELPERS = """\
from kfp import dsl


@dsl.component(base_image="python:3.11")
def say(message: str) -> str:
    return message
"""


def pipeline_source(message: str = "hello", function: str = "pipeline") -> str:
    """A one-step pipeline; ``message`` changes the compiled spec."""
    return f'''\
"""A test pipeline."""

from kfp import dsl

from ._helpers import say


@dsl.pipeline(description="says {message}")
def {function}(message: str = "{message}"):
    say(message=message)
'''


def manifest(project: str, experiments: list[str]) -> str:
    lines = [
        "kind: Project",
        f"name: {project}",
        f"description: The {project} project.",
        "experiments:",
        *[f"  - name: {name}" for name in experiments],
        "owners:",
        "  - github: '@acme/ml'",
    ]
    return "\n".join(lines) + "\n"


def make_pipeline_repo(
    path: Path,
    pipelines: dict[str, list[str]],
    *,
    experiments: dict[str, list[str]] | None = None,
) -> GitRepo:
    """A committed repo with ``pipelines`` ({project: [pipeline, ...]}) on branch main."""
    repo = init_repo(path)
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("environments.yml", ENVIRONMENTS)
    for project, names in pipelines.items():
        repo.write(f"pipelines/{project}/_helpers.py", HELPERS)
        for name in names:
            repo.write(f"pipelines/{project}/{name}.py", pipeline_source(f"{project} {name}"))
        exps = (experiments or {}).get(project, ["Default"])
        repo.write(f"projects/{project}.yml", manifest(project, exps))
    repo.commit("initial")
    return repo


@pytest.fixture
def pipeline_repo(tmp_path: Path) -> GitRepo:
    """Two projects, three pipelines: alpha/{train_model,score}, beta/report."""
    return make_pipeline_repo(
        tmp_path / "repo",
        {"alpha": ["train_model", "score"], "beta": ["report"]},
        experiments={"alpha": ["Default", "Trading Cards"], "beta": ["Default"]},
    )
