"""A faithful Kubeflow Pipelines v2beta1 API server for tests and demos, on 127.0.0.1.

It answers the endpoints `kfp.Client` and `python -m scripts publish` use, with the behaviour of
the real API server at backend tag 2.17.0 (read from its source,
https://github.com/kubeflow/pipelines/tree/2.17.0/backend/src/apiserver): uniqueness
and both 409 body shapes, the first version `upload` creates, name and length validation, filter
JSON, pagination, snake_case JSON with empty fields omitted, multi-user namespaces, a bearer-token
front door and injected faults; runs and recurring runs, with the scheduled-workflow controller
played on a clock the test controls. The pieces live in `tests/servers/kfp_backend/`.

In a test (or use the `kfp_server` fixture from tests/servers/fixtures.py):

    with KfpApiServer(token="t0k3n") as server:
        client = kfp.Client(host=server.url, existing_token="t0k3n")
        server.fail_next(2)            # the next two requests get 503
        ...
        assert not [r for r in server.requests if r.is_write]

Schedules (see `fire_schedules`, `advance` and the run hooks below):

    with KfpApiServer(timezone="Europe/Berlin") as server:
        server.clock.set(datetime(2026, 3, 2, tzinfo=UTC))
        ...                            # create a recurring run through the API
        fired = server.advance(timedelta(days=1))
        server.set_run_state(fired[0].uuid, "FAILED")

From a shell (prints the URL, serves until Ctrl-C or SIGTERM):

    python -m tests.servers.kfp_api --port 8888 --multi-user --token "$KFP_TOKEN" --latency-ms 100
"""

from __future__ import annotations

import argparse
import sys
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.servers._http import (
    BackgroundServer,
    LocalHTTPServer,
    read_body,
    send,
    serve_until_stopped,
)
from tests.servers.kfp_backend.backend import Backend
from tests.servers.kfp_backend.clock import TickingClock
from tests.servers.kfp_backend.gateway import Gateway, RecordedRequest
from tests.servers.kfp_backend.request import Request
from tests.servers.kfp_backend.run_control import RunControl
from tests.servers.kfp_backend.store import (
    ExperimentRecord,
    JobRecord,
    PipelineRecord,
    RunRecord,
    Store,
    VersionRecord,
)

__all__ = ["KfpApiServer", "RecordedRequest", "main"]


class KfpApiServer(RunControl, BackgroundServer):
    """The server, in a background thread. Thread-safe; every control method may be called
    while clients are talking to it.

    `require_namespace_for_pipelines` defaults to `multi_user`: an empty namespace on a pipeline
    call is then a 400, as on servers started with REQUIRE_NAMESPACE_FOR_PIPELINES=true. Pass
    False to get the stock behaviour, where "" means a shared pipeline.

    `pipeline_store="kubernetes"` plays a server on the Kubernetes-native store: healthz says so
    and pipeline and version names must be DNS-1123 subdomains.

    `timezone` is the scheduled-workflow controller's CRON_SCHEDULE_TIMEZONE, one zone for every
    cron on the cluster. The run and schedule hooks are `RunControl`'s (run_control.py).
    """

    thread_name = "kfp-api-server"

    def __init__(
        self,
        *,
        multi_user: bool = False,
        token: str | None = None,
        latency: float = 0.0,
        require_namespace_for_pipelines: bool | None = None,
        pipeline_store: str = "database",
        timezone: str = "UTC",
        port: int = 0,
    ) -> None:
        if require_namespace_for_pipelines is None:
            require_namespace_for_pipelines = multi_user
        self.backend = Backend(
            multi_user=multi_user,
            require_namespace_for_pipelines=require_namespace_for_pipelines,
            pipeline_store=pipeline_store,
            timezone=timezone,
        )
        self.gateway = Gateway(self.backend, token=token, latency=latency)
        RunControl.__init__(self, self.backend)
        BackgroundServer.__init__(self, _HTTPServer(port, self.gateway))

    # -- control surface ---------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503, match: str | None = None) -> None:
        """Answer the next `count` requests (whose path matches regex `match`) with `status`."""
        self.gateway.fail_next(count, status, match)

    def serve_package_url(self, url: str, data: bytes) -> None:
        """Let the URL-based create endpoints download `data` from `url` (tests are offline;
        the URL must still pass the real server's validation: https, allowlisted host)."""
        self.backend.package_urls[url] = data

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by `seconds` (requests are served concurrently)."""
        self.gateway.latency = seconds

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a snapshot)."""
        return self.gateway.requests()

    def clear_requests(self) -> None:
        self.gateway.clear_requests()

    @property
    def store(self) -> Store:
        """The live state; hold `store.lock` while reading it from a test."""
        return self.backend.store

    @property
    def pipelines(self) -> list[PipelineRecord]:
        with self.store.lock:
            return sorted(self.store.pipelines.values(), key=lambda p: p.created_at)

    @property
    def versions(self) -> list[VersionRecord]:
        with self.store.lock:
            return sorted(self.store.versions.values(), key=lambda v: v.created_at)

    @property
    def experiments(self) -> list[ExperimentRecord]:
        with self.store.lock:
            return sorted(self.store.experiments.values(), key=lambda e: e.created_at)

    @property
    def runs(self) -> list[RunRecord]:
        with self.store.lock:
            return sorted(self.store.runs.values(), key=lambda r: (r.created_at, r.uuid))

    @property
    def recurring_runs(self) -> list[JobRecord]:
        with self.store.lock:
            return sorted(self.store.jobs.values(), key=lambda j: (j.created_at, j.uuid))

    @property
    def clock(self) -> TickingClock:
        """The server's clock: `clock.set(datetime)` stops it at a moment, `clock.now()` reads
        it in Unix seconds. `advance()` moves it and runs the controller."""
        return self.store.clock


class _HTTPServer(LocalHTTPServer):
    def __init__(self, port: int, gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__(port, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps urllib3's pooled connections alive, as a real server does.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and delayed
    # ACKs stall every response by ~40 ms and distort latency measurements.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_DELETE = do_PATCH = do_PUT = do_HEAD = do_GET

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=read_body(self),
        )
        response = self.server.gateway.handle(request)
        send(self, response.status, response.content_type, response.body, response.headers)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `KfpApiServer.requests` instead of a log."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.servers.kfp_api", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--multi-user", action="store_true", help="multi-user (namespaced) mode")
    parser.add_argument("--token", help="require this bearer token on every request")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay every answer")
    parser.add_argument("--pipeline-store", choices=("database", "kubernetes"), default="database")
    parser.add_argument("--timezone", default="UTC", help="the cron schedule time zone")
    args = parser.parse_args(argv)

    server = KfpApiServer(
        multi_user=args.multi_user,
        token=args.token,
        latency=args.latency_ms / 1000,
        pipeline_store=args.pipeline_store,
        timezone=args.timezone,
        port=args.port,
    )
    with server:
        mode = "multi-user" if args.multi_user else "single-user"
        auth = "bearer token required" if args.token else "no auth"
        print(server.url, flush=True)
        print(f"KFP API test server ({mode}, {auth}); Ctrl-C to stop", file=sys.stderr, flush=True)
        serve_until_stopped()
    return 0


if __name__ == "__main__":
    sys.exit(main())
