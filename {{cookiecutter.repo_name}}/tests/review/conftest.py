"""Shared by the review tests: one repository with every pair of ``pairs.CASES``, diffed once,
and a 200-task pipeline compiled once."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.cli.diff import compare_with
from scripts.repo.model import Repo
from tests.helpers.git_repos import GitRepo, init_repo
from tests.helpers.pipeline_repos import ENVIRONMENTS, PYPROJECT, manifest
from tests.review.pairs import BIG, CASES, compiled


def write_cases(path: Path) -> tuple[GitRepo, str]:
    """A repo with every case's base committed, then every head committed; (repo, base SHA)."""
    repo = init_repo(path)
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("environments.yml", ENVIRONMENTS)
    repo.write("projects/cases.yml", manifest("cases", ["Default"]))
    for name, (base, _) in CASES.items():
        if base is not None:
            repo.write(f"pipelines/cases/{name}.py", base)
    base = repo.commit("base")
    for name, (_, head) in CASES.items():
        if head is None:
            repo.remove(f"pipelines/cases/{name}.py")
        else:
            repo.write(f"pipelines/cases/{name}.py", head)
    repo.commit("head")
    return repo, base


@pytest.fixture(scope="session")
def cases(tmp_path_factory) -> tuple[GitRepo, str]:
    return write_cases(tmp_path_factory.mktemp("review") / "repo")


@pytest.fixture(scope="session")
def report(cases):
    repo, base = cases
    return compare_with(Repo(repo.path), base=base)  # the pipelines `changed` finds


@pytest.fixture(scope="session")
def diffs(report):
    """Each case's PipelineDiff by case name."""
    return {pipeline.selector.split("/")[1]: pipeline for pipeline in report.pipelines}


@pytest.fixture(scope="session")
def big_spec(tmp_path_factory):
    """A 200-task pipeline (chains of ten), compiled once."""
    return compiled(tmp_path_factory.mktemp("big"), BIG, "big")
