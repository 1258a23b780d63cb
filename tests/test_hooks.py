"""Unit tests of the hook functions, imported directly (no baking)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
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
    "dev_target": "kfp",
    "prod_target": "kfp",
    "gcp_project": "acme-ml",
    "gcp_region": "europe-west4",
    "image_registry": "ghcr.io/acme/acme-ml-pipelines",
    "include_polyaxon": False,
    "include_mlflow": False,
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


def test_vertex_answers_are_checked():
    answers = {
        **DEFAULT_ANSWERS,
        "dev_target": "vertex",
        "prod_target": "gke",
        "gcp_project": "Acme_ML",
        "gcp_region": "europe west4",
    }
    problems = pre_gen.validate(answers)
    assert [p.split()[0] for p in problems] == ["prod_target", "gcp_project", "gcp_region"]
    assert "kfp or vertex" in problems[0]
    assert pre_gen.validate({**DEFAULT_ANSWERS, "dev_target": "vertex"}) == []
    # A KFP-only repo never uses them: a short org's derived project is no problem there.
    kfp_only = {**DEFAULT_ANSWERS, "gcp_project": "ab-ml", "gcp_region": "?"}
    assert pre_gen.validate(kfp_only) == []
    assert [p.split()[0] for p in pre_gen.validate({**kfp_only, "prod_target": "vertex"})] == [
        "gcp_project",
        "gcp_region",
    ]


def test_the_defaults_in_cookiecutter_json_match():
    spec = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))
    assert [k for k in spec if not k.startswith("_")] == list(DEFAULT_ANSWERS)


def test_recorded_answers_drop_private_and_bookkeeping_keys():
    answers = {**DEFAULT_ANSWERS, "_template": "gh:x/y", "__project_title": "t", "_output_dir": "o"}
    assert post_gen.recorded_answers(answers) == DEFAULT_ANSWERS


def test_write_answers(tmp_path):
    answers = {**DEFAULT_ANSWERS, "_template": "x", "__template_version": "1.2.3"}
    post_gen.write_answers(tmp_path, answers)
    recorded = json.loads((tmp_path / ".cookiecutter.json").read_text())
    assert recorded == {**DEFAULT_ANSWERS, "_template_version": "1.2.3"}


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
    paths = (*post_gen.POLYAXON_PATHS, *post_gen.MLFLOW_PATHS, *post_gen.EXAMPLE_PROJECT_PATHS)
    for relative in paths:
        path = template_dir / relative.format(package="{{cookiecutter.package_name}}")
        assert path.exists(), f"hooks/post_gen_project.py prunes {relative}, which is gone"


@pytest.mark.parametrize(
    "given",
    [{}, {"github_org": "Zeta-Labs"}, {"github_org": "Acme Labs", "repo_name": "My-Repo"}],
    ids=["defaults", "org-with-hyphen", "bad-org-and-repo"],
)
def test_the_hook_derives_defaults_as_cookiecutter_json_does(given):
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(str(TEMPLATE / "cookiecutter.json"), extra_context=given)
    answers = dict(prompt_for_config(context, no_input=True))
    for key, (_, derive) in pre_gen.DERIVED_DEFAULTS.items():
        assert derive(answers) == answers[key], key


@pytest.mark.parametrize(
    ("changes", "reported"),
    [
        ({"github_org": "Acme Labs"}, ["github_org"]),
        (
            {
                "github_org": "Acme Labs",
                "platform_team": "@acme labs/ml-platform",
                "package_name": "acme labs_components",
                "image_registry": "ghcr.io/acme labs/acme-ml-pipelines",
            },
            ["github_org"],
        ),
        ({"github_org": "Acme Labs", "platform_team": "@x y/z"}, ["github_org", "platform_team"]),
        ({"repo_name": "My-Repo", "image_registry": "ghcr.io/acme/My-Repo"}, ["repo_name"]),
        ({"image_registry": "ghcr.io/Acme"}, ["image_registry"]),
        ({"github_org": "a" * 39, "package_name": "a" * 39 + "_components"}, ["package_name"]),
    ],
    ids=[
        "org-only",
        "org-and-its-derived-defaults",
        "org-and-a-typed-team",
        "repo-and-its-registry",
        "registry-alone",
        "derived-fails-on-its-own",
    ],
)
def test_a_problem_is_reported_once_at_its_root(changes, reported):
    problems = pre_gen.validate({**DEFAULT_ANSWERS, **changes})
    assert [problem.split()[0] for problem in problems] == reported


# What cookiecutter hands the post-generation hook: the answers and the private values it reads.
HOOK_ANSWERS = {**DEFAULT_ANSWERS, "__template_version": "1.0.0"}


def test_post_gen_reports_an_unwritable_output_in_one_line(tmp_path, capsys):
    missing = tmp_path / "gone"  # removed under the hook: writing the answers fails
    assert post_gen.main(missing, dict(HOOK_ANSWERS)) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ERROR: could not write the generated repository (")
    assert " — check that the output folder is writable" in line


def test_post_gen_reports_a_codeowners_failure_in_one_line(cookies):
    """In a subprocess, as cookiecutter runs the hook (it imports the repo's scripts/)."""
    root = Path(cookies.bake(extra_context={}).project_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"@acme/ml-platform"', '"nobody"'))
    hook_file = str(TEMPLATE / "hooks" / "post_gen_project.py")
    code = (
        "import importlib.util, sys\n"
        "from pathlib import Path\n"
        f"spec = importlib.util.spec_from_file_location('hook', {hook_file!r})\n"
        "hook = importlib.util.module_from_spec(spec); spec.loader.exec_module(hook)\n"
        f"sys.exit(hook.main(Path({str(root)!r}), {dict(HOOK_ANSWERS)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd="/"
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("ERROR: could not generate .github/CODEOWNERS (pyproject.toml: ")
    assert line.endswith("report it with the cookiecutter command you ran")


def options_table() -> dict[str, tuple[str, str]]:
    """The template README's options table: first cell -> (default, meaning)."""
    lines = (TEMPLATE / "README.md").read_text("utf-8").split("## Options", 1)[1].splitlines()
    rows = [line for line in lines if line.startswith("| ")][1:]  # after the header
    cells = [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]
    return {first.strip("`"): (default, meaning) for first, default, meaning in cells}


def test_every_option_is_in_the_readme_options_table():
    assert [key for key in options_table() if not key.startswith("Polyaxon")] == list(
        DEFAULT_ANSWERS
    )


def test_the_polyaxon_hosts_are_documented_as_environments_yml_renders_them(cookies):
    import yaml

    result = cookies.bake(extra_context={"include_polyaxon": True})
    assert result.exception is None, result.exception
    environments = yaml.safe_load((Path(result.project_path) / "environments.yml").read_text())
    default, meaning = options_table()["Polyaxon hosts (not asked)"]
    hosts = {name: env["polyaxon_host"] for name, env in environments["environments"].items()}
    assert default == " ".join(f"`{host}` ({name})," for name, host in hosts.items()).rstrip(",")
    assert "environments.yml" in meaning and "POLYAXON_HOST" in meaning
