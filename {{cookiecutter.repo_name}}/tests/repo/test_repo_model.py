"""Names and discovery in the repo model (scripts/repo/model.py and scripts/core/naming.py)."""

from __future__ import annotations

import re

import pytest

from scripts.core.errors import ConfigError, UsageError
from scripts.core.naming import kfp_pipeline_name, version_name
from scripts.repo.model import Pipeline, Repo, pipeline_from_path
from tests.helpers.git_repos import REPO_ROOT

DNS_1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("main", "main-0123abcd"),
        ("feature/Add-Price_Model", "feature-add-price-model-0123abcd"),
        ("--weird//branch..name--", "weird-branch-name-0123abcd"),
        ("dependabot/pip/kfp-2.17.0", "dependabot-pip-kfp-2-17-0-0123abcd"),
        ("ÜBER/ñame", "ber-ame-0123abcd"),
        ("///", "0123abcd"),
    ],
)
def test_version_name(branch, expected):
    assert version_name(branch, "0123abcdef0123456789") == expected


def test_version_name_is_cut_to_a_dns_label():
    name = version_name("feature/" + "x" * 100 + "-y", "0123abcdef")
    assert len(name) <= 63 and DNS_1123_LABEL.match(name) and name.endswith("-0123abcd")
    # A cut that lands on a separator does not leave a double or trailing hyphen.
    name = version_name("a" * 53 + "-b", "0123abcd")
    assert name == "a" * 53 + "-0123abcd" and len(name) <= 63


def test_version_name_rejects_a_non_sha():
    with pytest.raises(UsageError, match="not a git commit SHA"):
        version_name("main", "HEAD")


def test_kfp_names():
    pipeline = Pipeline(
        "pipelines/price-suggestion/train_model.py", "price-suggestion", "train_model"
    )
    assert pipeline.kfp_name == "price-suggestion-train-model"
    assert pipeline.display_name == pipeline.selector == "price-suggestion/train_model"
    assert kfp_pipeline_name("p", "a_b_c") == "p-a-b-c"


@pytest.mark.parametrize(
    "path",
    [
        "pipelines/p/_helpers.py",
        "pipelines/p/sub/x.py",
        "pipelines/p/README.md",
        "scripts/x.py",
        "pipelines/_shared/x.py",
    ],
)
def test_paths_that_are_not_pipelines(path):
    assert pipeline_from_path(path) is None


def test_discovery_and_selectors(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kfp-monorepo]\ncomponents-package = "kit"\nplatform-team = "@o/t"\n'
    )
    for path in [
        "pipelines/b/two.py",
        "pipelines/a/one.py",
        "pipelines/a/_helper.py",
        "pipelines/a/zed.py",
    ]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    repo = Repo.discover(tmp_path / "pipelines" / "a")
    assert repo.root == tmp_path.resolve()
    assert [p.selector for p in repo.pipelines()] == ["a/one", "a/zed", "b/two"]
    assert [p.selector for p in repo.select(["b", "a/zed"])] == ["a/zed", "b/two"]
    with pytest.raises(UsageError, match="matches no pipeline"):
        repo.select(["a/missing"])
    assert repo.settings.components_package == "kit"


def test_outside_a_monorepo(tmp_path):
    with pytest.raises(ConfigError, match="--repo PATH"):
        Repo.discover(tmp_path)


def test_broken_settings_name_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kfp-monorepo]\n")
    with pytest.raises(ConfigError) as error:
        Repo(tmp_path).settings  # noqa: B018
    assert str(error.value).startswith("pyproject.toml: cannot read [tool.kfp-monorepo]")


def test_this_repo_settings():
    settings = Repo(REPO_ROOT).settings
    assert settings.platform_team.startswith("@")
    assert (REPO_ROOT / settings.components_package / "__init__.py").is_file()
