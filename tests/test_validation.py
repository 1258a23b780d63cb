"""Negative tests: one per validation rule of the pre-generation hook.

Each runs the cookiecutter CLI and asserts the failure, the message (what is wrong and how to
fix it, on one line) and that nothing is left on disk.

What cookiecutter 2.7.1 adds, which no template can change: when the pre-generation hook exits
non-zero, cookiecutter deletes the half-generated folder, logs "ERROR: Stopping generation
because pre_gen_project hook script didn't exit successfully" with a traceback of its own hook
runner on stdout (hooks.run_hook_from_repo_dir, logger.exception), and its CLI prints the
exception, "Hook script failed (exit status: 1)". The hook's own lines are stderr.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE

COOKIECUTTER = Path(sys.executable).with_name("cookiecutter")

BAD_ANSWERS = {
    "empty-title": ("project_name", "   ", "project_name is empty — give the monorepo a title"),
    "repo-uppercase": ("repo_name", "My-Repo", "repo_name 'My-Repo' is not a valid slug — use"),
    "repo-space": ("repo_name", "my repo", "repo_name 'my repo' is not a valid slug"),
    "repo-trailing-hyphen": ("repo_name", "repo-", "repo_name 'repo-' is not a valid slug"),
    "repo-double-hyphen": ("repo_name", "my--repo", "repo_name 'my--repo' has a double hyphen"),
    "org-underscore": ("github_org", "acme_labs", "github_org 'acme_labs' is not a GitHub"),
    "team-no-at": ("platform_team", "acme/ml", "platform_team 'acme/ml' is not an @org/team"),
    "team-user-only": ("platform_team", "@jdoe", "platform_team '@jdoe' is not an @org/team"),
    "team-too-long": ("platform_team", "@acme/" + "t" * 101, "platform_team '@acme/tttt"),
    "package-hyphen": ("package_name", "acme-kit", "package_name 'acme-kit' is not a valid Python"),
    "package-keyword": ("package_name", "class", "package_name 'class' is not a valid Python"),
    "package-digit": ("package_name", "9kit", "package_name '9kit' is not a valid Python"),
    "package-too-long": ("package_name", "a" * 41, "package_name '" + "a" * 41 + "' is longer"),
    "package-shadows-stdlib": ("package_name", "json", "package_name 'json' would shadow"),
    "package-shadows-repo": ("package_name", "scripts", "package_name 'scripts' would shadow"),
    "dev-host-no-scheme": ("kfp_dev_host", "kfp.example.com", "kfp_dev_host 'kfp.example.com' is"),
    "prod-host-ftp": ("kfp_prod_host", "ftp://kfp", "kfp_prod_host 'ftp://kfp' is not an http(s)"),
    "host-with-query": ("kfp_dev_host", "https://k?x=1", "kfp_dev_host 'https://k?x=1' is not"),
    "registry-scheme": (
        "image_registry",
        "https://ghcr.io/a",
        "image_registry 'https://ghcr.io/a'",
    ),
    "registry-tag": ("image_registry", "ghcr.io/a/b:latest", "image_registry 'ghcr.io/a/b:latest'"),
    "registry-upper": ("image_registry", "ghcr.io/Acme", "image_registry 'ghcr.io/Acme' is not"),
    "python-3.10": ("python_version", "3.10", "python_version '3.10' is not supported — choose"),
    "python-patch": ("python_version", "3.12.1", "python_version '3.12.1' is not supported"),
    "org-space": ("github_org", "Acme Labs", "github_org 'Acme Labs' is not a GitHub"),
}


def run_cookiecutter(out_dir: Path, **answers: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            COOKIECUTTER,
            str(TEMPLATE),
            "--no-input",
            "-o",
            str(out_dir),
            *(f"{key}={value}" for key, value in answers.items()),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """What the template says: the hook's stderr, every line of it."""
    return result.stderr.splitlines()


@pytest.mark.parametrize(("key", "value", "message"), BAD_ANSWERS.values(), ids=BAD_ANSWERS)
def test_bad_answer_is_one_error_line_and_leaves_nothing(tmp_path, key, value, message):
    result = run_cookiecutter(tmp_path, **{key: value})

    assert result.returncode == 1
    (line,) = error_lines(result)  # one root cause, one line (derived defaults stay quiet)
    assert line.startswith(f"ERROR: {message}")
    assert " — " in line, "the message says how to fix it"
    assert list(tmp_path.iterdir()) == [], "a failed generation leaves nothing behind"


def test_what_cookiecutter_adds_after_a_failed_hook(tmp_path):
    """Pinned so that a cookiecutter upgrade that changes it is noticed (README says so)."""
    result = run_cookiecutter(tmp_path, python_version="3.10")

    stdout = result.stdout.splitlines()
    assert stdout[0] == (
        "ERROR: Stopping generation because pre_gen_project hook script didn't exit successfully"
    )
    assert stdout[1] == "Traceback (most recent call last):"
    assert stdout[-1] == "Hook script failed (exit status: 1)"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("org", ["Acme Labs", "acme_labs", "-acme"])
def test_a_bad_github_org_is_reported_once_not_through_its_derived_values(tmp_path, org):
    """platform_team, package_name and image_registry are derived from github_org by default."""
    result = run_cookiecutter(tmp_path, github_org=org)

    assert error_lines(result) == [
        f"ERROR: github_org {org!r} is not a GitHub organisation or user name — use letters, "
        "digits and single inner hyphens (at most 39 characters), e.g. 'acme'"
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_derived_value_typed_in_is_still_checked_on_its_own(tmp_path):
    result = run_cookiecutter(
        tmp_path, github_org="Acme Labs", platform_team="@acme labs/ml", repo_name="My-Repo"
    )

    assert [line.split()[1] for line in error_lines(result)] == [
        "repo_name",
        "github_org",
        "platform_team",
    ]
    assert list(tmp_path.iterdir()) == []


def test_independent_problems_are_one_line_each(tmp_path):
    result = run_cookiecutter(tmp_path, kfp_dev_host="kfp", python_version="2.7")

    assert [line.split()[1] for line in error_lines(result)] == ["python_version", "kfp_dev_host"]
    assert all(line.startswith("ERROR: ") and " — " in line for line in error_lines(result))


def test_a_non_boolean_yes_no_answer_stops_in_cookiecutter_before_the_template(tmp_path):
    """cookiecutter 2.7.1 converts yes/no answers given on the command line itself
    (generate.apply_overwrites_to_context, while reading cookiecutter.json) and raises a bare
    ValueError its CLI does not catch: a traceback, before any hook or file of the template
    runs. Pinned so that a cookiecutter that reports it better is noticed."""
    result = run_cookiecutter(tmp_path, include_polyaxon="maybe")

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "ValueError: maybe provided for variable include_polyaxon could not be converted to a "
        "boolean."
    )
    assert list(tmp_path.iterdir()) == []


# A yes/no answer that is not a boolean reaches the hook only through the Python API (e.g.
# extra_context={"include_polyaxon": 1}); the command line's strings stop in cookiecutter.
@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_the_hook_rejects_a_yes_no_answer_that_is_not_a_boolean(value):
    from tests.test_hooks import DEFAULT_ANSWERS, pre_gen

    problems = pre_gen.validate({**DEFAULT_ANSWERS, "include_polyaxon": value})
    assert problems == [f"include_polyaxon {value!r} is not a yes/no answer — answer true or false"]
