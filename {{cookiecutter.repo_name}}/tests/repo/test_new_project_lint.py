"""``new-project`` output passes the repo's own lint for every valid name, and its example follows
the repo's advice (``images.py``), so compile, run and its test print no FutureWarning.

Project names are 1 to 50 characters (``naming.PROJECT_NAME``); the example's KFP name and the
test module's name grow with them, and the generated files must still be within ruff's 100
columns and already formatted, as `make lint` checks them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.core.naming import PROJECT_NAME
from scripts.repo import scaffold
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT, init_repo

RUFF = Path(sys.executable).with_name("ruff")
# The shortest and the longest valid names, and a few in between: digits, hyphens, names YAML
# would read as a number or a boolean, lengths around where the old template first broke the
# line limit.
NAMES = {
    "one-letter": "a",
    "one-digit": "7",
    "two": "ab",
    "yaml-boolean": "yes",
    "yaml-hex": "0x1f",
    "fifteen": "fraud-detection",
    "sixteen": "fraud-detections",
    "thirty": "customer-lifetime-value-models",
    "forty-nine": "x" * 24 + "-" + "y" * 24,
    "fifty-letters": "z" * 50,
    "fifty-hyphens": "-".join(["ab"] * 16) + "-cd",
}
SHORTEST, LONGEST = NAMES["one-letter"], NAMES["fifty-hyphens"]
NO_FUTURE_WARNINGS = ("-W", "error::FutureWarning")


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """A copy of this repo with a project scaffolded for every name: ``(root, {name: paths})``."""
    root = init_repo(tmp_path_factory.mktemp("scaffold") / "repo", copy_from=REPO_ROOT).path
    written = {
        name: scaffold.new_project(Repo(root), name, owners=["@acme/x"]) for name in NAMES.values()
    }
    return root, written


def python(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def ruff(root: Path, *args: str) -> subprocess.CompletedProcess:
    if not RUFF.is_file():
        pytest.fail(f"{RUFF} is missing — run `make setup` (ruff is a dev dependency)")
    return subprocess.run(
        [str(RUFF), *args, "--no-cache"], cwd=root, capture_output=True, text=True, check=False
    )


def test_the_names_cover_both_ends_of_the_rule():
    assert all(PROJECT_NAME.match(name) for name in NAMES.values())
    assert len(SHORTEST) == 1 and len(LONGEST) == 50 == len(NAMES["fifty-letters"])


def test_every_scaffolded_project_validates(scaffolded):
    from scripts.cli import main as cli
    from scripts.repo.manifests import load_project

    root, _ = scaffolded
    assert cli.main(["validate", "--repo", str(root)]) == 0
    assert cli.main(["codeowners", "--check", "--repo", str(root)]) == 0
    for name in NAMES.values():
        assert load_project(Repo(root), name).name == name


@pytest.mark.parametrize("name", list(NAMES.values()), ids=list(NAMES))
def test_the_written_python_passes_ruff_check_and_format(scaffolded, name):
    root, written = scaffolded
    files = [path for path in written[name] if path.endswith(".py")]
    assert files == [f"pipelines/{name}/example.py", scaffold.test_module_path(name)]
    check = ruff(root, "check", *files)
    assert check.returncode == 0, check.stdout + check.stderr
    formatted = ruff(root, "format", "--check", *files)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_the_example_component_runs_in_the_packages_base_image(scaffolded):
    root, _ = scaffolded
    package = Repo(root).settings.components_package
    source = (root / f"pipelines/{SHORTEST}/example.py").read_text("utf-8")
    assert f"from {package}.images import BASE_IMAGE, PACKAGES\n" in source
    assert "@dsl.component(base_image=BASE_IMAGE, packages_to_install=PACKAGES)\n" in source
    assert "@dsl.pipeline\n" in source  # no name=: compile names it <project>-example


def test_compile_prints_no_warning_for_the_shortest_and_longest(scaffolded):
    root, _ = scaffolded
    result = python(root, *NO_FUTURE_WARNINGS, "-m", "scripts", "compile", SHORTEST, LONGEST)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == "2 compiled, 0 failed; index: build/compile.json"


def test_a_local_run_prints_no_warning(scaffolded):
    root, _ = scaffolded
    result = python(
        root, *NO_FUTURE_WARNINGS, "-m", "scripts", "run", f"{SHORTEST}/example", "--local"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{SHORTEST}/example: succeeded in ")
    assert "Warning" not in result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["  add", "  add-2"]


def test_the_projects_own_test_passes_without_a_future_warning(scaffolded):
    root, written = scaffolded
    test_module = written[LONGEST][2]
    result = python(
        root, *NO_FUTURE_WARNINGS, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_module
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout and "warning" not in result.stdout.lower()


def test_without_images_py_the_base_image_is_written_out(tmp_path):
    from tests.helpers.mini_repo import make_mini_repo

    mini = make_mini_repo(tmp_path / "repo")
    scaffold.new_project(Repo(mini.root), "churn", owners=["@acme/x"])
    source = (mini.root / "pipelines/churn/example.py").read_text("utf-8")
    assert "\nBASE_IMAGE = " in source and ".images import" not in source
    assert "@dsl.component(base_image=BASE_IMAGE)\n" in source
