"""``validate`` on ``[tool.kfp-monorepo]`` of pyproject.toml: every value, with its exact
message and line, all problems in one run; no table at all stays a configuration error.

The pyproject.toml under test is ``PYPROJECT`` with one change per case; its lines are 4-8 the
dependencies, 10 the table's header, 11 components-package, 12 platform-team, 13
github-repository, 14 component-base-image, 15 component-packages, 17 another table.
"""

from __future__ import annotations

import json

import pytest

from scripts.cli import main as cli
from scripts.core.errors import ConfigError
from scripts.repo import settings as settings_module
from scripts.repo.model import Repo
from scripts.repo.settings import HINTS, settings_problems
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.mini_repo import make_mini_repo

PYPROJECT = """\
[project]
name = "demo"
version = "0.0.0"
dependencies = [
    "kfp==2.17.0",
    "pandas==2.2.3",
    "scikit-learn[alldeps]==1.5.2; python_version >= '3.11'",
]

[tool.kfp-monorepo]
components-package = "kit"
platform-team = "@acme/ml-platform"
github-repository = "acme/ml-pipelines"
component-base-image = "python:3.12-slim"
component-packages = ["pandas==2.2.3"]

[tool.ruff]
line-length = 100
"""
PACKAGES = 'component-packages = ["pandas==2.2.3"]'
PIN_FIX = 'write name==version, e.g. "pandas==2.2.3", so every run installs the same'
LOCAL_RUNS = "local runs (python -m scripts run --local) use this project's environment"


@pytest.fixture
def mini(tmp_path):
    repo = make_mini_repo(tmp_path / "repo")
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("kit/__init__.py", "")
    repo.write("kit/images.py", "")  # reads component-base-image, which is required then
    return repo


def validate(mini, capsys, pyproject: str = PYPROJECT) -> tuple[int, list[str]]:
    mini.write("pyproject.toml", pyproject)
    code = cli.main(["validate", "--repo", str(mini.root)])
    return code, capsys.readouterr().err.splitlines()


def test_valid_settings_pass(mini, capsys):
    assert validate(mini, capsys) == (0, [])


def test_the_generated_settings_are_valid():
    assert settings_problems(Repo(REPO_ROOT)) == []


