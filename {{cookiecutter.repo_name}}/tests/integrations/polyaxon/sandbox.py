"""A real Polyaxon API server on this machine, started once per test session.

The server is ``haupt sandbox`` (PyPI ``haupt[sandbox]``, the Polyaxon CE API with a SQLite
database). haupt pins libraries kfp also pins, so it lives in its own virtualenv: the tests find
its ``haupt`` executable through ``POLYAXON_SANDBOX_BIN``, else ``.venv-polyaxon/bin/haupt`` in
this repository, else ``haupt`` on PATH (``make polyaxon-sandbox`` creates that virtualenv).
It migrates its database on start (about 20 s), so one server serves the whole session.

Every path the sandbox writes (database, artifacts store, archive cache, config) is under its
own temporary folder, and its HOME points there too, so it never touches a user's ~/.polyaxon.

When haupt is missing the tests are skipped; with ``REQUIRE_POLYAXON=1`` (set in CI, whose
services-tests job runs ``make polyaxon-sandbox`` and then ``pytest -m "docker or polyaxon"``) they
fail instead, so CI can never go green by skipping them.

What the sandbox cannot do here: execute runs. Polyaxon CE runs operations through an agent on
Kubernetes; the sandbox only queues them. So the tests play the agent's part through the same
API an agent uses (status updates, log uploads) — see ``PolyaxonAgent``.

Polyaxon CE also has no authentication: it accepts any token. Deployments put token checking
in front of it (Polyaxon EE/Cloud, or a gateway); ``polyaxon_gateway`` is that front door for the
tests: it forwards requests with the right ``Authorization: Token <token>`` header to the
sandbox and answers 401 ``{"detail": "Invalid token."}`` (Django REST framework's token
authentication answer, which Polyaxon's token-checking servers give) to anything else.

Finding, starting and stopping the sandbox is ``tests/helpers/server_process.py``'s part.

Fixtures:
- ``polyaxon_server`` (session): ``PolyaxonServer`` with ``url``, ``artifacts_root``, ``log``.
- ``polyaxon_gateway`` (session): ``PolyaxonGateway`` with ``url`` and the ``token`` it accepts.
"""

from __future__ import annotations

import http.client
import http.server
import json
import subprocess
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.docker_services import free_port, log_tail
from tests.helpers.server_process import (
    ServerProgram,
    http_answers,
    isolated_environ,
    session_server,
    start_server,
)

DEFAULT_OWNER = "default"  # Polyaxon CE has one organisation, named "default"
GATEWAY_TOKEN = "test-polyaxon-token"
HAUPT = ServerProgram(  # ~20 s to start here (database migrations)
    name="polyaxon",
    executable="haupt",
    binary_variable="POLYAXON_SANDBOX_BIN",
    make_target="polyaxon-sandbox",
    description="haupt executable",
    on_path=True,
)


def find_haupt(environ: Mapping[str, str] | None = None) -> str | None:
    """The haupt executable: $POLYAXON_SANDBOX_BIN, this repo's .venv-polyaxon, or PATH."""
    return HAUPT.find(environ)


def server_answers(url: str) -> bool:
    """True once the API answers a real query (the database is migrated by then)."""
    return http_answers(f"{url}/api/v1/{DEFAULT_OWNER}/projects/list")


@dataclass(frozen=True)
class PolyaxonServer:
    url: str  # http://127.0.0.1:<port>
    artifacts_root: Path  # the sandbox's artifacts store (runs' outputs and logs)
    log: Path
    owner: str = DEFAULT_OWNER

    def log_tail(self) -> str:
        return log_tail(self.log)


def start_sandbox(haupt: str, folder: Path) -> tuple[subprocess.Popen, PolyaxonServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    store = folder / "store"
    log = folder / "haupt.log"
    for sub in ("home", "store", "archives", "artifacts", "offline"):
        (folder / sub).mkdir(parents=True)
    environ = {
        **isolated_environ(folder / "home"),
        # Defaults are /tmp/plx/...: shared between sandboxes, so point them at our folder.
        "POLYAXON_ARCHIVES_ROOT": str(folder / "archives"),
        "POLYAXON_ARTIFACTS_ROOT": str(folder / "artifacts"),
        "POLYAXON_OFFLINE_ROOT": str(folder / "offline"),
        "POLYAXON_NO_OP": "false",
    }
    command = [
        haupt,
        "sandbox",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",  # the machine has 2 cores, shared with the rest of the suite
        "--path",
        str(store),
    ]
    process = start_server(
        command, name="haupt sandbox", log=log, environ=environ, ready=lambda: server_answers(url)
    )
    return process, PolyaxonServer(url=url, artifacts_root=store, log=log)


@pytest.fixture(scope="session")
def polyaxon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolyaxonServer]:
    with session_server(HAUPT, tmp_path_factory, start_sandbox) as server:
        yield server


