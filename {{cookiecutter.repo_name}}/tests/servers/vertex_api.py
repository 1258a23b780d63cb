"""A Vertex AI REST v1 test server on 127.0.0.1 (TLS), for the real `google-cloud-aiplatform`
SDK with `api_transport="rest"`, plus the Google token endpoints Workload Identity Federation
uses, so `google.auth.default()` with an `external_account` file works offline.

What it answers, and the public reference each behaviour follows:

- `projects.locations.pipelineJobs` create (`?pipelineJobId=`), get, list, `:cancel`, delete:
  https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.pipelineJobs
  (fields, the list filter fields and default order of ListPipelineJobsRequest).
- `projects.locations.schedules` create, get, list, patch (`?updateMask=`), `:pause`, `:resume`
  (`catchUp`), delete:
  https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.schedules
  (cron with a `TZ=`/`CRON_TZ=` prefix, maxConcurrentRunCount, allowQueueing, catch-up).
- `projects.locations.metadataStores` get/create and `.contexts` create (`?contextId=`), get,
  list, patch, delete: https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.metadataStores.contexts
  (what `aiplatform.Experiment` get/create/list call).
- operations: `GET /v1/{name=projects/*/locations/*/**/operations/*}`
  (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.operations);
  every operation is returned already done, with its response.
- STS token exchange `POST /v1/token` (https://cloud.google.com/iam/docs/reference/sts/rest,
  RFC 8693) and IAM Credentials `projects.serviceAccounts.generateAccessToken`
  (https://cloud.google.com/iam/docs/reference/credentials/rest).
- Lists: AIP-160 filters (https://google.aip.dev/160) and AIP-158 paging
  (https://google.aip.dev/158); errors in Google's JSON shape (https://google.aip.dev/193).
- Wire details read from the SDK's REST transport: camelCase JSON, int64 as strings, empty
  fields left out, enums as numbers when the client asks with `$alt=json;enum-encoding=int`
  (the SDK always does), resource names with the project NUMBER.

Assumptions (no public text says): the wording of most 400/404 messages (the 409 for a taken
pipeline job id, the GetContext 404 and the 401/403 texts are the real ones); which state a
cancelled job passes through; FAILED_PRECONDITION for deleting an unfinished job or pausing a
schedule that is not ACTIVE; how the scheduler names runs; that backfilled runs queue. One rule
is deliberately stricter than Google: a scheduled run whose template is an Artifact Registry
TAG (not `sha256:...`) is created FAILED, because a real schedule would silently run whatever
the tag points at when it fires. The modules in `tests/servers/vertex_backend/` say more.

In a test (or use the fixtures in tests/servers/vertex_fixtures.py):

    with VertexApiServer(tls=test_ca) as server:
        server.clock.set(datetime(2026, 12, 1, tzinfo=UTC))
        ...                                   # aiplatform.init(api_endpoint=server.endpoint, ...)
        runs = server.advance_to(datetime(2026, 12, 3, 4, tzinfo=UTC))
        server.set_job_state(runs[0].name, "PIPELINE_STATE_FAILED")
        server.deny("aiplatform.pipelineJobs.create")
        server.fail_next(503)

From a shell (prints the endpoint and the CA file to trust; serves until Ctrl-C or SIGTERM):

    python -m tests.servers.vertex_api --port 8443
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.servers._http import (
    BackgroundServer,
    LocalHTTPServer,
    read_body,
    send,
    serve_until_stopped,
)
from tests.servers.tls import TlsFiles, make_tls_files, wrap_server
from tests.servers.vertex_backend.auth import Tokens
from tests.servers.vertex_backend.clock import Clock
from tests.servers.vertex_backend.control import VertexControl
from tests.servers.vertex_backend.firing import Simulation
from tests.servers.vertex_backend.gateway import Gateway, RecordedRequest
from tests.servers.vertex_backend.state import MetadataStoreRecord, State

__all__ = ["RecordedRequest", "VertexApiServer", "main"]


class VertexApiServer(VertexControl, BackgroundServer):
    """The server in a background thread; control methods are safe while clients talk to it.

    `run_duration`: how long a job runs before it SUCCEEDS on its own (None: until a test ends
    it); `start_delay`: how long a new job stays PENDING. `metadata_store=True` starts with the
    `default` metadata store in place (otherwise the first Experiment.create makes it).
    """

    thread_name = "vertex-api-server"

    def __init__(
        self,
        *,
        tls: TlsFiles,
        project: str = "acme-ml-prod",
        project_number: str = "123456789012",
        location: str = "europe-west4",
        port: int = 0,
        run_duration: dt.timedelta | None = dt.timedelta(minutes=30),
        start_delay: dt.timedelta = dt.timedelta(0),
        metadata_store: bool = False,
    ) -> None:
        self.state = State(project_id=project, project_number=project_number, location=location)
        self.simulation = Simulation(self.state, start_delay=start_delay, run_duration=run_duration)
        self.gateway = Gateway(self.state, Clock(), self.simulation, Tokens())
        if metadata_store:
            name = f"{self.state.location_name}/metadataStores/default"
            self.state.metadata_stores["default"] = MetadataStoreRecord(name, self.clock.now())
        httpd = LocalHTTPServer(port, _handler_class(self.gateway))
        wrap_server(httpd, tls)
        super().__init__(httpd)

    @property
    def url(self) -> str:
        return "https" + super().url.removeprefix("http")

    @property
    def endpoint(self) -> str:
        """`host:port`, what `aiplatform.init(api_endpoint=...)` takes."""
        return self.url.removeprefix("https://")

    @property
    def sts_url(self) -> str:
        """The STS token URL (`token_url` of an external_account credentials file)."""
        return f"{self.url}/v1/token"

    def impersonation_url(self, service_account: str) -> str:
        """`service_account_impersonation_url` for `service_account`."""
        return f"{self.url}/v1/projects/-/serviceAccounts/{service_account}:generateAccessToken"

    @property
    def project(self) -> str:
        return self.state.project_id

    @property
    def project_number(self) -> str:
        return self.state.project_number

    @property
    def location(self) -> str:
        return self.state.location

    @property
    def parent(self) -> str:
        """`projects/{number}/locations/{location}`, as resource names returned start."""
        return self.state.location_name


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, body = gateway.handle(self.command, self.path, headers, read_body(self))
            data = json.dumps(body).encode("utf-8")
            send(self, status, "application/json; charset=UTF-8", data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.servers.vertex_api", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--project", default="acme-ml-prod")
    parser.add_argument("--location", default="europe-west4")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vertex-tls-") as folder:
        tls = make_tls_files(Path(folder))
        server = VertexApiServer(
            tls=tls, project=args.project, location=args.location, port=args.port
        )
        with server:
            print(server.endpoint, flush=True)
            print(
                f"Vertex AI test server; trust {tls.ca_cert} (REQUESTS_CA_BUNDLE); Ctrl-C to stop",
                file=sys.stderr,
                flush=True,
            )
            serve_until_stopped()
    return 0


if __name__ == "__main__":
    sys.exit(main())
