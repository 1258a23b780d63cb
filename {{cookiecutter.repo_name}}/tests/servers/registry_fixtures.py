"""Pytest fixtures for the Artifact Registry test server (registered from tests/conftest.py).

- `artifact_registry`: a started `ArtifactRegistryServer` with the repository
  `acme-ml-prod/pipelines`, stopped after the test. The test trusts the server's CA
  (`trust_test_ca`), and kfp's RegistryClient is kept from reading a developer's or runner's
  ~/.config/kfp/registry_context.json and registry_credentials.json, which would change the
  URLs it calls and the token it sends.
- `artifact_registry_url`: that repository's host URL, for `RegistryClient(host=...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.artifact_registry import ArtifactRegistryServer
from tests.servers.tls import TlsFiles

PROJECT = "acme-ml-prod"
REPOSITORY = "pipelines"


@pytest.fixture
def artifact_registry(
    trust_test_ca: TlsFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ArtifactRegistryServer]:
    from kfp.registry import registry_client

    # Module constants, fixed when kfp was imported: point them at files that do not exist.
    config = tmp_path / "kfp-registry-home"
    monkeypatch.setattr(registry_client, "LOCAL_REGISTRY_CONTEXT", str(config / "context.json"))
    monkeypatch.setattr(
        registry_client, "LOCAL_REGISTRY_CREDENTIAL", str(config / "credentials.json")
    )
    with ArtifactRegistryServer(trust_test_ca) as server:
        server.add_repository(PROJECT, REPOSITORY)
        yield server


@pytest.fixture
def artifact_registry_url(artifact_registry: ArtifactRegistryServer) -> str:
    return artifact_registry.host_url(PROJECT, REPOSITORY)
