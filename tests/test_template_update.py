"""A repository baked from an earlier template takes the current one with cruft, keeping its
users' edits: what a platform team does years after baking.

The template as it was at OLD_COMMIT of this repository is baked, then edited the way users edit
(a new project and pipeline with `new-project`, a README paragraph, the dev host, a dependency),
committed, linked with `cruft link` and updated with `cruft update` to a commit of this working
tree. The updated repo must equal a fresh bake of the current template with the same user edits
applied to it: no conflict anywhere, every user edit kept, every template change arrived, and
then its own checks pass.

cruft updates to a git commit, so the test builds its own template repository in a temporary
folder (the old commit's files, then the working tree's on top): nothing is committed or tagged
in this repository.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.conftest import COMBINATIONS, COOKIECUTTER_JSON, TEMPLATE

# After "Schedules as code" (2026-12-03): before template versions, `make template-update` and the
# managed-file headers. Its default-option files differ from today's in scripts/ (most modules),
# tests/, the workflows, README.md, CONTRIBUTING.md, the Makefile, pyproject.toml and more.
OLD_COMMIT = "9d30783"
UPDATE_COMBINATIONS = ["defaults", "polyaxon"]
CRUFT = str(Path(sys.executable).with_name("cruft"))
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Platform Engineer",
    "GIT_AUTHOR_EMAIL": "platform@example.com",
    "GIT_COMMITTER_NAME": "Platform Engineer",
    "GIT_COMMITTER_EMAIL": "platform@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
USER_PARAGRAPH = "Churn and pricing pipelines of the Acme ML teams. Ask #ml-platform for access."
USER_DEV_HOST = "https://kfp.dev.acme.internal"
USER_DEPENDENCY = f'"requests=={importlib.metadata.version("requests")}",'


def run(command: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    if check:
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"[-6000:]
    return result


def git(repo: Path, *args: str) -> str:
    return run(["git", *args], cwd=repo).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{path.name}: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_readme(repo: Path) -> None:
    """The intro paragraph's first line, rewritten by the team."""
    readme = repo / "README.md"
    first = next(line for line in readme.read_text("utf-8").splitlines() if line.startswith("Kub"))
    replace_once(readme, first, USER_PARAGRAPH)


def edit_dev_host(repo: Path) -> None:
    replace_once(repo / "environments.yml", '"https://kfp.dev.example.com"', f'"{USER_DEV_HOST}"')


def add_dependency(repo: Path) -> None:
    """Appended as the last entry of `dependencies`, where anyone would add it."""
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    start = text.index("dependencies = [\n")
    end = text.index("\n]\n", start)
    pyproject.write_text(f"{text[:end]}\n    {USER_DEPENDENCY}{text[end:]}", encoding="utf-8")


USER_EDITS: dict[str, Callable[[Path], None]] = {
    "README.md": edit_readme,
    "environments.yml": edit_dev_host,
    "pyproject.toml": add_dependency,
}


def new_project(repo: Path) -> None:
    command = ["new-project", "churn-forecast", "--owner", "@acme/churn-ml"]
    run([sys.executable, "-m", "scripts", *command], cwd=repo)


def working_tree_files() -> list[str]:
    listed = run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=TEMPLATE).stdout
    return [path for path in listed.split("\0") if path and (TEMPLATE / path).is_file()]


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory) -> tuple[Path, Path, str]:
    """A template git repository with two commits (OLD_COMMIT's files, then this working
    tree's), a plain copy of the old files to bake from, and the old commit's SHA there."""
    base = tmp_path_factory.mktemp("template")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", OLD_COMMIT], cwd=TEMPLATE, capture_output=True
    )
    if archive.returncode != 0:
        pytest.fail(
            f"commit {OLD_COMMIT} is not in this clone ({archive.stderr.decode().strip()}): "
            "the template-update test needs the history (git fetch --unshallow)"
        )
    old_files, repo = base / "old", base / "repo"
    for folder in (old_files, repo):
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
    git(repo, "init", "-q", "-b", "main")
    old_sha = commit_all(repo, "The template at an earlier commit")
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for relative in working_tree_files():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE / relative, repo / relative)
    commit_all(repo, "The template of this working tree")
    return repo, old_files, old_sha


