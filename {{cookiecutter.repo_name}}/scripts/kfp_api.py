"""The KFP operations publish (and ``run --env``) need, over ``kfp.Client``, made safe for CI.

``kfp.Client`` is the right client (it is what users' notebooks use, and its generated APIs are
the server's own OpenAPI client), but used naively in CI it:

- calls healthz in its constructor and retries 5 x 5 s on errors (25 s before any message);
- reads ``~/.config/kfp/context.json`` (a stale namespace, cookie or header on a runner silently
  changes behaviour) and may even write it;
- has no request timeout (a black-holed host hangs the job) and no retries;
- finds pipelines by the non-unique ``display_name`` without the namespace, creates a phantom
  first version on ``upload_pipeline``, and prints links to stdout from the upload methods.

So ``connect()`` builds a client that skips the constructor's healthz and the context file, adds
a default timeout, and then runs one preflight healthz of its own with a short timeout. Every
operation goes through ``KfpApi._call``: transient failures (connection errors, 429, 502, 503,
504) are retried with exponential backoff bounded in attempts and total time; other HTTP errors
are not. Failures become one-line ``KfpError``s naming the host and, for 401/403/unreachable,
the fix. Credentials come only from KFP_TOKEN, KF_PIPELINES_SA_TOKEN_PATH or KFP_COOKIES and are
never part of a message.

Client factory for other commands::

    from scripts.kfp_api import connect
    api = connect(environment)          # environment from scripts.environments.load_environment
    api.client                          # the configured kfp.Client (no context file, timeouts)
    api.namespace                       # the namespace to send (None in single-user mode)
    api.call("start a run", api.client.run_pipeline, ...)   # retries + error translation
"""

from __future__ import annotations

import copy
import json
import os
import random
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from scripts.errors import ConfigError, RemoteError

T = TypeVar("T")

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
# (connect, read) seconds. Uploads of large specs can take a while; connecting should not.
DEFAULT_TIMEOUT = (10.0, 120.0)
PREFLIGHT_TIMEOUT = (5.0, 10.0)
AUTH_VARIABLES = ("KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH", "KFP_COOKIES")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by both attempts and total time."""

    attempts: int = 6
    total_seconds: float = 60.0
    base_delay: float = 0.25
    max_delay: float = 8.0

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(self.max_delay, max(0.0, retry_after))
        ceiling = min(self.max_delay, self.base_delay * (2**retry_number))
        return random.uniform(ceiling / 2, ceiling)


DEFAULT_RETRY = RetryPolicy()
# The preflight fails fast: a wrong host should be one clear line within seconds.
PREFLIGHT_RETRY = RetryPolicy(attempts=5, total_seconds=15.0)


class KfpError(RemoteError):
    """A KFP request failed; ``status`` is the HTTP status (None: no response at all)."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Auth:
    """Which credentials to send, resolved from the environment. Never holds the values in its
    repr: ``describe()`` is what messages show."""

    token: str | None = field(default=None, repr=False)
    token_path: str | None = None
    cookies: str | None = field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Auth:
        environ = os.environ if environ is None else environ
        token = environ.get("KFP_TOKEN") or None
        token_path = environ.get("KF_PIPELINES_SA_TOKEN_PATH") or None
        if token_path and not token and not Path(token_path).is_file():
            raise ConfigError(
                f"KF_PIPELINES_SA_TOKEN_PATH points to {token_path!r}, which is not a file — "
                "mount the service-account token there or unset the variable"
            )
        return cls(
            token=token,
            token_path=None if token else token_path,
            cookies=environ.get("KFP_COOKIES") or None,
        )

    def describe(self) -> str:
        if self.token:
            return "the bearer token from KFP_TOKEN"
        if self.token_path:
            return "the service-account token from KF_PIPELINES_SA_TOKEN_PATH"
        if self.cookies:
            return "the cookies from KFP_COOKIES"
        return "no credentials"


def _client_class() -> type:
    """A ``kfp.Client`` that does no I/O of its own in the constructor.

    Built lazily so that importing this module does not import kfp (``--help`` stays fast).
    """
    import kfp

    class IsolatedClient(kfp.Client):
        def __init__(self, *args: Any, namespace: str | None = None, **kwargs: Any):
            self._isolated_namespace = namespace or ""
            self._preflight: Any = None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # "only works with KFP v2..."
                super().__init__(*args, **kwargs)

        def _load_context_setting_or_default(self) -> None:
            # Never ~/.config/kfp/context.json: a stale file on a runner must not decide the
            # namespace, cookies or auth header.
            self._context_setting = {"namespace": self._isolated_namespace}

        def set_user_namespace(self, namespace: str) -> None:
            self._context_setting["namespace"] = namespace  # in memory only, no file write

        def get_kfp_healthz(self, sleep_duration: int = 5) -> Any:
            # The constructor calls this and would retry 5 x 5 s; connect() runs its own
            # preflight and stores the answer here, so later callers get it for free.
            if self._preflight is None:
                import kfp_server_api

                return kfp_server_api.V2beta1GetHealthzResponse(multi_user=False)
            return self._preflight

    return IsolatedClient


