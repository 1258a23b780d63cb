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
    from scripts.repo.environments import environments_problems

    assert environments_problems(REPO_ROOT) == []
    for name in ("dev", "prod"):
        environment = load_environment(REPO_ROOT, name, environ={})
        if environment.target == "vertex":
            assert environment.registry.startswith(f"https://{environment.region}-kfp.pkg.dev/")
            assert environment.pipeline_root.startswith("gs://")
        else:
            assert environment.kfp_host.startswith("http")


# -- overrides are blamed on the environment, never on a line of the file -------------------

BAD_OVERRIDES = {
    "KFP_HOST": ("127.0.0.1:9", "is not an http(s) URL (from $KFP_HOST) — set it to the KFP API"),
    "KFP_NAMESPACE": ("Team_A", "is not a Kubernetes namespace name (from $KFP_NAMESPACE) — "),
    "IMAGE_REGISTRY": (
        "https://ghcr.io/acme",
        "is not a registry path (from $IMAGE_REGISTRY) — write host[:port]/path",
    ),
    "POLYAXON_HOST": ("polyaxon:8000", "is not an http(s) URL (from $POLYAXON_HOST) — "),
    "POLYAXON_OWNER": ("  ", "is not an organisation name (from $POLYAXON_OWNER) — "),
    "KFP_REGISTRY_HOST": (
        "http://127.0.0.1:5/acme/pipelines",
        "is not an https URL (from $KFP_REGISTRY_HOST) — set it to the full URL",
    ),
    "VERTEX_API_ENDPOINT": (
        "https://europe-west4-aiplatform.googleapis.com",
        "is not a host[:port] (from $VERTEX_API_ENDPOINT) — set it to the Vertex AI API's",
    ),
}


def test_every_override_has_a_rule():
    from scripts.repo.environments import OVERRIDE_RULES, OVERRIDES

    assert set(OVERRIDE_RULES) == set(OVERRIDES)
    assert set(BAD_OVERRIDES) == set(OVERRIDES.values())


@pytest.mark.parametrize("variable", list(BAD_OVERRIDES), ids=list(BAD_OVERRIDES))
def test_a_bad_override_is_blamed_on_its_variable(root, variable):
    value, expected = BAD_OVERRIDES[variable]
    with pytest.raises(ConfigError) as error:
        load_environment(root, "dev", environ={variable: value})
    (problem,) = error.value.problems()
    assert (problem.path, problem.line) == ("", None)
    assert str(error.value) == str(problem)
    assert str(error.value).startswith(f"{variable} {value!r} {expected}")
    assert "environments.yml" not in str(error.value)
    assert error.value.exit_code == 2


def test_every_bad_override_is_listed(root):
    environ = {variable: value for variable, (value, _) in BAD_OVERRIDES.items()}
    with pytest.raises(ConfigError) as error:
        load_environment(root, "dev", environ=environ)
    assert [str(p).split(" ", 1)[0] for p in error.value.problems()] == list(BAD_OVERRIDES)


def test_good_overrides_are_applied_and_remembered(root):
    environ = {
        "KFP_HOST": "http://127.0.0.1:9/",
        "KFP_NAMESPACE": "team-b",
        "IMAGE_REGISTRY": "127.0.0.1:5000/ml/",
        "POLYAXON_HOST": "http://127.0.0.1:8000",
        "POLYAXON_OWNER": "default",
        "KFP_TOKEN": "not-a-setting",
    }
    dev = load_environment(root, "dev", environ=environ)
    assert dev.kfp_host == "http://127.0.0.1:9"
    assert (dev.namespace, dev.image_registry) == ("team-b", "127.0.0.1:5000/ml/")
    assert (dev.polyaxon_host, dev.polyaxon_owner) == ("http://127.0.0.1:8000", "default")
    assert dev.from_variables == {
        "kfp_host",
        "namespace",
        "image_registry",
        "polyaxon_host",
        "polyaxon_owner",
    }
    assert load_environment(root, "dev", environ={"KFP_HOST": ""}).from_variables == set()


def test_a_bad_host_in_the_file_is_still_blamed_on_its_line(root):
    with pytest.raises(ConfigError) as error:
        load_environment(root, "prod", environ={})
    assert str(error.value) == (
        "environments.yml:7: environments.prod.kfp_host 'not-a-url' is not an http(s) URL — "
        "set it to the KFP API address, e.g. https://kfp.example.com"
    )


def test_a_good_override_fixes_a_bad_host_in_the_file(root):
    prod = load_environment(root, "prod", environ={"KFP_HOST": "https://kfp.example.com"})
    assert prod.kfp_host == "https://kfp.example.com"


def test_the_rules_agree_with_the_schema_and_with_images():
    import json

    from scripts.images.engine import REPOSITORY
    from scripts.repo.environments import NAMESPACE, REGISTRY_PATH

    schema = json.loads((REPO_ROOT / "schemas/environments.schema.json").read_text("utf-8"))
    fields = schema["properties"]["environments"]["additionalProperties"]["properties"]
    assert NAMESPACE.pattern == fields["namespace"]["pattern"]
    assert REGISTRY_PATH.pattern == REPOSITORY.pattern
