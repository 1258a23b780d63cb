"""CODEOWNERS from the manifests: who owns what (read back with an independent parser, the
``codeowners`` package from PyPI), determinism, and ``--check``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from codeowners import CodeOwners

from scripts.cli import main as cli
from scripts.repo.codeowners import CODEOWNERS_PATH, render_codeowners, stale_diff, write_codeowners
from scripts.repo.manifests import Experiment, Project
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.mini_repo import VALID_MANIFEST, make_mini_repo

PLATFORM = "@acme/ml-platform"


@pytest.fixture
def mini(tmp_path):
    repo = make_mini_repo(tmp_path / "repo")
    pyproject = repo.root / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index('platform-team = "') + len('platform-team = "')
    end = text.index('"', start)
    pyproject.write_text(text[:start] + PLATFORM + text[end:])
    repo.component("trainer")
    repo.component("shared-io")
    repo.project("demo", VALID_MANIFEST + "components:\n  - trainer\n")
    repo.project("zeta", VALID_MANIFEST.replace("demo", "zeta").replace('"@jdoe"', '"@zed"'))
    return repo


def owners_of(text: str, path: str) -> list[str]:
    return [handle for _kind, handle in CodeOwners(text).of(path)]


def test_owners_of_sample_paths(mini):
    assert cli.main(["codeowners", "--repo", str(mini.root)]) == 0
    text = (mini.root / CODEOWNERS_PATH).read_text()
    demo = ["@acme/demo-ml", "@jdoe", PLATFORM]
    expected = {
        "pipelines/demo/train_model.py": demo,
        "pipelines/demo/_helpers.py": demo,
        "projects/demo.yml": demo,
        "projects/zeta.yml": ["@acme/zeta-ml", "@zed", PLATFORM],
        ".github/workflows/pull-request.yml": [PLATFORM],
        ".github/CODEOWNERS": [PLATFORM],
        "components/trainer/src/train.py": ["@acme/demo-ml", "@jdoe"],
        "components/trainer/component.yaml": ["@acme/demo-ml", "@jdoe"],
        "components/shared-io/component.yaml": [PLATFORM],
        "scripts/targets/publish/apply.py": [PLATFORM],
        "schemas/project.schema.json": [PLATFORM],
        "environments.yml": [PLATFORM],
        "README.md": [PLATFORM],
        "pyproject.toml": [PLATFORM],
        "acme_components/tabular.py": [PLATFORM],
    }
    assert {path: owners_of(text, path) for path in expected} == expected


def test_general_rules_come_before_specific_ones(mini):
    lines = [
        line
        for line in render_codeowners(PLATFORM, _projects(mini)).splitlines()
        if line and not line.startswith("#")
    ]
    paths = [line.split()[0] for line in lines]
    assert paths == [
        "*",
        "/.github/",
        "/scripts/",
        "/schemas/",
        "/environments.yml",
        "/components/",
        "/projects/demo.yml",
        "/pipelines/demo/",
        "/components/trainer/",
        "/projects/zeta.yml",
        "/pipelines/zeta/",
    ]


def _projects(mini):
    from scripts.repo.manifests import load_projects

    return load_projects(Repo(mini.root))


def test_the_header_says_generated_and_how_to_regenerate(mini):
    text = render_codeowners(PLATFORM, _projects(mini))
    assert text.startswith("# GENERATED FILE, DO NOT EDIT.")
    assert "`python -m scripts codeowners`" in text.split("\n\n")[0]


def test_deterministic(mini):
    first = write_codeowners(mini.root).read_bytes()
    second = write_codeowners(mini.root).read_bytes()
    assert first == second
    shuffled = list(reversed(_projects(mini)))
    assert render_codeowners(PLATFORM, shuffled).encode() == first


def test_check_passes_when_fresh(mini, capsys):
    write_codeowners(mini.root)
    assert cli.main(["codeowners", "--check", "--repo", str(mini.root)]) == 0
    assert capsys.readouterr().out == ".github/CODEOWNERS is up to date\n"


def test_check_fails_with_a_diff_when_stale_and_writes_nothing(mini, capsys):
    path = write_codeowners(mini.root)
    manifest = (mini.root / "projects/demo.yml").read_text().replace('"@jdoe"', '"@newbie"')
    mini.write("projects/demo.yml", manifest)
    before = path.read_bytes()
    assert cli.main(["codeowners", "--check", "--repo", str(mini.root)]) == 1
    captured = capsys.readouterr()
    assert path.read_bytes() == before
    assert "-/projects/demo.yml @acme/demo-ml @jdoe @acme/ml-platform\n" in captured.out
    assert "+/projects/demo.yml @acme/demo-ml @newbie @acme/ml-platform\n" in captured.out
    assert captured.out.startswith("--- a/.github/CODEOWNERS\n+++ b/.github/CODEOWNERS")
    assert captured.err == (
        ".github/CODEOWNERS: stale: it does not match the manifests — run `python -m scripts "
        "codeowners` (make codeowners) and commit the result\n"
    )


def test_check_fails_when_missing(mini, capsys):
    assert cli.main(["codeowners", "--check", "--repo", str(mini.root)]) == 1
    assert not (mini.root / CODEOWNERS_PATH).exists()
    assert "+* @acme/ml-platform" in capsys.readouterr().out


def test_a_folder_in_place_of_the_file_is_one_line(mini, capsys):
    (mini.root / CODEOWNERS_PATH).mkdir(parents=True)
    assert cli.main(["codeowners", "--repo", str(mini.root)]) == 2
    assert capsys.readouterr().err == (
        ".github/CODEOWNERS: cannot write the file (Is a directory) — make it a writable file\n"
    )
    assert [p.name for p in (mini.root / ".github").iterdir()] == ["CODEOWNERS"]  # no temp file


def test_an_unreadable_file_is_stale_with_the_fix(mini, capsys):
    (mini.root / CODEOWNERS_PATH).parent.mkdir(parents=True)
    (mini.root / CODEOWNERS_PATH).write_bytes(b"\xff\xfe* @someone\n")
    assert cli.main(["codeowners", "--check", "--repo", str(mini.root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(".github/CODEOWNERS: cannot read the file (")
    assert err.endswith(" — regenerate it with `python -m scripts codeowners`\n")


def test_hand_edits_are_stale(mini):
    path = write_codeowners(mini.root)
    path.write_text(path.read_text() + "/secret/ @someone\n")
    assert "-/secret/ @someone" in stale_diff(Repo(mini.root))


def test_invalid_manifests_are_refused_and_nothing_is_written(mini, capsys):
    mini.write("projects/demo.yml", VALID_MANIFEST.replace('"@jdoe"', '"@jdoe\\n* @evil"'))
    assert cli.main(["codeowners", "--repo", str(mini.root)]) == 1
    assert not (mini.root / CODEOWNERS_PATH).exists()
    assert capsys.readouterr().err.startswith("projects/demo.yml:10: owners[1].github")


def test_unusable_manifest_refused_even_without_validation(mini):
    """The hook path (no jsonschema) still refuses a handle that would add its own rule."""
    from scripts.core.errors import CheckFailed

    mini.write("projects/demo.yml", VALID_MANIFEST.replace('"@jdoe"', '"@jdoe\\n* @evil"'))
    with pytest.raises(CheckFailed, match=r"owners must be a list of \{github"):
        write_codeowners(mini.root)


def test_invalid_platform_team_is_a_configuration_error(mini, capsys):
    pyproject = mini.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(PLATFORM, "acme ml-platform"))
    assert cli.main(["codeowners", "--repo", str(mini.root)]) == 2
    assert capsys.readouterr().err == (
        "pyproject.toml: [tool.kfp-monorepo] platform-team 'acme ml-platform' is not a "
        "CODEOWNERS owner — write '@user', '@org/team' or an email address\n"
    )


def test_render_takes_project_values():
    project = Project(
        name="solo",
        description="",
        experiments=(Experiment("Default"),),
        owners=("@solo-dev",),
        manifest_path="projects/solo.yml",
    )
    text = render_codeowners(PLATFORM, [project])
    assert owners_of(text, "pipelines/solo/x.py") == ["@solo-dev", PLATFORM]


def test_write_codeowners_without_jsonschema(mini):
    """What the post-generation hook does, with a Python that has no jsonschema."""
    code = (
        "import sys; sys.modules['jsonschema'] = None\n"
        "from pathlib import Path\n"
        "from scripts.repo.codeowners import write_codeowners\n"
        f"print(write_codeowners(Path({str(mini.root)!r})).name)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, "CODEOWNERS\n"), result.stderr


def test_this_repository_codeowners_is_fresh():
    assert stale_diff(Repo(REPO_ROOT)) == ""


def test_an_owner_is_named_once_per_rule_ignoring_case_first_spelling_kept(mini):
    """GitHub compares owners ignoring case: '@ACME/ML-Platform' is the platform team."""
    mini.write(
        "projects/demo.yml",
        VALID_MANIFEST.replace('"@jdoe"', '"@ACME/ML-Platform"') + "components:\n  - trainer\n",
    )
    assert cli.main(["codeowners", "--repo", str(mini.root)]) == 0
    text = (mini.root / CODEOWNERS_PATH).read_text()
    assert "/projects/demo.yml @acme/demo-ml @ACME/ML-Platform\n" in text
    assert "/pipelines/demo/ @acme/demo-ml @ACME/ML-Platform\n" in text
    assert "/components/trainer/ @acme/demo-ml @ACME/ML-Platform\n" in text
    assert owners_of(text, "pipelines/demo/x.py") == ["@acme/demo-ml", "@ACME/ML-Platform"]


def test_project_values_with_case_repeats_are_rendered_once():
    project = Project(
        name="solo",
        description="",
        experiments=(Experiment("Default"),),
        owners=("@Solo-Dev", "@solo-dev", "Jo@Example.com", "jo@example.com"),
        components=("trainer",),
        manifest_path="projects/solo.yml",
    )
    rules = render_codeowners(PLATFORM.upper(), [project]).splitlines()
    assert "/pipelines/solo/ @Solo-Dev Jo@Example.com @ACME/ML-PLATFORM" in rules
    assert "/components/trainer/ @Solo-Dev Jo@Example.com" in rules
    assert "* @ACME/ML-PLATFORM" in rules


def test_email_owners_are_rendered_and_read_back(mini):
    mini.write("projects/demo.yml", VALID_MANIFEST.replace('"@jdoe"', "jdoe@example.com"))
    pyproject = mini.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(PLATFORM, "platform@example.com"))
    assert cli.main(["codeowners", "--repo", str(mini.root)]) == 0
    text = (mini.root / CODEOWNERS_PATH).read_text()
    assert owners_of(text, "pipelines/demo/x.py") == [
        "@acme/demo-ml",
        "jdoe@example.com",
        "platform@example.com",
    ]
    assert [(kind, owner) for kind, owner in CodeOwners(text).of("README.md")] == [
        ("EMAIL", "platform@example.com")
    ]
