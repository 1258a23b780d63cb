"""The Vertex AI target's rules without a server: environments, names, Artifact Registry URL
forms, and the checks made before any request."""

from __future__ import annotations

import json
import textwrap

import pytest

from scripts.core.errors import ConfigError, UsageError
from scripts.core.naming import label_value, registry_package_problem, vertex_experiment_name
from scripts.repo.environments import environments_problems, load_environment
from scripts.targets.select import target_for
from tests.helpers.git_repos import REPO_ROOT

VERTEX = """\
environments:
  dev:
    kfp_host: https://kfp.dev.example.com
  prod:
    target: vertex
    project: acme-ml-prod
    region: europe-west4
    registry: https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines/
    pipeline_root: gs://acme-ml-prod-pipelines/root
    service_account: pipelines@acme-ml-prod.iam.gserviceaccount.com
"""


@pytest.fixture
def root(tmp_path):
    (tmp_path / "environments.yml").write_text(VERTEX)
    (tmp_path / "schemas").mkdir()
    schema = REPO_ROOT / "schemas" / "environments.schema.json"
    (tmp_path / "schemas" / "environments.schema.json").write_text(schema.read_text())
    return tmp_path


def test_a_vertex_environment_is_read_with_its_settings(root):
    prod = load_environment(root, "prod", environ={})
    assert prod.target == "vertex"
    assert (prod.project, prod.region) == ("acme-ml-prod", "europe-west4")
    assert prod.registry == "https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines"
    assert prod.kfp_host == ""
    assert prod.address == "vertex-ai://acme-ml-prod/europe-west4"
    assert load_environment(root, "dev", environ={}).target == "kfp"
    assert environments_problems(root) == []


def test_overrides_reach_the_clients_not_the_template_urls(root):
    environ = {
        "KFP_REGISTRY_HOST": "https://127.0.0.1:8443/acme-ml-prod/pipelines",
        "VERTEX_API_ENDPOINT": "127.0.0.1:9443",
    }
    prod = load_environment(root, "prod", environ=environ)
    assert prod.registry_endpoint == "https://127.0.0.1:8443/acme-ml-prod/pipelines"
    assert prod.registry == "https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines"
    assert prod.api_endpoint == "127.0.0.1:9443"
    assert {"registry_endpoint", "api_endpoint"} <= prod.from_variables


@pytest.mark.parametrize("missing", ["project", "region", "registry", "service_account"])
def test_a_vertex_environment_without_a_required_key_is_one_clear_error(root, missing):
    text = "\n".join(line for line in VERTEX.splitlines() if f" {missing}:" not in line)
    (root / "environments.yml").write_text(text + "\n")
    with pytest.raises(ConfigError) as error:
        load_environment(root, "prod", environ={})
    assert f"environments.prod has target vertex but no {missing} — add it" in str(error.value)
    (problem,) = environments_problems(root)
    assert problem.path == "environments.yml" and problem.line == 4
    assert f"missing key {missing!r}" in problem.message


def test_an_unknown_target_is_refused(root):
    (root / "environments.yml").write_text(VERTEX.replace("target: vertex", "target: sagemaker"))
    with pytest.raises(ConfigError, match="is not a target — use kfp or vertex"):
        load_environment(root, "prod", environ={})
    assert any("target" in p.message for p in environments_problems(root))


@pytest.mark.parametrize(
    ("experiment", "expected"),
    [
        ("Default", "alpha-default"),
        ("Trading Cards", "alpha-trading-cards"),
        ("nightly_eval", "alpha-nightly-eval"),
        ("a  -_ b", "alpha-a-b"),
    ],
)
def test_manifest_experiments_map_to_vertex_names(experiment, expected):
    assert vertex_experiment_name("alpha", experiment) == expected


@pytest.mark.parametrize("experiment", ["Café", "v1.2", "x" * 130])
def test_an_experiment_that_cannot_map_is_a_clear_error(experiment):
    with pytest.raises(UsageError) as error:
        vertex_experiment_name("alpha", experiment)
    assert f"experiment {experiment!r} of project alpha cannot be a Vertex AI" in str(error.value)