def _install_transport_defaults(client: Any, timeout: tuple[float, float]) -> None:
    """One retry policy (ours) and a default timeout for every request of this client.

    The generated REST layer passes ``timeout=None`` (wait forever) unless a call gives
    ``_request_timeout``, and urllib3 would retry connection errors three more times on its own.
    """
    api_client = client._pipelines_api.api_client
    rest = api_client.rest_client
    rest.pool_manager.connection_pool_kw["retries"] = False
    original = rest.request

    def request_with_timeout(*args: Any, _request_timeout: Any = None, **kwargs: Any) -> Any:
        return original(*args, _request_timeout=_request_timeout or timeout, **kwargs)

    rest.request = request_with_timeout


def _error_text(body: Any) -> str:
    """The server's message from either error shape (reference §2.2/§2.3), or the raw text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = (body or "").strip()
    try:
        document = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(document, dict):
        for key in ("error_message", "message", "error", "error_details"):
            if document.get(key):
                return " ".join(str(document[key]).split())[:300]
    return " ".join(text.split())[:300]


def is_api_not_found(body: Any) -> bool:
    """True for the KFP API's own NotFound answer (a google.rpc.Status with code 5, or the
    ``error`` shape of older gateways), not for a 404 page from something in front of it."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        document = json.loads(body or "")
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("code") == 5


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") if headers else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _connection_failure(error: BaseException) -> str:
    """What went wrong below HTTP, in words (urllib3's messages embed object reprs)."""
    import urllib3

    exceptions = urllib3.exceptions
    if isinstance(error, exceptions.NameResolutionError):
        return "host name not found"
    if isinstance(error, exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
        return "connection refused"
    if isinstance(error, exceptions.ConnectTimeoutError):
        return "connection timed out"
    if isinstance(error, exceptions.ReadTimeoutError):
        return "no answer in time"
    if isinstance(error, exceptions.SSLError) or "SSL" in str(getattr(error, "reason", "")):
        return "TLS handshake failed (check the certificate or the scheme)"
    if isinstance(error, exceptions.ProtocolError):
        return "connection dropped"
    return type(error).__name__


def _is_connection_error(error: BaseException) -> bool:
    import urllib3

    return isinstance(error, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError)


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

        policy = retry or self.retry
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                return function(*args, **kwargs)
            except kfp_server_api.ApiException as error:
                if error.status not in TRANSIENT_STATUSES:
                    raise self.translate(what, error) from None
                retry_after = _retry_after(error.headers)
                last: BaseException = error
            except Exception as error:
                if not _is_connection_error(error):
                    raise
                last = error
            delay = policy.delay(attempt - 1, retry_after)
            out_of_time = time.monotonic() - started + delay > policy.total_seconds
            if attempt >= policy.attempts or out_of_time:
                raise self.translate(what, last, attempts=attempt) from None
            with self._lock:
                self._stats["retries"] += 1
            self._sleep(delay)

    def translate(self, what: str, error: BaseException, *, attempts: int = 1) -> KfpError:
        """One clear line for a failed request; credentials never appear in it."""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        status = getattr(error, "status", None)
        if status in (None, 0):
            reason = _connection_failure(error)
            return KfpError(
                f"{self.host}: cannot reach the KFP API ({what}{tries}: {reason}) — check the "
                "host (environments.yml or KFP_HOST) and that this machine can reach it"
            )
        body = getattr(error, "body", "") or ""
        detail = _error_text(body)
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

    @staticmethod
    def name_filter(key: str, value: str) -> str:
        """A filter on one key, URL-encoded once here because the server decodes the filter
        twice (reference §1.4): names with spaces, '+' or '%' (experiments) stay intact."""
        document = {"predicates": [{"operation": "EQUALS", "key": key, "string_value": value}]}
        return quote(json.dumps(document, separators=(",", ":")), safe="")

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
        # The API server does not authenticate healthz (reference §4.3), so a missing or wrong
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
            filter=self.name_filter("name", name),
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
        self, pipeline_id: str, version_name: str, package: Path, description: str = ""
    ) -> Any:
        """POST /pipelines/upload_version (multipart ``uploadfile``, a .yaml filename).

        Through the generated upload API rather than ``kfp.Client.upload_pipeline_version``,
        which prints a link to stdout (that would corrupt ``--format json``). A 409 raises a
        KfpError with status 409 for the caller to compare specs.
        """
        kwargs: dict[str, Any] = {"name": version_name, "pipelineid": pipeline_id}
        if description:
            kwargs["description"] = description
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
            filter=self.name_filter("name", version_name),
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
            filter=self.name_filter("display_name", name),
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


def connect(
    environment: Any,
    *,
    environ: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    preflight: bool = True,
) -> KfpApi:
    """The client factory: a KfpApi for ``environment`` (``scripts.environments.Environment``),
    authenticated from the environment variables, preflighted unless ``preflight=False``."""
    host = environment.kfp_host.rstrip("/")
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"KFP host {host!r} is not an http(s) URL — fix environments.yml")
    auth = Auth.from_environ(environ)
    credentials = None
    if auth.token_path:
        from kfp.client import ServiceAccountTokenVolumeCredentials

        credentials = ServiceAccountTokenVolumeCredentials(path=auth.token_path)
    client = _client_class()(
        host=host,
        namespace=environment.namespace,
        existing_token=auth.token,
        cookies=auth.cookies,
        credentials=credentials,
    )
    _install_transport_defaults(client, timeout)
    api = KfpApi(client, host=host, namespace=environment.namespace, auth=auth, retry=retry)
    if preflight:
        api.preflight()
    return api