CASES = {
    # components-package
    "package is not an identifier": (
        ('"kit"', '"my-kit"'),
        "pyproject.toml:11: components-package 'my-kit' is not an importable package name — use "
        "a Python identifier (letters, digits and underscores, not starting with a digit): "
        + HINTS["components-package"],
    ),
    "package is a keyword": (
        ('"kit"', '"class"'),
        "pyproject.toml:11: components-package 'class' is not an importable package name — use "
        "a Python identifier (letters, digits and underscores, not starting with a digit): "
        + HINTS["components-package"],
    ),
    "package folder missing": (
        ('"kit"', '"kits"'),
        "pyproject.toml:11: components-package 'kits' names no folder of the repository (there "
        "is no kits/ next to pyproject.toml) — create the package or set the name of its folder",
    ),
    "components-package is not text": (
        ('"kit"', '["kit"]'),
        "pyproject.toml:11: components-package must be text, not a list — "
        + HINTS["components-package"],
    ),
    "package missing": (
        ('components-package = "kit"\n', ""),
        "pyproject.toml:10: [tool.kfp-monorepo] has no components-package — add it: "
        + HINTS["components-package"],
    ),
    # platform-team
    "team is no owner": (
        ('"@acme/ml-platform"', '"acme ml-platform"'),
        "pyproject.toml:12: platform-team 'acme ml-platform' is not valid — "
        + HINTS["platform-team"],
    ),
    "team with a newline": (
        ('"@acme/ml-platform"', '"@acme/ml\\n* @evil"'),
        "pyproject.toml:12: platform-team '@acme/ml\\n* @evil' is not valid — "
        + HINTS["platform-team"],
    ),
    "team is empty": (
        ('"@acme/ml-platform"', '""'),
        "pyproject.toml:12: platform-team is empty — " + HINTS["platform-team"],
    ),
    "team missing": (
        ('platform-team = "@acme/ml-platform"\n', ""),
        "pyproject.toml:10: [tool.kfp-monorepo] has no platform-team — add it: "
        + HINTS["platform-team"],
    ),
    # github-repository
    "repository without a name": (
        ('"acme/ml-pipelines"', '"acme"'),
        "pyproject.toml:13: github-repository 'acme' is not valid — " + HINTS["github-repository"],
    ),
    "repository as a URL": (
        ('"acme/ml-pipelines"', '"https://github.com/acme/ml-pipelines"'),
        "pyproject.toml:13: github-repository 'https://github.com/acme/ml-pipelines' is not "
        "valid — " + HINTS["github-repository"],
    ),
    "repository named ..": (
        ('"acme/ml-pipelines"', '"acme/.."'),
        "pyproject.toml:13: github-repository 'acme/..' is not valid — "
        + HINTS["github-repository"],
    ),
    "repository is not text": (
        ('"acme/ml-pipelines"', "1"),
        "pyproject.toml:13: github-repository must be text, not a number — "
        + HINTS["github-repository"],
    ),
    # component-base-image
    "image is empty": (
        ('"python:3.12-slim"', '"  "'),
        "pyproject.toml:14: component-base-image is empty — " + HINTS["component-base-image"],
    ),
    "image in upper case": (
        ('"python:3.12-slim"', '"Python:3.12"'),
        "pyproject.toml:14: component-base-image 'Python:3.12' is not valid — "
        + HINTS["component-base-image"],
    ),
    "image with a space": (
        ('"python:3.12-slim"', '"python:3.12 slim"'),
        "pyproject.toml:14: component-base-image 'python:3.12 slim' is not valid — "
        + HINTS["component-base-image"],
    ),
    "image missing": (
        ('component-base-image = "python:3.12-slim"\n', ""),
        "pyproject.toml:10: [tool.kfp-monorepo] has no component-base-image, which "
        "kit/images.py reads — add it: " + HINTS["component-base-image"],
    ),
    # component-packages
    "packages not a list": (
        (PACKAGES, 'component-packages = "pandas==2.2.3"'),
        "pyproject.toml:15: component-packages must be a list, not text — "
        + HINTS["component-packages"],
    ),
    "package not pinned": (
        (PACKAGES, 'component-packages = ["pandas"]'),
        f"pyproject.toml:15: component-packages[0] 'pandas' is not pinned — {PIN_FIX}",
    ),
    "package with a range": (
        (PACKAGES, 'component-packages = ["pandas>=2.2"]'),
        f"pyproject.toml:15: component-packages[0] 'pandas>=2.2' is not pinned — {PIN_FIX}",
    ),
    "package with a wildcard": (
        (PACKAGES, 'component-packages = ["pandas==2.2.*"]'),
        f"pyproject.toml:15: component-packages[0] 'pandas==2.2.*' is not pinned — {PIN_FIX}",
    ),
    "package item is not text": (
        (PACKAGES, "component-packages = [3]"),
        f"pyproject.toml:15: component-packages[0] must be text, not a number — {PIN_FIX}",
    ),
    "package listed twice, as pip compares names": (
        (PACKAGES, 'component-packages = ["pandas==2.2.3", "Pandas==2.2.3"]'),
        "pyproject.toml:15: component-packages[1] lists 'Pandas' twice (first at line 15) — "
        "keep one",
    ),
    "package not in the dependencies": (
        (PACKAGES, 'component-packages = ["numpy==2.1.0"]'),
        "pyproject.toml:15: component-packages[0] 'numpy==2.1.0' is not in [project] "
        f"dependencies — add it there too: {LOCAL_RUNS}",
    ),
    "package pinned to another version": (
        (PACKAGES, 'component-packages = ["pandas==2.2.2"]'),
        "pyproject.toml:15: component-packages[0] 'pandas==2.2.2' is not the version of "
        "'pandas==2.2.3' in [project] dependencies — pin the same version in both: " + LOCAL_RUNS,
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_settings_rule(mini, capsys, case):
    (old, new), expected = CASES[case]
    assert old in PYPROJECT
    assert validate(mini, capsys, PYPROJECT.replace(old, new, 1)) == (1, [expected])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"@acme/ml-platform"', '"@jdoe"'),
        ('"@acme/ml-platform"', '"platform@example.com"'),
        ('github-repository = "acme/ml-pipelines"\n', ""),  # optional
        ('"acme/ml-pipelines"', '"Acme-Corp/ML.Pipelines_2"'),
        ('"python:3.12-slim"', '"localhost:5000/ml/base:1.0"'),
        ('"python:3.12-slim"', '"ghcr.io/acme/base:1.0@sha256:' + "0" * 64 + '"'),
        (PACKAGES, ""),  # optional
        (PACKAGES, "component-packages = []"),
        (PACKAGES, 'component-packages = ["scikit_learn[alldeps]==1.5.2", "KFP==2.17.0"]'),
    ],
)
def test_what_is_accepted(mini, capsys, old, new):
    assert validate(mini, capsys, PYPROJECT.replace(old, new, 1)) == (0, [])


