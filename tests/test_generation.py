"""Bake every option combination and inspect the generated repo as data."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from tests.conftest import COOKIECUTTER_JSON, TEMPLATE, bake_ok

JINJA_LEFTOVER = re.compile(r"\{\{\s*cookiecutter\.|\{%-?\s*(if|for|endif|raw)\b")


def expected_files(context: dict) -> set[str]:
    """The generated file set for a combination, from tests/generated_files.txt."""
    polyaxon = context.get("include_polyaxon", False)
    mlflow = context.get("include_mlflow", False)
    example = context.get("include_example_project", True)
    package = context.get("package_name", "acme_components")
    expected = set()
    for line in (TEMPLATE / "tests" / "generated_files.txt").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, *tags = line.split()
        if (
            ("polyaxon" in tags and not polyaxon)
            or ("mlflow" in tags and not mlflow)
            or ("example" in tags and not example)
        ):
            continue
        expected.add(path.format(package=package))
    return expected


def generated_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_exact_file_set(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    assert sorted(generated_files(root)) == sorted(expected_files(context))


def test_no_template_syntax_left(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    leftovers = [
        path
        for path in generated_files(root)
        if JINJA_LEFTOVER.search((root / path).read_text("utf-8", errors="replace"))
    ]
    assert leftovers == []


def test_yaml_and_toml_parse(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    for path in sorted(generated_files(root)):
        text = (root / path).read_text("utf-8")
        if path.endswith((".yml", ".yaml")):
            assert yaml.safe_load(text) is not None, path
        elif path.endswith(".toml"):
            tomllib.loads(text)


def test_pyproject_structure(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    dependencies = pyproject["project"]["dependencies"]
    assert all("==" in dependency for dependency in dependencies), "runtime deps are pinned"
    assert {d.split("==")[0] for d in dependencies} >= {
        "kfp",
        "pyyaml",
        "jsonschema",
        "PyGithub",
        "docker",
    }
    has_polyaxon = any(d.startswith("polyaxon") for d in dependencies)
    assert has_polyaxon == context.get("include_polyaxon", False)
    mlflow = [d for d in dependencies if d.startswith("mlflow")]
    if context.get("include_mlflow", False):
        # the client only (the server has its own venv), pinned alike for KFP's pip installs
        assert mlflow == ["mlflow-skinny==3.17.2"]
        assert pyproject["tool"]["kfp-monorepo"]["mlflow-packages"] == mlflow
    else:
        assert mlflow == [] and "mlflow-packages" not in pyproject["tool"]["kfp-monorepo"]
    python = context.get("python_version", "3.11")
    assert pyproject["project"]["requires-python"] == f">={python}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python.replace(".", "")
    settings = pyproject["tool"]["kfp-monorepo"]
    assert settings["components-package"] == context.get("package_name", "acme_components")


def test_environments_structure(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    environments = yaml.safe_load((root / "environments.yml").read_text("utf-8"))["environments"]
    assert set(environments) == {"dev", "prod"}
    for name, default_host in (
        ("dev", "https://kfp.dev.example.com"),
        ("prod", "https://kfp.example.com"),
    ):
        environment = environments[name]
        if context.get(f"{name}_target", "kfp") == "vertex":
            project = context.get("gcp_project", "acme-ml")
            region = context.get("gcp_region", "europe-west4")
            assert environment["target"] == "vertex" and "kfp_host" not in environment
            assert (environment["project"], environment["region"]) == (project, region)
            assert environment["registry"].startswith(f"https://{region}-kfp.pkg.dev/{project}/")
            assert environment["service_account"].endswith(f"@{project}.iam.gserviceaccount.com")
        else:
            assert "target" not in environment
            assert environment["kfp_host"] == context.get(f"kfp_{name}_host", default_host)
    for environment in environments.values():
        assert ("polyaxon_host" in environment) == context.get("include_polyaxon", False)
        # MLflow's URIs are not asked for: written commented out, for the user to fill in
        assert "mlflow_tracking_uri" not in environment
    text = (root / "environments.yml").read_text("utf-8")
    assert ("# mlflow_tracking_uri: " in text) == context.get("include_mlflow", False)


def test_answers_are_recorded_for_cruft(cookies, combination):
    import json

    _, context = combination
    root = bake_ok(cookies, context)
    answers = json.loads((root / ".cookiecutter.json").read_text("utf-8"))
    # the answers, and the template version they were given to (no other private value)
    assert [key for key in answers if key.startswith("_")] == ["_template_version"]
    assert answers["_template_version"] == COOKIECUTTER_JSON["__template_version"]
    for key, value in context.items():
        assert answers[key] == value


def test_ruff_is_clean_on_the_output(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    ruff = str(Path(sys.executable).with_name("ruff"))
    for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
