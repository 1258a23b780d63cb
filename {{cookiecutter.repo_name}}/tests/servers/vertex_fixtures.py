"""Pytest fixtures for the Vertex AI test server (registered from tests/conftest.py).

- `vertex_site`: the (project, location) the server serves: `acme-ml-prod` in `europe-west4`;
  a test module or conftest overrides this fixture to serve another (the repo's own prod).
- `vertex_server`: a started `VertexApiServer` for that project (number 123456789012) and
  location, trusted by this test's clients (`trust_test_ca`), stopped after the test.
- `vertex_endpoint`: its `host:port`, for `aiplatform.init(api_endpoint=...)`.
- `vertex_credentials`: `google.auth.default()` made to work offline against the server the
  way google-github-actions/auth sets it up with Workload Identity Federation: an
  `external_account` credentials file (subject token in a file, the server's STS as
  `token_url`, impersonation of `pipelines@acme-ml-prod.iam.gserviceaccount.com` through the
  server's IAM Credentials URL) in GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT set,
  and the GCE metadata server pointed at a closed port (NO_GCE_CHECK, GCE_METADATA_HOST,
  GCE_METADATA_IP) with an empty CLOUDSDK_CONFIG, so nothing can fall back to real credentials.
- `vertex_aiplatform`: the `aiplatform` module initialised for the server (REST transport,
  those credentials); the SDK's global configuration is restored afterwards.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers.tls import TlsFiles
from tests.servers.vertex_api import VertexApiServer

PROJECT = "acme-ml-prod"
PROJECT_NUMBER = "123456789012"
LOCATION = "europe-west4"
SERVICE_ACCOUNT = f"pipelines@{PROJECT}.iam.gserviceaccount.com"
WORKLOAD_PROVIDER = (
    f"//iam.googleapis.com/projects/{PROJECT_NUMBER}/locations/global/"
    "workloadIdentityPools/github/providers/acme-ml-pipelines"
)
GITHUB_SUBJECT = "repo:acme/ml-pipelines:ref:refs/heads/main"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


@dataclass(frozen=True)
class VertexCredentials:
    """What `vertex_credentials` set up."""

    path: Path  # the external_account JSON (GOOGLE_APPLICATION_CREDENTIALS)
    subject_token: Path  # the OIDC token file it reads
    service_account: str
    project: str
    audience: str

    @property
    def federated_principal(self) -> str:
        """The STS principal of the subject token (before impersonation)."""
        pool = self.audience.split("/providers/")[0].removeprefix("//iam.googleapis.com/")
        return f"principal://iam.googleapis.com/{pool}/subject/{GITHUB_SUBJECT}"


@pytest.fixture
def vertex_site() -> tuple[str, str]:
    return PROJECT, LOCATION


@pytest.fixture
def vertex_server(
    trust_test_ca: TlsFiles, vertex_site: tuple[str, str]
) -> Iterator[VertexApiServer]:
    project, location = vertex_site
    with VertexApiServer(
        tls=trust_test_ca, project=project, project_number=PROJECT_NUMBER, location=location
    ) as server:
        yield server


@pytest.fixture
def vertex_endpoint(vertex_server: VertexApiServer) -> str:
    return vertex_server.endpoint


def github_oidc_token(subject: str = GITHUB_SUBJECT) -> str:
    """A JWT-shaped token like GitHub Actions' OIDC token (unsigned: nothing checks it)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    header = {"alg": "RS256", "typ": "JWT", "kid": "test"}
    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": f"https:{WORKLOAD_PROVIDER}",
        "sub": subject,
        "repository": "acme/ml-pipelines",
        "ref": "refs/heads/main",
    }
    return f"{part(header)}.{part(claims)}.{base64.urlsafe_b64encode(b'unsigned').decode()}"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def credentials_environment(server: VertexApiServer, folder: Path) -> dict[str, str]:
    """The environment variables that make `google.auth.default()` use Workload Identity
    Federation credentials against `server` (written into `folder`), offline: what
    google-github-actions/auth leaves a job, with the metadata server out of reach."""
    folder.mkdir(parents=True, exist_ok=True)
    token = folder / "oidc-token"
    token.write_text(github_oidc_token())
    path = folder / "gha-creds.json"
    path.write_text(
        json.dumps(
            {
                "type": "external_account",
                "audience": WORKLOAD_PROVIDER,
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "token_url": server.sts_url,
                "service_account_impersonation_url": server.impersonation_url(SERVICE_ACCOUNT),
                "credential_source": {"file": str(token)},
            },
            indent=2,
        )
    )
    metadata = f"127.0.0.1:{_closed_port()}"
    return {
        "GOOGLE_APPLICATION_CREDENTIALS": str(path),
        "GOOGLE_CLOUD_PROJECT": server.project,
        "NO_GCE_CHECK": "true",
        "GCE_METADATA_HOST": metadata,
        "GCE_METADATA_IP": metadata,
        "CLOUDSDK_CONFIG": str(folder / "gcloud"),
    }


@pytest.fixture
def vertex_credentials(
    vertex_server: VertexApiServer,
    trust_test_ca: TlsFiles,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> VertexCredentials:
    folder = tmp_path / "gcp-credentials"
    environment = credentials_environment(vertex_server, folder)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    path = Path(environment["GOOGLE_APPLICATION_CREDENTIALS"])
    return VertexCredentials(
        path, folder / "oidc-token", SERVICE_ACCOUNT, vertex_server.project, WORKLOAD_PROVIDER
    )


@pytest.fixture
def vertex_aiplatform(
    vertex_server: VertexApiServer, vertex_credentials: VertexCredentials
) -> Iterator[Any]:
    import google.auth
    from google.cloud import aiplatform
    from google.cloud.aiplatform import initializer

    saved = dict(vars(initializer.global_config))
    # Scoped: impersonation (generateAccessToken) refuses a token request without scopes.
    credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM])
    aiplatform.init(
        project=PROJECT,
        location=LOCATION,
        api_endpoint=vertex_server.endpoint,
        api_transport="rest",
        credentials=credentials,
    )
    yield aiplatform
    # aiplatform.init is bound to this one config object, so restore it in place.
    vars(initializer.global_config).clear()
    vars(initializer.global_config).update(saved)