def test_the_base_image_is_optional_for_a_package_without_the_images_module(mini, capsys):
    (mini.root / "kit/images.py").unlink()
    without = PYPROJECT.replace('component-base-image = "python:3.12-slim"\n', "")
    assert validate(mini, capsys, without) == (0, [])
    code, err = validate(mini, capsys, PYPROJECT.replace('"python:3.12-slim"', '"Python"'))
    assert (code, err) == (
        1,
        [
            "pyproject.toml:14: component-base-image 'Python' is not valid — "
            + HINTS["component-base-image"]
        ],
    )


def test_each_package_is_reported_on_its_own_line(mini, capsys):
    packages = (
        'component-packages = [\n    "pandas==2.2.3",\n    "numpy",\n    \'pandas==2.2.3\',\n]'
    )
    code, err = validate(mini, capsys, PYPROJECT.replace(PACKAGES, packages))
    assert (code, err) == (
        1,
        [
            f"pyproject.toml:17: component-packages[1] 'numpy' is not pinned — {PIN_FIX}",
            "pyproject.toml:18: component-packages[2] lists 'pandas' twice (first at line 16) — "
            "keep one",
        ],
    )


def test_every_problem_in_one_run_with_the_manifests(mini, capsys):
    mini.project("demo")
    mini.write("projects/demo.yml", (mini.root / "projects/demo.yml").read_text() + "x: 1\n")
    bad = (
        PYPROJECT.replace('"kit"', '"kits"')
        .replace('"@acme/ml-platform"', '"acme"')
        .replace('"python:3.12-slim"', '""')
    )
    code, err = validate(mini, capsys, bad)
    assert code == 1
    assert [line.split(" ")[0] for line in err] == [
        "projects/demo.yml:11:",
        "pyproject.toml:11:",
        "pyproject.toml:12:",
        "pyproject.toml:14:",
    ]


def test_keys_found_however_the_table_is_written(mini, capsys):
    pyproject = PYPROJECT.replace("[tool.kfp-monorepo]", "[tool.kfp-monorepo]  # read by scripts/")
    pyproject = pyproject.replace('platform-team = "@acme/ml-platform"', '"platform-team"="acme"')
    code, err = validate(mini, capsys, pyproject)
    assert (code, err) == (
        1,
        [f"pyproject.toml:12: platform-team 'acme' is not valid — {HINTS['platform-team']}"],
    )


def test_dynamic_dependencies_are_not_compared(mini, capsys):
    pyproject = PYPROJECT.replace(
        'version = "0.0.0"', 'version = "0.0.0"\ndynamic = ["dependencies"]'
    )
    pyproject = pyproject.replace(
        'dependencies = [\n    "kfp==2.17.0",', "xdependencies = [\n    'x',"
    )
    assert "dynamic" in pyproject and "\ndependencies" not in pyproject
    pyproject = pyproject.replace(PACKAGES, 'component-packages = ["numpy==2.1.0"]')
    assert validate(mini, capsys, pyproject) == (0, [])


def test_invalid_toml_is_one_problem_on_its_line(mini, capsys):
    code, err = validate(mini, capsys, PYPROJECT.replace('"@acme/ml-platform"', "@acme"))
    assert (code, err) == (1, ["pyproject.toml:12: invalid TOML: Invalid value — fix the syntax"])
    code, err = validate(mini, capsys, PYPROJECT + 'unclosed = "\n')
    assert (code, err) == (
        1,
        ["pyproject.toml:19: invalid TOML: Illegal character '\\n' — fix the syntax"],
    )


def test_no_table_stays_the_configuration_error(mini, capsys):
    pyproject = PYPROJECT.replace("[tool.kfp-monorepo]", "# [tool.kfp-monorepo] moved\n[tool.x]")
    mini.write("pyproject.toml", pyproject)
    assert cli.main(["validate", "--repo", str(mini.root)]) == 2
    expected = (
        "pyproject.toml: cannot read [tool.kfp-monorepo] ('kfp-monorepo') — restore "
        "components-package and platform-team in that table"
    )
    assert capsys.readouterr().err == expected + "\n"
    with pytest.raises(ConfigError) as caught:
        Repo(mini.root).settings  # noqa: B018
    assert str(caught.value) == expected


def test_json_output_has_the_settings_problems(mini, capsys):
    mini.write("pyproject.toml", PYPROJECT.replace('"kit"', '"kits"'))
    assert cli.main(["validate", "--repo", str(mini.root), "--format", "json"]) == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert [(e["path"], e["line"]) for e in errors] == [("pyproject.toml", 11)]


def test_the_hints_name_every_key_the_package_reads():
    images = (REPO_ROOT / Repo(REPO_ROOT).settings.components_package / "images.py").read_text()
    assert all(key in images for key in ("component-base-image", "component-packages"))
    assert set(settings_module.REQUIRED) <= set(HINTS)
