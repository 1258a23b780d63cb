"""A real MLflow tracking server on this machine, started once per test session.

The server is ``mlflow server`` (PyPI ``mlflow[auth]``) with a SQLite backend store and proxied
artifacts, both in a temporary folder. Its dependencies (Flask, SQLAlchemy, pandas, scikit-learn
...) have no place in this project, whose client side is ``mlflow-skinny``; so it lives in its
own virtualenv: the tests find its ``mlflow`` executable through ``MLFLOW_SERVER_BIN``, else
``.venv-mlflow/bin/mlflow`` in this repository (``make mlflow-server`` creates it). Not on PATH:
there ``mlflow`` is usually mlflow-skinny's, which cannot serve.

It runs MLflow's own ``basic-auth`` app, so credentials are checked as a deployment checks them:
the tests sync as its admin user (MLFLOW_TRACKING_USERNAME/PASSWORD), and a bearer token it does
not know is answered 401, as a token-checking front door answers a wrong token.

When the executable is missing the tests are skipped; with ``REQUIRE_MLFLOW=1`` (set in CI,
whose services-tests job runs ``make mlflow-server``) they fail instead, so CI can never go
green by skipping them.

Finding, starting and stopping it is ``tests/helpers/server_process.py``'s part.

Fixture: ``mlflow_server`` (session): ``MlflowServer`` with ``url``, ``username``,
``password``, ``log``; ``environ()`` gives the variables that point a client at it.
"""

from __future__ import annotations

import base64
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.docker_services import free_port, log_tail
from tests.helpers.server_process import (
    ServerProgram,
    http_answers,
    isolated_environ,
    session_server,
    start_server,
)

ADMIN = "admin"
ADMIN_PASSWORD = "test-mlflow-Passw0rd"  # only ever on 127.0.0.1, in a throwaway database
MLFLOW = ServerProgram(  # ~12 s to start here (database migrations)
    name="mlflow",
    executable="mlflow",
    binary_variable="MLFLOW_SERVER_BIN",
    make_target="mlflow-server",
    description="MLflow server",
)


@dataclass(frozen=True)
class MlflowServer:
    url: str  # http://127.0.0.1:<port>
    username: str
    password: str
    log: Path

    def environ(self) -> dict[str, str]:
        """The variables that point mlflow-sync (and MLflow's client) at this server."""
        return {
            "MLFLOW_TRACKING_URI": self.url,
            "MLFLOW_TRACKING_USERNAME": self.username,
            "MLFLOW_TRACKING_PASSWORD": self.password,
        }

    def log_tail(self) -> str:
        return log_tail(self.log)


def server_answers(url: str) -> bool:
    """True once an authenticated API call works (both databases are migrated by then)."""
    request = urllib.request.Request(
        f"{url}/api/2.0/mlflow/experiments/search?max_results=1",
        headers={
            "Authorization": "Basic "
            + base64.b64encode(f"{ADMIN}:{ADMIN_PASSWORD}".encode()).decode()
        },
    )
    return http_answers(request)


def start_mlflow(mlflow: str, folder: Path) -> tuple[subprocess.Popen, MlflowServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "mlflow.log"
    (folder / "home").mkdir()
    auth_config = folder / "basic_auth.ini"
    auth_config.write_text(
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{folder / 'auth.db'}\n"
        f"admin_username = {ADMIN}\n"
        f"admin_password = {ADMIN_PASSWORD}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n",
        # No auth_cache_ttl_seconds, though every request then hashes the password (PBKDF2,
        # ~0.3 s here): MLflow 3.17's cache answers a bearer token with a 500, not a 401.
        encoding="utf-8",
    )
    environ = {
        **isolated_environ(folder / "home"),
        "MLFLOW_AUTH_CONFIG_PATH": str(auth_config),
        # The auth app's CSRF protection needs a fixed key; any value does for one server.
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "test-only-secret",
        # No background job runner (seven huey consumer processes for scorers and trace
        # archival): experiments, runs and models do not use it.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    command = [
        mlflow,
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",  # two processes: the concurrent-create test races across them
        "--app-name",
        "basic-auth",
        # Clients keep connections open (requests sessions); without a bound uvicorn waits for
        # them on SIGTERM until stop() kills it 20 s later.
        "--uvicorn-opts",
        "--timeout-graceful-shutdown 2",
    ]
    process = start_server(
        command,
        name="mlflow server",
        log=log,
        environ=environ,
        ready=lambda: server_answers(url),
        cwd=folder,
    )
    return process, MlflowServer(url=url, username=ADMIN, password=ADMIN_PASSWORD, log=log)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    with session_server(MLFLOW, tmp_path_factory, start_mlflow) as server:
        yield server
