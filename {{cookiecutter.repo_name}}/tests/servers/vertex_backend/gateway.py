"""The front door: the route table, bearer-token auth, IAM denials, injected faults and the
request log, in the order a request meets them.

Every Vertex AI route needs `Authorization: Bearer <token>` with a token the token endpoints
issued (401 UNAUTHENTICATED otherwise); a permission a test denied is 403 PERMISSION_DENIED
before the resource is even looked up, as IAM answers; a project other than ours is the same
403 ("or it may not exist"). Before a handler runs, the simulated scheduler and runner catch up
with the clock, so every answer reflects the world at that moment.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers.vertex_backend import metadata, operations, pipeline_jobs, schedules
from tests.servers.vertex_backend.auth import OAuthError, Tokens
from tests.servers.vertex_backend.call import Call
from tests.servers.vertex_backend.clock import Clock
from tests.servers.vertex_backend.errors import (
    ApiError,
    injected,
    invalid_argument,
    not_found,
    permission_denied,
)
from tests.servers.vertex_backend.firing import Simulation
from tests.servers.vertex_backend.state import State

DOMAIN = "aiplatform.googleapis.com"
STS_PATH = "/v1/token"
IMPERSONATION = re.compile(
    r"^/v1/projects/-/serviceAccounts/(?P<email>[^/:]+):generateAccessToken$"
)
GET_ACCESS_TOKEN = "iam.serviceAccounts.getAccessToken"

_LOCATION = r"projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_ID = r"[^/:]+"
_JOB = rf"{_LOCATION}/pipelineJobs/(?P<job>{_ID})"
_SCHEDULE = rf"{_LOCATION}/schedules/(?P<schedule>{_ID})"
_STORE = rf"(?P<store_path>{_LOCATION}/metadataStores/(?P<store>{_ID}))"
_CONTEXT = rf"{_STORE}/contexts/(?P<context>{_ID})"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Call], dict[str, Any]]
    permission: str


def _route(
    method: str,
    resource: str,
    verb: str,
    handler: Callable[[Call], dict[str, Any]],
    permission: str,
) -> Route:
    """`resource` is what IAM checks (the parent for create and list); `verb` the rest."""
    return Route(method, re.compile(rf"^/v1/(?P<resource>{resource}){verb}$"), handler, permission)


ROUTES = [
    _route(
        "POST", _LOCATION, "/pipelineJobs", pipeline_jobs.create, "aiplatform.pipelineJobs.create"
    ),
    _route("GET", _LOCATION, "/pipelineJobs", pipeline_jobs.list_, "aiplatform.pipelineJobs.list"),
    _route("GET", _JOB, "", pipeline_jobs.get, "aiplatform.pipelineJobs.get"),
    _route("DELETE", _JOB, "", pipeline_jobs.delete, "aiplatform.pipelineJobs.delete"),
    _route("POST", _JOB, ":cancel", pipeline_jobs.cancel, "aiplatform.pipelineJobs.cancel"),
    _route("POST", _LOCATION, "/schedules", schedules.create, "aiplatform.schedules.create"),
    _route("GET", _LOCATION, "/schedules", schedules.list_, "aiplatform.schedules.list"),
    _route("GET", _SCHEDULE, "", schedules.get, "aiplatform.schedules.get"),
    _route("PATCH", _SCHEDULE, "", schedules.patch, "aiplatform.schedules.update"),
    _route("DELETE", _SCHEDULE, "", schedules.delete, "aiplatform.schedules.delete"),
    _route("POST", _SCHEDULE, ":pause", schedules.pause, "aiplatform.schedules.update"),
    _route("POST", _SCHEDULE, ":resume", schedules.resume, "aiplatform.schedules.update"),
    _route("GET", _STORE, "", metadata.get_store, "aiplatform.metadataStores.get"),
    _route(
        "POST",
        _LOCATION,
        "/metadataStores",
        metadata.create_store,
        "aiplatform.metadataStores.create",
    ),
    _route("POST", _STORE, "/contexts", metadata.create_context, "aiplatform.contexts.create"),
    _route("GET", _STORE, "/contexts", metadata.list_contexts, "aiplatform.contexts.list"),
    _route("GET", _CONTEXT, "", metadata.get_context, "aiplatform.contexts.get"),
    _route("PATCH", _CONTEXT, "", metadata.patch_context, "aiplatform.contexts.update"),
    _route("DELETE", _CONTEXT, "", metadata.delete_context, "aiplatform.contexts.delete"),
    # Operations live under the location or nested under the resource they act on.
    _route(
        "GET",
        rf"{_LOCATION}(?:/[^/]+/{_ID})*/operations/{_ID}",
        "",
        operations.get,
        "aiplatform.operations.get",
    ),
]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; `principal` is None when it was not authenticated."""

    method: str
    path: str
    query: dict[str, str]
    principal: str | None
    body: Any


