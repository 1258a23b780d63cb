"""``new-project``: a new project that passes every check at once; refusals that write nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from scripts.cli import main as cli
from scripts.repo import scaffold
from scripts.repo.manifests import load_project
from scripts.repo.model import Repo
from tests.helpers.mini_repo import make_mini_repo


@pytest.fixture
def mini(tmp_path):
    repo = make_mini_repo(tmp_path / "repo")
    repo.project("demo")
    return repo


def test_new_project_then_every_check_is_green(monorepo):
    """The promise of the command: validate, codeowners --check and the project's own test
    pass right away, in a copy of this very repository."""
    root = monorepo.path
    assert (
        cli.main(
            [
                "new-project",
                "fraud-detection",
                "--repo",
                str(root),
                "--owner",
                "@acme/fraud",
                "--owner",
                "@jdoe",
                "--experiment",
                "Default",
                "--experiment",
                "Card Payments",
            ]
        )
        == 0
    )
    assert cli.main(["validate", "--repo", str(root)]) == 0
    assert cli.main(["codeowners", "--check", "--repo", str(root)]) == 0
    project = load_project(Repo(root), "fraud-detection")
    assert project.kfp_experiment_names() == [
        "fraud-detection/Default",
        "fraud-detection/Card Payments",
    ]
    assert project.owners == ("@acme/fraud", "@jdoe")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_fraud_detection.py",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_prints_what_it_wrote(mini, capsys):
    assert cli.main(["new-project", "churn", "--repo", str(mini.root), "--owner", "@acme/x"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        "created project churn:",
        "  projects/churn.yml",
        "  pipelines/churn/example.py",
        "  tests/test_churn.py",
        "  .github/CODEOWNERS",
    ]
    manifest = yaml.safe_load((mini.root / "projects/churn.yml").read_text())
    assert manifest == {
        "kind": "Project",
        "name": "churn",
        "description": "The churn project.",
        "experiments": [{"name": "Default"}],
        "owners": [{"github": "@acme/x"}],
    }
    codeowners = (mini.root / ".github/CODEOWNERS").read_text()
    assert "/pipelines/churn/ @acme/x" in codeowners and "/pipelines/demo/ " in codeowners


def test_free_text_survives_quoting(mini):
    description = 'Prices: "quoted", back\\slash, café, #not-a-comment'
    scaffold.new_project(
        Repo(mini.root),
        "pricing",
        owners=["@acme/x"],
        experiments=["Cards: Rare", "Café 'Special'"],
        description=description,
    )
    project = load_project(Repo(mini.root), "pricing")
    assert project.description == description
    assert [e.name for e in project.experiments] == ["Cards: Rare", "Café 'Special'"]


REFUSALS = {
    "existing project": (
        ["demo"],
        "project 'demo' cannot be created, these exist already: "
        "projects/demo.yml, pipelines/demo — choose another name",
    ),
    "upper case": (["Demo2"], "'Demo2' is not a valid project name — use lowercase letters"),
    "slash": (["a/b"], "'a/b' is not a valid project name"),
    "dot dot": (["../x"], "'../x' is not a valid project name"),
    "only dots": ([".."], "'..' is not a valid project name"),
    "trailing hyphen": (["x-"], "'x-' is not a valid project name"),
    "too long": (["x" * 51], f"'{'x' * 51}' is not a valid project name"),
    "owner without @": (
        ["new", "--owner", "acme"],
        "new-project: owners[0].github 'acme' is not valid — write a GitHub user",
    ),
    "experiment with a slash": (
        ["new", "--experiment", "a/b"],
        "new-project: experiments[0].name 'a/b' is not valid",
    ),
    "duplicate experiment": (
        ["new", "--experiment", "A", "--experiment", "A"],
        "new-project: experiment 'A' is listed twice — keep one",
    ),
    "experiments one name to KFP": (
        ["new", "--experiment", "Sneakers", "--experiment", "sneakers"],
        "new-project: experiment 'sneakers' repeats 'Sneakers' for KFP, whose database ignores "
        "case, accents and Unicode form — rename or remove one",
    ),
    "owners one owner to GitHub": (
        ["new", "--owner", "@acme/x", "--owner", "@ACME/X"],
        "new-project: owner '@ACME/X' is listed twice — keep one",
    ),
    "test module taken": (
        ["cli"],
        "project 'cli' cannot be created, these exist already: tests/test_cli.py",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_refusals_write_nothing(mini, capsys, case):
    arguments, expected = REFUSALS[case]
    if case == "test module taken":
        mini.write("tests/test_cli.py", "")
    if "--owner" not in arguments:
        arguments = [*arguments, "--owner", "@acme/x"]
    before = mini.files()
    assert cli.main(["new-project", "--repo", str(mini.root), *arguments]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(expected), err
    assert mini.files() == before


def test_owner_is_required(mini, capsys):
    assert cli.main(["new-project", "x", "--repo", str(mini.root)]) == 2
    assert "--owner" in capsys.readouterr().err


def test_a_failure_while_writing_leaves_nothing_behind(mini, monkeypatch):
    before = mini.files()
    real_write = scaffold.write_atomically
    calls = []

    def failing_write(path, text, **options):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        real_write(path, text, **options)

    monkeypatch.setattr(scaffold, "write_atomically", failing_write)
    with pytest.raises(OSError, match="disk full"):
        scaffold.new_project(Repo(mini.root), "churn", owners=["@acme/x"])
    assert mini.files() == before
    assert not (mini.root / "pipelines" / "churn").exists()


def test_an_unwritable_codeowners_is_one_line_and_the_new_files_are_removed(mini, capsys):
    # A folder where CODEOWNERS goes made os.replace fail: an internal error before.
    (mini.root / ".github/CODEOWNERS").mkdir(parents=True)
    before = mini.files()
    assert cli.main(["new-project", "churn", "--owner", "@acme/x", "--repo", str(mini.root)]) == 2
    assert capsys.readouterr().err == (
        ".github/CODEOWNERS: cannot write the file (Is a directory) — make it a writable file\n"
    )
    assert mini.files() == before
    assert not (mini.root / "pipelines" / "churn").exists()


def test_an_email_owner(mini):
    scaffold.new_project(Repo(mini.root), "churn", owners=["@acme/x", "jdoe@example.com"])
    manifest = yaml.safe_load((mini.root / "projects/churn.yml").read_text())
    assert manifest["owners"] == [{"github": "@acme/x"}, {"github": "jdoe@example.com"}]
    codeowners = (mini.root / ".github/CODEOWNERS").read_text()
    assert "/pipelines/churn/ @acme/x jdoe@example.com " in codeowners