def test_package_and_label_rules():
    assert registry_package_problem("alpha-train-model") is None
    for bad in ("Alpha-train", "alpha_train", "-alpha", "a" * 129):
        assert "cannot be an Artifact Registry package name" in registry_package_problem(bad)
    assert label_value("acme/ML-Pipelines") == "acme_ml-pipelines"
    assert len(label_value("x" * 100)) == 63


def test_the_target_is_chosen_by_the_environment(root):
    assert target_for(load_environment(root, "dev", environ={})).kind == "kfp"
    assert target_for(load_environment(root, "prod", environ={})).kind == "vertex"


def test_artifact_registry_url_forms():
    """kfp's RegistryClient speaks two URL schemes: Artifact Registry's own API for
    ``*-kfp.pkg.dev`` hosts, and ``{host}/...`` for any other host (the tests' server)."""
    from kfp.registry import RegistryClient

    from scripts.targets.vertex.connection import BearerAuth

    class Fresh:
        valid, token = True, "t"

    ar = RegistryClient(
        host="https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines", auth=BearerAuth(Fresh())
    )
    api = "https://artifactregistry.googleapis.com/v1/projects/acme-ml-prod/locations/"
    assert ar._config["list_tags_url"].format(package_name="p") == (
        f"{api}europe-west4/repositories/pipelines/packages/p/tags"
    )
    assert ar._config["upload_url"] == "https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines"
    assert "view=FULL" in ar._config["list_versions_url"]
    other = RegistryClient(host="https://127.0.0.1:8443/acme-ml-prod/pipelines", auth=None)
    assert other._config["list_tags_url"].format(package_name="p") == (
        "https://127.0.0.1:8443/acme-ml-prod/pipelines/packages/p/tags"
    )


def test_a_bad_package_name_is_refused_before_any_request(tmp_path):
    """The publisher checks the name first; its registry is never asked."""
    from scripts.targets.publish.plan import PipelineTarget
    from scripts.targets.vertex.publish import VertexPublisher

    class NoRegistry:
        def __getattr__(self, name):
            raise AssertionError(f"the registry was asked ({name}) before the name check")

    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps({"pipelineInfo": {"name": "Alpha_Train"}}))
    target = PipelineTarget(
        selector="alpha/train",
        project="alpha",
        name="Alpha_Train",
        display_name="alpha/train",
        source="pipelines/alpha/train.py",
        package=spec,
        namespace=None,
    )
    publisher = VertexPublisher(
        None, NoRegistry(), version="main-1a2b3c4d", dry_run=False, always_upload=False, mark=None
    )
    result = publisher.publish_pipeline(target)
    assert result.status == "failed"
    assert "'Alpha_Train' cannot be an Artifact Registry package name" in result.message


def test_the_generated_example_environments_validate(tmp_path):
    """Both targets' blocks as the template writes them pass the schema."""
    (tmp_path / "schemas").mkdir()
    schema = REPO_ROOT / "schemas" / "environments.schema.json"
    (tmp_path / "schemas" / "environments.schema.json").write_text(schema.read_text())
    (tmp_path / "environments.yml").write_text(
        textwrap.dedent(
            """\
            environments:
              dev:
                target: kfp
                kfp_host: https://kfp.dev.example.com
              prod:
                target: vertex
                project: acme-ml
                region: us-central1
                registry: https://us-central1-kfp.pkg.dev/acme-ml/pipelines
                registry_endpoint: https://us-central1-kfp.pkg.dev/acme-ml/pipelines
                api_endpoint: us-central1-aiplatform.googleapis.com
                pipeline_root: gs://acme-ml-pipelines/root
                service_account: pipelines@acme-ml.iam.gserviceaccount.com
                timezone: Europe/Berlin
            """
        )
    )
    assert environments_problems(tmp_path) == []
