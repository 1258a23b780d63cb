"""Everything between the socket and a handler: routing, the auth front door, faults, the log.

The real API server routes `/apis/v2beta1/healthz` and the two upload endpoints as plain HTTP
handlers and everything else through grpc-gateway, whose unmatched paths answer 404 and wrong
methods 501, both as `google.rpc.Status`. A Kubeflow deployment puts an authenticating proxy
(Istio) in front of it; `Gateway(token=...)` plays that part for every path, healthz included:
no bearer token is 401 "Jwt is missing", a different one is 403 "RBAC: access denied".

Tests steer it through a thread-safe control surface: `fail_next` makes the next N matching
requests fail (503 by default) in the error shape of the endpoint they hit, `latency` delays every
answer, and `requests` records what clients sent, secrets redacted.
"""

from __future__ import annotations

import hmac
import json
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from . import (
    backend,
    errors,
    experiments,
    pipelines,
    recurring_runs,
    runs,
    uploads,
    url_packages,
)
from .backend import Backend
from .errors import ApiError, PlainError, Response, UploadError
from .request import Request

Handler = Callable[[Backend, Request], Response]

GRPC, UPLOAD, PLAIN = "grpc", "upload", "plain"
V2 = "/apis/v2beta1"

# (method or "*", path template, handler, kind); "<x>" is one path segment (a parameter),
# "<x>:verb" one ending in ":verb" (grpc-gateway's custom verbs).
ROUTES: list[tuple[str, str, Handler, str]] = [
    ("*", "/apis/v2beta1/healthz", backend.healthz, PLAIN),
    ("*", "/apis/v1beta1/healthz", backend.healthz, PLAIN),
    ("*", f"{V2}/pipelines/upload", uploads.upload_pipeline, UPLOAD),
    ("*", f"{V2}/pipelines/upload_version", uploads.upload_pipeline_version, UPLOAD),
    ("GET", f"{V2}/pipelines", pipelines.list_pipelines, GRPC),
    ("POST", f"{V2}/pipelines", pipelines.create_pipeline, GRPC),
    ("POST", f"{V2}/pipelines/create", url_packages.create_pipeline_and_version, GRPC),
    ("GET", f"{V2}/pipelines/names/<name>", pipelines.get_pipeline_by_name, GRPC),
    ("GET", f"{V2}/pipelines/<pipeline_id>", pipelines.get_pipeline, GRPC),
    ("DELETE", f"{V2}/pipelines/<pipeline_id>", pipelines.delete_pipeline, GRPC),
    ("GET", f"{V2}/pipelines/<pipeline_id>/versions", pipelines.list_pipeline_versions, GRPC),
    ("POST", f"{V2}/pipelines/<pipeline_id>/versions", url_packages.create_pipeline_version, GRPC),
    (
        "GET",
        f"{V2}/pipelines/<pipeline_id>/versions/<pipeline_version_id>",
        pipelines.get_pipeline_version,
        GRPC,
    ),
    (
        "DELETE",
        f"{V2}/pipelines/<pipeline_id>/versions/<pipeline_version_id>",
        pipelines.delete_pipeline_version,
        GRPC,
    ),
    ("GET", f"{V2}/experiments", experiments.list_experiments, GRPC),
    ("POST", f"{V2}/experiments", experiments.create_experiment, GRPC),
    ("GET", f"{V2}/experiments/<experiment_id>", experiments.get_experiment, GRPC),
    ("DELETE", f"{V2}/experiments/<experiment_id>", experiments.delete_experiment, GRPC),
    ("POST", f"{V2}/experiments/<experiment_id>:archive", experiments.archive_experiment, GRPC),
    ("POST", f"{V2}/experiments/<experiment_id>:unarchive", experiments.unarchive_experiment, GRPC),
    ("GET", f"{V2}/runs", runs.list_runs, GRPC),
    ("POST", f"{V2}/runs", runs.create_run, GRPC),
    ("GET", f"{V2}/runs/<run_id>", runs.get_run, GRPC),
    ("POST", f"{V2}/runs/<run_id>:terminate", runs.terminate_run, GRPC),
    ("GET", f"{V2}/recurringruns", recurring_runs.list_recurring_runs, GRPC),
    ("POST", f"{V2}/recurringruns", recurring_runs.create_recurring_run, GRPC),
    ("GET", f"{V2}/recurringruns/<recurring_run_id>", recurring_runs.get_recurring_run, GRPC),
    (
        "DELETE",
        f"{V2}/recurringruns/<recurring_run_id>",
        recurring_runs.delete_recurring_run,
        GRPC,
    ),
    (
        "POST",
        f"{V2}/recurringruns/<recurring_run_id>:enable",
        recurring_runs.enable_recurring_run,
        GRPC,
    ),
    (
        "POST",
        f"{V2}/recurringruns/<recurring_run_id>:disable",
        recurring_runs.disable_recurring_run,
        GRPC,
    ),
]

