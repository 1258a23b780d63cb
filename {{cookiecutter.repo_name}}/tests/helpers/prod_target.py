"""The flow tests' prod, whichever target this repo's environments.yml gives it.

The workflow flow tests run the repo's own workflows against test servers; with ``prod`` on
KFP that is the KFP API test server, with ``prod`` on Vertex AI the Vertex AI and Artifact
Registry test servers, reached as GitHub Actions reaches them: the credentials file
``google-github-actions/auth`` would write (its step is a ``uses:`` step, which the local runner
leaves out, so the fixture stands in for it) and the endpoint overrides.

Fixture: ``prod_target`` (a ``ProdTarget``: the runner environment additions, what was
published, and the server). ``prod_site`` is what tests/workflows/conftest.py overrides
``vertex_site`` with, so the Vertex server answers for exactly the project environments.yml
names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.git_repos import REPO_ROOT

KFP_TOKEN = "kfp-prod-token"
# What google-github-actions/auth and the trust of a private CA give a job's environment.
GOOGLE_VARIABLES = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "NO_GCE_CHECK",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
    "CLOUDSDK_CONFIG",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
)


def environment_settings(root: Path = REPO_ROOT) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((root / "environments.yml").read_text("utf-8"))
    return document["environments"]


def target_of(name: str, root: Path = REPO_ROOT) -> str:
    return environment_settings(root)[name].get("target", "kfp")


def google_permissions(name: str) -> dict[str, str]:
    """What a job that reaches environment ``name`` adds to its permissions: the OIDC token
    Workload Identity Federation exchanges, on Vertex AI only."""
    return {"id-token": "write"} if target_of(name) == "vertex" else {}


@dataclass
class ProdTarget:
    kind: str  # kfp | vertex
    env: dict[str, str]  # for the runner: where prod is and how to authenticate
    secrets: dict[str, str]
    published: Callable[[], list[tuple[str, str]]]  # (pipeline, version name) pairs
    server: Any


def prod_site() -> tuple[str, str]:
    """The project and region of this repo's prod (defaults when prod is on KFP)."""
    settings = environment_settings()["prod"]
    return settings.get("project", "acme-ml-prod"), settings.get("region", "europe-west4")


@pytest.fixture
def prod_target(request: pytest.FixtureRequest, kfp_server_factory) -> ProdTarget:
    if target_of("prod") == "kfp":
        kfp = kfp_server_factory(token=KFP_TOKEN)
        return ProdTarget(
            "kfp",
            {"KFP_HOST": kfp.url},
            {"KFP_TOKEN": KFP_TOKEN},
            lambda: [
                (p.name, v.name)
                for p in kfp.pipelines
                for v in kfp.versions
                if v.pipeline_id == p.uuid
            ],
            kfp,
        )
    from tests.servers.registry_fixtures import PROJECT, REPOSITORY

    vertex = request.getfixturevalue("vertex_server")
    request.getfixturevalue("vertex_credentials")
    registry = request.getfixturevalue("artifact_registry")
    url = request.getfixturevalue("artifact_registry_url")
    env = {key: os.environ[key] for key in GOOGLE_VARIABLES if key in os.environ}
    env |= {"VERTEX_API_ENDPOINT": vertex.endpoint, "KFP_REGISTRY_HOST": url}

    def published() -> list[tuple[str, str]]:
        return sorted(
            (package, tag)
            for package in registry.packages(PROJECT, REPOSITORY)
            for tag in registry.tags(PROJECT, REPOSITORY, package)
            if tag != "latest" and not tag.startswith("pr-")
        )

    return ProdTarget("vertex", env, {}, published, vertex)
