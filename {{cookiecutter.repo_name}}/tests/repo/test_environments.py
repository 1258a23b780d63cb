"""environments.yml: hosts, namespaces, registries and their environment overrides."""

from __future__ import annotations

import pytest

from scripts.core.errors import ConfigError
from scripts.repo.environments import load_environment
from tests.helpers.git_repos import REPO_ROOT

SAMPLE = """\
environments:
  dev:
    kfp_host: https://kfp.dev.example.com/
    namespace: team-a
    image_registry: registry.example.com/ml
  prod:
    kfp_host: not-a-url
"""


@pytest.fixture
def root(tmp_path):
    (tmp_path / "environments.yml").write_text(SAMPLE)
    return tmp_path


def test_reads_an_environment(root):
    dev = load_environment(root, "dev", environ={})
    assert dev.kfp_host == "https://kfp.dev.example.com"
    assert dev.namespace == "team-a"
    assert dev.image_registry == "registry.example.com/ml"


def test_environment_variables_override(root):
    dev = load_environment(
        root, "dev", environ={"KFP_HOST": "http://127.0.0.1:9", "KFP_NAMESPACE": "other"}
    )
    assert (dev.kfp_host, dev.namespace) == ("http://127.0.0.1:9", "other")


def test_missing_environment_names_the_choices(root):
    with pytest.raises(ConfigError) as error:
        load_environment(root, "staging", environ={})
    assert str(error.value) == (
        "environments.yml:1: no environment 'staging' — use one of dev, prod or add it"
    )
    assert error.value.exit_code == 2


def test_host_that_is_not_a_url(root):
    with pytest.raises(ConfigError, match=r"environments.yml:7: environments.prod.kfp_host"):
        load_environment(root, "prod", environ={})


def test_the_generated_file_is_valid():
    for name in ("dev", "prod"):
        assert load_environment(REPO_ROOT, name, environ={}).kfp_host.startswith("http")