_SECRET_HEADERS = re.compile(r"authorization|cookie|token|secret|password", re.IGNORECASE)
REDACTED = "<redacted>"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; secret header values replaced by `<redacted>`."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    json: object  # the parsed JSON body, or None
    status: int

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class _Fault:
    remaining: int
    status: int
    match: re.Pattern[str] | None


@dataclass
class Gateway:
    backend: Backend
    token: str | None = None
    latency: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _faults: list[_Fault] = field(default_factory=list)
    _log: list[RecordedRequest] = field(default_factory=list)

    # -- control surface ---------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503, match: str | None = None) -> None:
        """Fail the next `count` requests (those whose path matches the regex `match`)."""
        with self._lock:
            self._faults.append(_Fault(count, status, re.compile(match) if match else None))

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    # -- request path ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if self.latency > 0:
            time.sleep(self.latency)
        handler, kind = self._route(request)
        response = self._front_door(request)
        if response is None:
            response = self._injected_fault(request, kind)
        if response is None:
            response = self._run(handler, request)
        self._record(request, response.status)
        return response

    def _route(self, request: Request) -> tuple[Handler | None, str]:
        segments = [unquote(s) for s in request.path.rstrip("/").split("/")]
        path_matched = False
        for method, template, handler, kind in ROUTES:
            params = _match(template, segments)
            if params is None:
                continue
            path_matched = True
            if method in ("*", request.method):
                request.params = params
                return handler, kind
        if path_matched:
            return _method_not_allowed, GRPC
        return _not_found, GRPC

    def _front_door(self, request: Request) -> Response | None:
        if self.token is None:
            return None
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return Response(
                401,
                b"Jwt is missing",
                "text/plain",
                (("www-authenticate", 'Bearer realm="kfp-api", error="invalid_token"'),),
            )
        if not hmac.compare_digest(presented.strip().encode(), self.token.encode()):
            return Response(403, b"RBAC: access denied", "text/plain")
        return None

    def _injected_fault(self, request: Request, kind: str) -> Response | None:
        with self._lock:
            fault = next(
                (
                    f
                    for f in self._faults
                    if f.remaining > 0 and (f.match is None or f.match.search(request.path))
                ),
                None,
            )
            if fault is None:
                return None
            fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining > 0]
        return _fault_response(fault.status, kind)

    def _run(self, handler: Handler, request: Request) -> Response:
        try:
            return handler(self.backend, request)
        except (ApiError, UploadError, PlainError) as exc:
            return exc.to_response()
        except Exception as exc:
            # A request this server does not expect: answer as Go's ToGRPCError does for a
            # non-UserError (500, code 13) rather than drop the connection, and show why.
            traceback.print_exc(file=sys.stderr)
            message = f"Internal error: {exc!r}"
            return Response.json(500, errors.grpc_status_body(errors.INTERNAL, message, message))

    def _record(self, request: Request, status: int) -> None:
        headers = {
            name: (REDACTED if _SECRET_HEADERS.search(name) else value)
            for name, value in request.headers.items()
        }
        body = None
        if request.headers.get("content-type", "").startswith("application/json") and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
        entry = RecordedRequest(request.method, request.path, request.query, headers, body, status)
        with self._lock:
            self._log.append(entry)


def _match(template: str, segments: list[str]) -> dict[str, str] | None:
    parts = template.split("/")
    if len(parts) != len(segments):
        return None
    params = {}
    for part, segment in zip(parts, segments, strict=True):
        if part.startswith("<"):
            name, _, verb = part[1:].partition(">")
            if verb:
                if not segment.endswith(verb):
                    return None
                segment = segment.removesuffix(verb)
            if not segment:
                return None
            params[name] = segment
        elif part != segment:
            return None
    return params


def _not_found(backend: Backend, request: Request) -> Response:
    return Response.json(404, errors.grpc_status_body(errors.NOT_FOUND, "Not Found", None))


def _method_not_allowed(backend: Backend, request: Request) -> Response:
    body = errors.grpc_status_body(errors.UNIMPLEMENTED, "Method Not Allowed", None)
    return Response.json(501, body)


_STATUS_TO_GRPC = {429: 8, 500: 13, 502: 14, 503: 14, 504: 4}


def _fault_response(status: int, kind: str) -> Response:
    if kind == UPLOAD:
        return UploadError(status, "Service unavailable", json_content_type=True).to_response()
    code = _STATUS_TO_GRPC.get(status, 2)
    body = errors.grpc_status_body(
        code, "ServiceUnavailable: injected fault - try again later", "Service unavailable"
    )
    return Response.json(status, body)