# -- the token-checking front door ---------------------------------------------------------

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host"}


class _GatewayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)
    token: str = ""

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.headers.get("Authorization") != f"Token {self.token}":
            self._reply(401, {"detail": "Invalid token."}, {"WWW-Authenticate": "Token"})
            return
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            connection.close()

    def _reply(self, status: int, document: dict, headers: dict[str, str]) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


@dataclass(frozen=True)
class PolyaxonGateway:
    url: str
    token: str
    server: PolyaxonServer


@pytest.fixture(scope="session")
def polyaxon_gateway(polyaxon_server: PolyaxonServer) -> Iterator[PolyaxonGateway]:
    upstream = urlsplit(polyaxon_server.url)
    handler = type(
        "GatewayHandler",
        (_GatewayHandler,),
        {"upstream": (upstream.hostname, upstream.port), "token": GATEWAY_TOKEN},
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="polyaxon-gateway", daemon=True)
    thread.start()
    try:
        yield PolyaxonGateway(
            url=f"http://127.0.0.1:{httpd.server_address[1]}",
            token=GATEWAY_TOKEN,
            server=polyaxon_server,
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# -- the agent's part ----------------------------------------------------------------------


class PolyaxonAgent:
    """Plays the part of Polyaxon's agent for runs the sandbox has queued, through the same
    API calls an agent makes: status updates, and the run's log file uploaded to its
    artifacts (``plxlogs/``), which the logs endpoint then serves."""

    def __init__(self, url: str, owner: str = DEFAULT_OWNER):
        from polyaxon._schemas.client import ClientConfig
        from polyaxon.client import PolyaxonClient

        config = ClientConfig(host=url, token="agent", use_https=False, verify_ssl=False)
        self.client = PolyaxonClient(config=config, token="agent")
        self.owner = owner

    def wait_for_run(self, project: str, *, timeout: float = 60.0) -> str:
        """The uuid of the first run created in ``project`` (bounded wait)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.client.runs_v1.list_runs(self.owner, project, limit=1)
            if runs.results:
                return runs.results[0].uuid
            time.sleep(0.1)
        raise AssertionError(f"no run appeared in {self.owner}/{project} within {timeout:.0f}s")

    def run_client(self, project: str, uuid: str):
        from polyaxon.client import RunClient

        return RunClient(
            owner=self.owner,
            project=project,
            run_uuid=uuid,
            client=self.client,
            manual_exceptions_handling=True,
        )

    def execute(
        self, project: str, uuid: str, lines: list[str], *, final: str, folder: Path
    ) -> None:
        """running -> the log lines -> ``final`` (succeeded, failed or stopped)."""
        import datetime

        from polyaxon.schemas import V1Statuses
        from traceml.logging import V1Log, V1Logs

        run = self.run_client(project, uuid)
        _retried(run.log_status, V1Statuses.RUNNING, reason="TestAgent", message="running")
        now = datetime.datetime.now(datetime.UTC)
        logs = V1Logs(logs=[V1Log(value=line, timestamp=now, container="main") for line in lines])
        log_file = folder / f"{uuid}-main"
        log_file.write_text(logs.to_json(), encoding="utf-8")
        _retried(run.upload_artifact, str(log_file), path="plxlogs", show_progress=False)
        _retried(run.log_status, final, reason="TestAgent", message=f"run {final}")


def _retried(function, *args, **kwargs):
    """haupt 2.18 answers 405 to some POSTs when requests overlap in a worker (see
    scripts/integrations/polyaxon/api.py); an agent retries, and so does this one (bounded)."""
    import time

    from polyaxon.exceptions import ApiException

    for attempt in range(1, 6):
        try:
            return function(*args, **kwargs)
        except ApiException as error:
            if error.status != 405 or attempt == 5:
                raise
            time.sleep(0.2 * attempt)
