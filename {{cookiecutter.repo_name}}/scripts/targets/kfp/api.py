# Do not edit: the template owns this file (make template-update brings its changes).
"""The KFP operations publish and ``run --env`` need, each retried and translated.

Over ``kfp.Client`` (configured by ``client.py``), but never through its conveniences that are
wrong for CI: ``get_pipeline_id`` finds pipelines by the non-unique ``display_name`` without the
namespace, ``upload_pipeline`` creates a phantom first version named after the pipeline, and the
upload methods print links to stdout. Every operation goes through ``KfpApi.call``: transient
failures (connection errors, 429, 502, 503, 504) are retried with exponential backoff bounded in
attempts and total time; other HTTP errors are not. Failures become one-line ``KfpError``s
naming the host and, for 401/403/unreachable, the fix; credentials never appear in them.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from scripts.core.errors import ConfigError
from scripts.core.retry import Failed, RetryPolicy, call_with_retries
from scripts.core.timestamps import rfc3339
from scripts.targets.kfp.auth import Auth
from scripts.targets.kfp.errors import (
    TRANSIENT_STATUSES,
    KfpError,
    connection_failure,
    error_text,
    is_api_not_found,
    is_connection_error,
    retry_after_seconds,
)

T = TypeVar("T")
PREFLIGHT_TIMEOUT = (5.0, 10.0)

DEFAULT_RETRY = RetryPolicy()
# The preflight fails fast: a wrong host should be one clear line within seconds.
PREFLIGHT_RETRY = RetryPolicy(attempts=5, total_seconds=15.0)


def predicate(key: str, operation: str, value: str | Sequence[str] | datetime) -> dict[str, Any]:
    """One predicate of a list filter, its value in the field its type calls for: a str as
    ``string_value``; a sequence of str as ``string_values`` (for ``IN``); a datetime as an
    RFC 3339 UTC ``timestamp_value`` (as a ``string_value`` the server would compare it with
    the integer column as a string, and match nearly everything)."""
    if isinstance(value, datetime):
        return {"key": key, "operation": operation, "timestamp_value": rfc3339(value)}
    if isinstance(value, str):
        return {"key": key, "operation": operation, "string_value": value}
    return {"key": key, "operation": operation, "string_values": {"values": list(value)}}


def list_filter(*predicates: dict[str, Any]) -> str:
    """The ``filter`` parameter of a v2beta1 list call: the predicates, AND-ed by the server.

    URL-encoded once here because the server decodes the filter twice (once as a query
    parameter, then ``url.QueryUnescape`` in backend/src/apiserver/server/list_request_util.go):
    names with spaces, '+' or '%' (experiments) stay intact."""
    document = {"predicates": list(predicates)}
    return quote(json.dumps(document, separators=(",", ":")), safe="")


class KfpApi:
    """The operations publish needs, each retried and translated. Thread-safe: one client,
    one urllib3 pool, shared by the upload workers."""

    def __init__(
        self,
        client: Any,
        *,
        host: str,
        namespace: str | None,
        auth: Auth,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.host = host
        self.configured_namespace = namespace
        self.auth = auth
        self.retry = retry
        self.multi_user = False
        self.pipeline_store = ""
        self._sleep = sleep
        self._lock = threading.Lock()
        self._stats = {"retries": 0}  # shared with in_namespace() copies

    @property
    def retries_done(self) -> int:
        """Transient failures survived so far (all namespaces), for the closing note."""
        return self._stats["retries"]

    def in_namespace(self, namespace: str | None) -> KfpApi:
        """The same client and connection pool, for a project with its own namespace."""
        other = copy.copy(self)
        other.configured_namespace = namespace
        return other

    # -- plumbing -------------------------------------------------------------------------

    @property
    def namespace(self) -> str | None:
        """The namespace every call carries: the configured one in multi-user mode, else None
        (a single-user server ignores namespaces; sending none keeps requests canonical)."""
        return self.configured_namespace if self.multi_user else None

    def call(
        self,
        what: str,
        function: Callable[..., T],
        *args: Any,
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> T:
        """Run one request with retries on transient failures; raise a one-line KfpError."""
        import kfp_server_api

        def transient(error: BaseException) -> bool | float:
            if isinstance(error, kfp_server_api.ApiException):
                if error.status not in TRANSIENT_STATUSES:
                    return False
                after = retry_after_seconds(error.headers)
                return True if after is None else after
            if is_connection_error(error):
                return True
            raise error  # not a failed request: a bug, shown as one

        try:
            return call_with_retries(
                lambda: function(*args, **kwargs),
                retry or self.retry,
                transient=transient,
                sleep=self._sleep,
                on_retry=self._count_retry,
            )
        except Failed as failed:
            raise self.translate(what, failed.error, attempts=failed.attempts) from None

    def _count_retry(self) -> None:
        with self._lock:
            self._stats["retries"] += 1

    def translate(self, what: str, error: BaseException, *, attempts: int = 1) -> KfpError:
        """One clear line for a failed request; credentials never appear in it."""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        status = getattr(error, "status", None)
        if status in (None, 0):
            reason = connection_failure(error)
            return KfpError(
                f"{self.host}: cannot reach the KFP API ({what}{tries}: {reason}) — check the "
                "host (environments.yml or KFP_HOST) and that this machine can reach it"
            )
        body = getattr(error, "body", "") or ""
        detail = error_text(body)
        if status == 401:
            return KfpError(
                f"{self.host}: 401 Unauthorized ({what}) with {self.auth.describe()} — set "
                "KFP_TOKEN (a bearer token), KF_PIPELINES_SA_TOKEN_PATH (a token file) or "
                "KFP_COOKIES to valid credentials for this host",
                status=status,
                body=body,
            )
        if status == 403:
            namespace = self.configured_namespace or "the shared namespace"
            return KfpError(
                f"{self.host}: 403 Forbidden ({what}) for {self.auth.describe()} — give that "
                f"identity edit access to {namespace} (e.g. a contributor of the Kubeflow "
                "profile) or use credentials that have it",
                status=status,
                body=body,
            )
        return KfpError(
            f"{self.host}: {what} failed{tries}: HTTP {status}" + (f": {detail}" if detail else ""),
            status=status,
            body=body,
        )

    def ui_link(self, pipeline_id: str, version_id: str | None = None) -> str:
        link = f"{self.host}/#/pipelines/details/{pipeline_id}"
        return f"{link}/version/{version_id}" if version_id else link

    # -- preflight ------------------------------------------------------------------------

    def preflight(self) -> Any:
        """GET /apis/v2beta1/healthz once (short timeout, few retries); learn multi-user mode."""
        response = self.call(
            "GET /apis/v2beta1/healthz",
            self.client._healthz_api.healthz_service_get_healthz,
            _request_timeout=PREFLIGHT_TIMEOUT,
            retry=PREFLIGHT_RETRY,
        )
        self.client._preflight = response
        self.multi_user = bool(response.multi_user)
        self.pipeline_store = response.pipeline_store or ""
        if self.multi_user and not self.configured_namespace:
            raise ConfigError(
                f"{self.host} is a multi-user KFP: set the namespace to publish into "
                "(environments.<env>.namespace in environments.yml, or KFP_NAMESPACE)"
            )
        # The API server does not authenticate healthz (it is registered on the HTTP mux outside
        # the authenticating interceptors, backend/src/apiserver/main.go), so a missing or wrong
        # credential would otherwise surface once per pipeline: probe with one cheap read.
        self.call(
            "list experiments (credentials check)",
            self.client._experiment_api.experiment_service_list_experiments,
            page_size=1,
            **self._namespace_kwargs(),
            _request_timeout=PREFLIGHT_TIMEOUT,
            retry=PREFLIGHT_RETRY,
        )
        return response

    # -- pipelines ------------------------------------------------------------------------

    def find_pipeline(self, name: str) -> Any | None:
        """The pipeline with this unique ``name`` in our namespace, or None.

        GET /pipelines/names/{name} (never ``get_pipeline_id``, which matches the non-unique
        display_name and ignores the namespace). Every v2beta1 server has that route (since
        backend 2.0.0), so a 404 carrying the API's own NotFound status means "absent". Any
        other answer the route should not give (a proxy's 404 page, 405, 501) falls back to a
        list filtered on ``name``.
        """
        try:
            return self.call(
                f"look up pipeline {name}",
                self.client._pipelines_api.pipeline_service_get_pipeline_by_name,
                name,
                **self._namespace_kwargs(),
            )
        except KfpError as error:
            if error.status not in (404, 405, 501):
                raise
            if error.status == 404 and is_api_not_found(error.body):
                return None
        response = self.call(
            f"list pipelines named {name}",
            self.client.list_pipelines,
            page_size=2,
            filter=list_filter(predicate("name", "EQUALS", name)),
            namespace=self.namespace,
        )
        matches = [p for p in (response.pipelines or []) if p.name == name]
        return matches[0] if matches else None

    def create_pipeline(self, name: str, display_name: str, description: str = "") -> Any:
        """POST /pipelines (no version, so no phantom version named after the pipeline).
        409: another job created it meanwhile, so return that one."""
        import kfp_server_api

        body = kfp_server_api.V2beta1Pipeline(
            name=name,
            display_name=display_name,
            description=description or None,
            namespace=self.namespace,
        )
        return self._create_or_find(
            "pipeline",
            name,
            self.client._pipelines_api.pipeline_service_create_pipeline,
            body,
            self.find_pipeline,
        )

    def _create_or_find(
        self,
        kind: str,
        name: str,
        create: Callable[..., Any],
        body: Any,
        find: Callable[[str], Any],
    ) -> Any:
        """``create(body)``; a 409 means another job created it meanwhile (or, for an
        experiment, an archived one holds the name): return the one ``find(name)`` sees."""
        try:
            return self.call(f"create {kind} {name}", create, body)
        except KfpError as error:
            if error.status != 409:
                raise
        existing = find(name)
        if existing is None:
            raise KfpError(
                f"{self.host}: create {kind} {name} got 409 Conflict but no {kind} of that "
                "name is visible in this namespace — check the namespace and permissions",
                status=409,
            )
        return existing

    def upload_version(
        self,
        pipeline_id: str,
        version_name: str,
        package: Path,
        description: str = "",
        tags: dict[str, str] | None = None,
    ) -> Any:
        """POST /pipelines/upload_version (multipart ``uploadfile``, a .yaml filename).

        Through the generated upload API rather than ``kfp.Client.upload_pipeline_version``,
        which prints a link to stdout (that would corrupt ``--format json``). A 409 raises a
        KfpError with status 409 for the caller to compare specs. ``tags`` go in the ``tags``
        query parameter as JSON: KFP 2.17+ stores them, older servers ignore the parameter.
        """
        kwargs: dict[str, Any] = {"name": version_name, "pipelineid": pipeline_id}
        if description:
            kwargs["description"] = description
        if tags:
            kwargs["tags"] = json.dumps(tags, sort_keys=True)
        return self.call(
            f"upload version {version_name}",
            self.client._upload_api.upload_pipeline_version,
            str(package),
            **kwargs,
        )

    def find_version(self, pipeline_id: str, version_name: str) -> Any | None:
        response = self.call(
            f"look up version {version_name}",
            self.client.list_pipeline_versions,
            pipeline_id,
            page_size=2,
            filter=list_filter(predicate("name", "EQUALS", version_name)),
        )
        matches = [v for v in (response.pipeline_versions or []) if v.name == version_name]
        return self.with_spec(matches[0]) if matches else None

    def latest_version(self, pipeline_id: str) -> Any | None:
        response = self.call(
            "list versions",
            self.client.list_pipeline_versions,
            pipeline_id,
            page_size=1,
            sort_by="created_at desc",
        )
        versions = response.pipeline_versions or []
        return self.with_spec(versions[0]) if versions else None

    def with_spec(self, version: Any) -> Any:
        """List responses may leave out the (large) pipeline_spec: fetch it when missing."""
        if version.pipeline_spec is not None:
            return version
        return self.call(
            f"get version {version.name}",
            self.client.get_pipeline_version,
            version.pipeline_id,
            version.pipeline_version_id,
        )

    # -- experiments ----------------------------------------------------------------------

    def find_experiment(self, name: str) -> Any | None:
        response = self.call(
            f"look up experiment {name}",
            self.client.list_experiments,
            page_size=2,
            filter=list_filter(predicate("display_name", "EQUALS", name)),
            namespace=self.namespace,
        )
        matches = [e for e in (response.experiments or []) if e.display_name == name]
        return matches[0] if matches else None

    def create_experiment(self, name: str, description: str = "") -> Any:
        """POST /experiments; 409 (another job, or an archived one) means it exists."""
        import kfp_server_api

        body = kfp_server_api.V2beta1Experiment(
            display_name=name, description=description or None, namespace=self.namespace
        )
        return self._create_or_find(
            "experiment",
            name,
            self.client._experiment_api.experiment_service_create_experiment,
            body,
            self.find_experiment,
        )

    def _namespace_kwargs(self) -> dict[str, str]:
        return {"namespace": self.namespace} if self.namespace else {}