def bake(template: Path, out: Path, context: dict) -> Path:
    return Path(
        cookiecutter(str(template), no_input=True, output_dir=str(out), extra_context=context)
    )


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
        and ".git" not in path.relative_to(root).parts
        and "__pycache__" not in path.parts
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", UPDATE_COMBINATIONS)
def test_a_repo_baked_earlier_takes_the_update_and_keeps_its_edits(template_repo, tmp_path, name):
    template, old_files, old_sha = template_repo
    context = COMBINATIONS[name]
    repo = bake(old_files, tmp_path / "baked", context)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "Generated from the template")

    new_project(repo)
    for edit in USER_EDITS.values():
        edit(repo)
    user_commit = commit_all(repo, "Our project, README, dev host and a dependency")
    user_added = set(git(repo, "diff", "--name-only", "--diff-filter=A", "HEAD~1").splitlines())
    assert "projects/churn-forecast.yml" in user_added, user_added
    assert any(path.startswith("pipelines/churn-forecast/") for path in user_added), user_added

    # The first update of a repo from before `make template-update`: cruft by hand, linked to
    # the commit it was baked from (the README's "Updating a repository baked from it").
    answers = (repo / ".cookiecutter.json").read_text("utf-8")
    link = ["link", str(template), "--checkout", old_sha, "--no-input", "--extra-context", answers]
    run([CRUFT, *link], cwd=repo)
    run([CRUFT, "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=repo)

    # No conflict anywhere: no rejected hunk, no unmerged path, no conflict marker.
    assert [p for p in tree(repo) if p.endswith((".rej", ".orig"))] == []
    assert git(repo, "diff", "--name-only", "--diff-filter=U") == ""
    markers = run(["git", "grep", "-lE", "^(<<<<<<<|>>>>>>>) "], cwd=repo, check=False)
    assert markers.stdout == ""

    # Equal to the current template baked fresh, with the same user edits made to it.
    fresh = bake(template, tmp_path / "fresh", context)
    for edit in USER_EDITS.values():
        edit(fresh)
    updated, expected = tree(repo), tree(fresh)
    user_files = {*user_added, ".github/CODEOWNERS", ".cruft.json"}
    assert sorted(set(updated) - user_files) == sorted(set(expected) - {".github/CODEOWNERS"})
    differing = [p for p in expected if p not in user_files and updated[p] != expected[p]]
    assert differing == []
    for path in user_added:  # the user's new files, untouched
        assert updated[path].decode() == git(repo, "show", f"{user_commit}:{path}") + "\n"
    assert "@acme/churn-ml" in updated[".github/CODEOWNERS"].decode()

    # The repo now runs the current tooling, which says which template release it is on.
    version = COOKIECUTTER_JSON["__template_version"]
    shown = run([sys.executable, "-m", "scripts", "--version"], cwd=repo).stdout
    assert shown == f"template version {version}\n"
    commit_all(repo, f"Template update to {version}")
    again = run(["make", "template-update", f"CRUFT={CRUFT}"], cwd=repo)
    assert "already up to date" in again.stdout + again.stderr
    assert git(repo, "status", "--porcelain") == ""

    # Its own checks: validate, CODEOWNERS, compile, lint, and a representative part of its
    # suite (the whole suite of both combinations runs in test_generated_suite.py).
    for command in (["validate"], ["codeowners", "--check"], ["compile", "--all"]):
        run([sys.executable, "-m", "scripts", *command], cwd=repo)
    run([str(Path(sys.executable).with_name("ruff")), "check", "."], cwd=repo)
    run([str(Path(sys.executable).with_name("lint-imports"))], cwd=repo)
    suite = [
        "tests/test_structure.py",
        "tests/test_managed_headers.py",
        "tests/repo",
        "tests/cli",
        *sorted(p for p in user_added if p.startswith("tests/") and p.endswith(".py")),
    ]
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suite],
        cwd=repo,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]


@pytest.mark.slow
def test_make_template_update_links_a_fresh_repo_to_its_release(template_repo, tmp_path):
    """The first `make template-update` of a repo baked from a release: linked to the tag
    v<its version>, then already up to date (the release is the newest commit)."""
    template, _, _ = template_repo
    version = COOKIECUTTER_JSON["__template_version"]
    clone = tmp_path / "template"
    git(tmp_path, "clone", "-q", str(template), str(clone))
    git(clone, "tag", f"v{version}")  # a fixture tag, in this test's own clone only
    repo = bake(clone, tmp_path / "baked", {})
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "Generated from the template")

    unlinked = run(["make", "template-update", f"CRUFT={CRUFT}"], cwd=repo, check=False)
    assert unlinked.returncode == 2
    assert "give the template's git URL once: make template-update TEMPLATE=" in unlinked.stderr

    result = run(["make", "template-update", f"CRUFT={CRUFT}", f"TEMPLATE={clone}"], cwd=repo)
    assert f"--checkout v{version}" in result.stdout
    assert "already up to date" in result.stdout + result.stderr
    cruft_state = json.loads((repo / ".cruft.json").read_text("utf-8"))
    assert cruft_state["commit"] == git(clone, "rev-parse", f"v{version}^{{commit}}")
    assert git(repo, "status", "--porcelain") == "?? .cruft.json"
