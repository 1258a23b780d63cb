"""CODEOWNERS at generation time: the post-generation hook writes it with the generated repo's
own tool, for every combination of options, even with a Python that has no jsonschema."""

from __future__ import annotations

import subprocess
import sys

from codeowners import CodeOwners

from tests.conftest import COMBINATIONS, TEMPLATE, bake_ok


def owners_of(text: str, path: str) -> list[str]:
    return [handle for _kind, handle in CodeOwners(text).of(path)]


def test_codeowners_is_generated_for_every_combination(cookies, combination):
    name, context = combination
    root = bake_ok(cookies, context)
    text = (root / ".github" / "CODEOWNERS").read_text("utf-8")
    org = context.get("github_org", "acme").lower()
    platform = f"@{org}/ml-platform"
    assert owners_of(text, "README.md") == [platform]
    assert owners_of(text, ".github/workflows/pull-request.yml") == [platform]
    example = context.get("include_example_project", True)
    expected = [f"@{org}/price-ml", platform] if example else [platform]
    assert owners_of(text, "pipelines/price-suggestion/train_model.py") == expected, name
    assert owners_of(text, "projects/price-suggestion.yml") == expected, name


def test_a_custom_platform_team_owns_the_default_rule(cookies):
    root = bake_ok(cookies, {"platform_team": "@acme/platform-crew"})
    text = (root / ".github" / "CODEOWNERS").read_text("utf-8")
    assert owners_of(text, "Makefile") == ["@acme/platform-crew"]
    assert owners_of(text, "scripts/validate.py") == ["@acme/platform-crew"]


def test_the_hook_needs_no_jsonschema(cookies):
    """cookiecutter runs the hook with its own Python, which may lack jsonschema: regenerate
    with jsonschema blocked and get the same bytes."""
    root = bake_ok(cookies, {})
    generated = root / ".github" / "CODEOWNERS"
    expected = generated.read_bytes()
    generated.unlink()
    hook_file = str(TEMPLATE / "hooks" / "post_gen_project.py")
    code = (
        "import importlib.util, sys\n"
        "from pathlib import Path\n"
        "sys.modules['jsonschema'] = None\n"
        f"spec = importlib.util.spec_from_file_location('hook', {hook_file!r})\n"
        "hook = importlib.util.module_from_spec(spec); spec.loader.exec_module(hook)\n"
        f"hook.generate_codeowners(Path({str(root)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd="/"
    )
    assert result.returncode == 0, result.stderr
    assert generated.read_bytes() == expected


def test_combinations_cover_both_example_choices():
    assert {c.get("include_example_project", True) for c in COMBINATIONS.values()} == {
        True,
        False,
    }
