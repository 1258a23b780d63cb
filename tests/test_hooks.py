"""Unit tests of the hook functions, imported directly (no baking)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE

DEFAULT_ANSWERS = {
    "project_name": "Acme ML Pipelines",
    "repo_name": "acme-ml-pipelines",
    "github_org": "acme",
    "platform_team": "@acme/ml-platform",
    "package_name": "acme_components",
    "python_version": "3.11",
    "kfp_dev_host": "https://kfp.dev.example.com",
    "kfp_prod_host": "https://kfp.example.com",
    "image_registry": "ghcr.io/acme/acme-ml-pipelines",
    "include_polyaxon": False,
    "include_example_project": True,
}


def load_hook(name: str):
    spec = importlib.util.spec_from_file_location(name, TEMPLATE / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")


def test_defaults_are_valid():
    assert pre_gen.validate(DEFAULT_ANSWERS) == []


def test_every_problem_is_reported_at_once():
    answers = {**DEFAULT_ANSWERS, "repo_name": "Bad Name", "package_name": "1x"}
    problems = pre_gen.validate(answers)
    assert [p.split()[0] for p in problems] == ["repo_name", "package_name"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("repo_name", "my-repo"),
        ("repo_name", "a"),
        ("github_org", "Acme-Labs"),
        ("platform_team", "@acme/ml_platform.core"),
        ("package_name", "_kit"),
        ("kfp_dev_host", "http://127.0.0.1:8888"),
        ("kfp_prod_host", "https://kubeflow.example.com/pipeline"),
        ("image_registry", "localhost:5000/ml"),
        ("image_registry", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ml/components"),
    ],
)
def test_accepted_values(key, value):
    assert pre_gen.validate({**DEFAULT_ANSWERS, key: value}) == []


def test_the_defaults_in_cookiecutter_json_match():
    spec = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))
    assert [k for k in spec if not k.startswith("_")] == list(DEFAULT_ANSWERS)


def test_recorded_answers_drop_private_and_bookkeeping_keys():
    answers = {**DEFAULT_ANSWERS, "_template": "gh:x/y", "__project_title": "t", "_output_dir": "o"}
    assert post_gen.recorded_answers(answers) == DEFAULT_ANSWERS


def test_write_answers(tmp_path):
    post_gen.write_answers(tmp_path, {**DEFAULT_ANSWERS, "_template": "x"})
    assert json.loads((tmp_path / ".cookiecutter.json").read_text()) == DEFAULT_ANSWERS


def test_remove_paths_deletes_files_and_folders_and_ignores_missing(tmp_path: Path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "polyaxon.py").write_text("")
    (tmp_path / "components" / "polyaxon-job" / "src").mkdir(parents=True)
    (tmp_path / "keep.py").write_text("")
    post_gen.remove_paths(
        tmp_path, ("{package}/polyaxon.py", "components/polyaxon-job", "not/there"), "kit"
    )
    remaining = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert remaining == ["components", "keep.py", "kit"]


def test_option_path_lists_match_the_template():
    """Every path the hook prunes exists in the template, so a rename cannot silently leave
    an optional part behind."""
    template_dir = TEMPLATE / "{{cookiecutter.repo_name}}"
    for relative in (*post_gen.POLYAXON_PATHS, *post_gen.EXAMPLE_PROJECT_PATHS):
        path = template_dir / relative.format(package="{{cookiecutter.package_name}}")
        assert path.exists(), f"hooks/post_gen_project.py prunes {relative}, which is gone"
