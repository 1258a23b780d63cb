"""Negative tests: one per validation rule of the pre-generation hook.

Each asserts the failure, the message (what is wrong and how to fix it) and that nothing is
left on disk.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import TEMPLATE

BAD_ANSWERS = {
    "empty-title": ("project_name", "   ", "project_name is empty — give the monorepo a title"),
    "repo-uppercase": ("repo_name", "My-Repo", "repo_name 'My-Repo' is not a valid slug — use"),
    "repo-space": ("repo_name", "my repo", "repo_name 'my repo' is not a valid slug"),
    "repo-trailing-hyphen": ("repo_name", "repo-", "repo_name 'repo-' is not a valid slug"),
    "repo-double-hyphen": ("repo_name", "my--repo", "repo_name 'my--repo' has a double hyphen"),
    "org-underscore": ("github_org", "acme_labs", "github_org 'acme_labs' is not a GitHub"),
    "team-no-at": ("platform_team", "acme/ml", "platform_team 'acme/ml' is not an @org/team"),
    "team-user-only": ("platform_team", "@jdoe", "platform_team '@jdoe' is not an @org/team"),
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
}


@pytest.mark.parametrize(("key", "value", "message"), BAD_ANSWERS.values(), ids=BAD_ANSWERS)
def test_bad_answer_fails_with_a_clear_message_and_leaves_nothing(tmp_path, key, value, message):
    context = {key: value}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            str(tmp_path),
            str(TEMPLATE),
            *(f"{k}={v}" for k, v in context.items()),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    # Derived defaults (e.g. image_registry from repo_name) may be reported too.
    assert [e for e in errors if e.startswith(f"ERROR: {message}")], result.stderr
    assert all(" — " in error for error in errors), "every message says how to fix it"
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "a failed generation leaves nothing behind"


# cookiecutter itself enforces choices and coerces yes/no answers before the hook runs, so
# these two rules are reached only through the hook's own function.
@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("include_polyaxon", "maybe", "include_polyaxon 'maybe' is not a yes/no answer — answer"),
        ("python_version", "3.10", "python_version '3.10' is not supported — choose one of 3.11"),
    ],
)
def test_rules_cookiecutter_enforces_first(key, value, message):
    from tests.test_hooks import DEFAULT_ANSWERS, pre_gen

    problems = pre_gen.validate({**DEFAULT_ANSWERS, key: value})
    assert len(problems) == 1 and problems[0].startswith(message)