@dataclass
class Fault:
    http_code: int
    remaining: int
    path_contains: str | None
    method: str | None = None  # only requests of this method (a create, not the listing)


@dataclass
class Gateway:
    state: State
    clock: Clock
    simulation: Simulation
    tokens: Tokens
    denied: set[tuple[str, str | None]] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    log: list[RecordedRequest] = field(default_factory=list)
    _log_lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        """One request (header names in lower case): the status and the JSON body."""
        split = urlsplit(target)
        path = unquote(split.path)
        query = {
            key: values[0] for key, values in parse_qs(split.query, keep_blank_values=True).items()
        }
        principal: str | None = None
        body: Any = None
        try:
            if path == STS_PATH and method == "POST":
                form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
                body = {key: value for key, value in form.items() if key != "subject_token"}
                self._inject_fault(method, path)
                return 200, self.tokens.exchange(form)
            body = _json_body(raw)
            self._inject_fault(method, path)
            principal = self.tokens.principal(headers.get("authorization", ""))
            impersonation = IMPERSONATION.match(path)
            if impersonation and method == "POST":
                self._check_permission(GET_ACCESS_TOKEN, "", principal)
                return 200, self.tokens.generate_access_token(impersonation["email"], body)
            return 200, self._call(method, path, query, body, principal, headers)
        except OAuthError as error:
            return 400, error.body
        except ApiError as error:
            return error.http_code, error.body()
        except Exception as error:  # a bug here: say so in the answer rather than hang up
            return 500, {"error": {"code": 500, "message": repr(error), "status": "INTERNAL"}}
        finally:
            with self._log_lock:
                self.log.append(RecordedRequest(method, path, query, principal, body))

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        principal: str,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        for route in ROUTES:
            match = route.pattern.match(path)
            if match and route.method == method:
                break
        else:
            raise not_found(f"No Vertex AI v1 method answers {method} {path} on this test server.")
        params = {key: value for key, value in match.groupdict().items() if value is not None}
        if not self.state.resolve_project(params["project"]):
            raise permission_denied(route.permission, params["resource"], DOMAIN)
        self._check_permission(route.permission, params["resource"], principal)
        if params["location"] != self.state.location:
            raise invalid_argument(
                f"Location {params['location']} is not served by this endpoint "
                f"({self.state.location}-aiplatform.googleapis.com)."
            )
        if not isinstance(body, dict):
            raise invalid_argument("Invalid JSON payload received. Expected an object.")
        with self.state.lock:
            now = self.clock.now()
            self.simulation.settle(now)
            call = Call(
                state=self.state,
                simulation=self.simulation,
                now=now,
                params=params,
                query=query,
                body=body,
                principal=principal,
                enum_numbers="enum-encoding=int" in query.get("$alt", ""),
            )
            return route.handler(call)

    def _check_permission(self, permission: str, resource: str, principal: str) -> None:
        with self.state.lock:
            refused = (permission, None) in self.denied or (permission, principal) in self.denied
        if refused:
            raise permission_denied(permission, resource, DOMAIN)

    def _inject_fault(self, method: str, path: str) -> None:
        """Raise the next fault a test queued for this path. Without `path_contains` a fault
        waits for a Vertex AI call, so token requests do not use it up."""
        with self.state.lock:
            for fault in self.faults:
                if fault.path_contains is None:
                    hit = path != STS_PATH and not IMPERSONATION.match(path)
                else:
                    hit = fault.path_contains in path
                hit = hit and fault.method in (None, method)
                if hit and fault.remaining > 0:
                    fault.remaining -= 1
                    raise injected(fault.http_code)

    def requests(self) -> list[RecordedRequest]:
        with self._log_lock:
            return list(self.log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self.log.clear()


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
