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

Fixture: ``mlflow_server`` (session): ``MlflowServer`` with ``url``, ``username``,
``password``, ``log``; ``environ()`` gives the variables that point a client at it.
"""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.docker_services import ServiceError, free_port, log_tail, stop, wait_until

REPO_ROOT = Path(__file__).resolve().parents[3]
STARTUP_TIMEOUT = 180.0  # seconds; ~12 s here (database migrations), more on a loaded machine
BINARY_VARIABLE = "MLFLOW_SERVER_BIN"
ADMIN = "admin"
ADMIN_PASSWORD = "test-mlflow-Passw0rd"  # only ever on 127.0.0.1, in a throwaway database


def mlflow_required() -> bool:
    return os.environ.get("REQUIRE_MLFLOW") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail when the environment promises MLflow (REQUIRE_MLFLOW=1 in CI)."""
    if mlflow_required():
        pytest.fail(f"REQUIRE_MLFLOW=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def find_mlflow_server(environ: dict[str, str] | None = None) -> str | None:
    """The server's mlflow executable: $MLFLOW_SERVER_BIN, or this repo's .venv-mlflow."""
    environ = os.environ if environ is None else environ
    configured = environ.get(BINARY_VARIABLE)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    local = REPO_ROOT / ".venv-mlflow" / "bin" / "mlflow"
    return str(local) if os.access(local, os.X_OK) else None


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
    try:
        with urllib.request.urlopen(request, timeout=2.0):
            return True
    except (OSError, urllib.error.URLError):
        return False


def start_server(mlflow: str, folder: Path) -> tuple[subprocess.Popen, MlflowServer]:
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
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder / "home"),
        "LANG": "C.UTF-8",
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
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=folder,
            start_new_session=True,  # stop() ends the group: uvicorn's workers and all
        )
    server = MlflowServer(url=url, username=ADMIN, password=ADMIN_PASSWORD, log=log)
    try:
        wait_until(
            lambda: server_answers(url),
            process,
            name="mlflow server",
            log=log,
            timeout=STARTUP_TIMEOUT,
        )
    except BaseException:
        stop(process)
        raise
    return process, server


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    mlflow = find_mlflow_server()
    if mlflow is None:
        configured = os.environ.get(BINARY_VARIABLE)
        unavailable(
            f"{BINARY_VARIABLE}={configured} is not an executable file"
            if configured
            else f"no MLflow server (set {BINARY_VARIABLE}, or run `make mlflow-server` to "
            "create .venv-mlflow)"
        )
    folder = Path(tempfile.mkdtemp(prefix="mlflow-", dir=tmp_path_factory.getbasetemp()))
    try:
        process, server = start_server(mlflow, folder)
    except ServiceError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        stop(process)
