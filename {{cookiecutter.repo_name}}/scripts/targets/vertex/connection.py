# Do not edit: the template owns this file (make template-update brings its changes).
"""One authenticated session with Vertex AI and the environment's Artifact Registry repository.

Credentials are Application Default Credentials (``google.auth.default()``): in GitHub Actions
the Workload Identity Federation file ``google-github-actions/auth`` writes, on a laptop
``gcloud auth application-default login``. No key file is ever read by name. The Vertex AI SDK
is set up once (``aiplatform.init``) with the REST transport, so the same HTTPS path serves a
private endpoint (VERTEX_API_ENDPOINT) and the tests' server.

``call`` is the one way a request goes out: transient answers (429, 502, 503, 504) and dropped
connections are retried with backoff (neither the registry client nor our use of the SDK
retries on its own), and every failure becomes one ``VertexError`` line: 401 names the
credentials, 403 the identity that lacks the permission and the role that grants it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from google.auth.exceptions import RefreshError, TransportError

from scripts.core.errors import ConfigError
from scripts.core.retry import Failed, RetryPolicy, call_with_retries
from scripts.repo.environments import Environment
from scripts.targets.errors import TRANSIENT_STATUSES, TargetError

T = TypeVar("T")
REQUEST_PREFIX = re.compile(r"^(GET|POST|PATCH|PUT|DELETE) \S+: ")
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
DEFAULT_RETRY = RetryPolicy(attempts=6, total_seconds=60.0)
# What a role must grant for each service, named in the 403 line.
ROLES = {
    "Vertex AI": "roles/aiplatform.user",
    "Artifact Registry": "roles/artifactregistry.writer",
}


class VertexError(TargetError):
    """A Vertex AI or Artifact Registry request failed (``status``: HTTP status, None when
    there was no answer)."""


class BearerAuth:
    """``requests`` auth from Google credentials, refreshed when stale.

    kfp's RegistryClient refreshes credentials only for hosts it recognises as
    ``*-kfp.pkg.dev``; with any other host (a private endpoint, KFP_REGISTRY_HOST) it would
    send an un-refreshed token, so the registry always gets this instead.
    """

    def __init__(self, credentials: Any):
        self.credentials = credentials
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> Any:
        import google.auth.transport.requests

        with self._lock:
            if not self.credentials.valid:
                self.credentials.refresh(google.auth.transport.requests.Request())
            request.headers["Authorization"] = f"Bearer {self.credentials.token}"
        return request


class VertexSession:
    """Credentials, the SDK set up for one environment, and ``call`` with retries."""

    def __init__(
        self,
        environment: Environment,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.environment = environment
        self.project = environment.project or ""
        self.region = environment.region or ""
        self.api_endpoint = environment.api_endpoint or f"{self.region}-aiplatform.googleapis.com"
        # Where the registry client connects, and the URL templates are referenced by (Vertex AI
        # fetches them from there, whatever endpoint CI reached the registry through).
        self.registry_url = (environment.registry_endpoint or environment.registry or "").rstrip(
            "/"
        )
        self.template_base = (environment.registry or "").rstrip("/")
        self.retry = retry
        self._sleep = sleep
        self._lock = threading.Lock()
        self.retries = 0
        self.credentials: Any = None

    def start(self) -> None:
        """Load the credentials and set the SDK up; no request yet."""
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import aiplatform

        try:
            self.credentials, _ = google.auth.default(scopes=list(SCOPES))
        except DefaultCredentialsError:
            raise ConfigError(
                "no Google Cloud credentials found for Vertex AI — in GitHub Actions add the "
                "google-github-actions/auth step (Workload Identity Federation); locally run "
                "`gcloud auth application-default login`"
            ) from None
        quiet_sdk_loggers()
        aiplatform.init(
            project=self.project,
            location=self.region,
            api_endpoint=self.api_endpoint,
            api_transport="rest",
            credentials=self.credentials,
        )

    @property
    def identity(self) -> str:
        """Who the requests run as, for messages: the (impersonated) service account when the
        credentials name one, else "the Application Default Credentials"."""
        email = getattr(self.credentials, "service_account_email", None)
        return str(email) if email else "the Application Default Credentials"

    def call(
        self,
        service: str,
        what: str,
        function: Callable[..., T],
        *args: Any,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> T:
        """One request to ``service`` ("Vertex AI" or "Artifact Registry"), retried while
        transient; any failure is a one-line VertexError. A request that is not idempotent
        (a create with no id of ours) is retried only after a 429, which the service sends
        before doing anything; a 503 or a dropped connection may hide a create that landed."""

        def transient(error: BaseException) -> bool:
            status = status_of(error)
            if status is not None:
                return status in (TRANSIENT_STATUSES if idempotent else {429})
            if is_connection_error(error):
                return idempotent
            if isinstance(error, RefreshError | TransportError):
                return False  # the credentials: translated below, never retried
            raise error  # not a failed request: a bug, shown as one

        try:
            return call_with_retries(
                lambda: function(*args, **kwargs),
                self.retry,
                transient=transient,
                sleep=self._sleep,
                on_retry=self._count_retry,
            )
        except Failed as failed:
            status = status_of(failed.error)
            raise self.translate(
                service, what, failed.error, status, attempts=failed.attempts
            ) from None

    def _count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def translate(
        self, service: str, what: str, error: BaseException, status: int | None, attempts: int = 1
    ) -> VertexError:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        where = self.registry_url if service == "Artifact Registry" else self.api_endpoint
        detail = message_of(error)
        if isinstance(error, RefreshError):
            return VertexError(
                f"{where}: the Google credentials could not be refreshed ({what}: {detail}) — "
                "check the google-github-actions/auth step's Workload Identity provider and "
                "service account, or run `gcloud auth application-default login`",
                status=401,
            )
        if status is None:
            return VertexError(
                f"{where}: cannot reach {service} ({what}{tries}: {detail}) — check the "
                "endpoint (environments.yml, VERTEX_API_ENDPOINT or KFP_REGISTRY_HOST) and that "
                "this machine can reach it"
            )
        if status == 401:
            return VertexError(
                f"{where}: 401 Unauthenticated ({what}) — the Google credentials were refused: "
                "check the google-github-actions/auth step (Workload Identity provider) or run "
                "`gcloud auth application-default login`",
                status=status,
            )
        if status == 403:
            role = ROLES[service]
            if service == "Artifact Registry" and what.startswith("delete"):
                role = "roles/artifactregistry.repoAdmin"  # writer may not delete tags/versions
            return VertexError(
                f"{where}: 403 Permission denied ({what}) for {self.identity} — grant it "
                f"{role} on project {self.project} ({detail})",
                status=status,
            )
        return VertexError(
            f"{where}: {what} failed{tries}: HTTP {status}" + (f": {detail}" if detail else ""),
            status=status,
        )


def quiet_sdk_loggers() -> None:
    """The SDK's module loggers log progress ("Creating PipelineJobSchedule", console links) at
    INFO to a stdout handler of their own. Commands own stdout (``--format json`` is nothing
    else) and report what happened themselves, so each is set to WARNING (each sets its own
    level when created, so the parent's level alone would not do)."""
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("google.cloud.aiplatform") and isinstance(logger, logging.Logger):
            logger.setLevel(logging.WARNING)


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a failed request from either client: google.api_core's exceptions
    (the SDK) carry ``code``, requests' HTTPError (the registry client) its response."""
    from google.api_core import exceptions as core

    if isinstance(error, core.GoogleAPICallError):
        code = error.code
        return int(code) if isinstance(code, int) else None
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


def message_of(error: BaseException) -> str:
    """The service's own message: the ``error.message`` of Google's JSON error body, else the
    exception's text, on one line."""
    from google.api_core import exceptions as core

    if isinstance(error, core.GoogleAPICallError):
        # The REST transport prefixes the service's message with "POST https://...: ".
        text = REQUEST_PREFIX.sub("", str(error.message or error))
    else:
        text = str(error)
        response = getattr(error, "response", None)
        try:
            text = response.json()["error"]["message"] if response is not None else text
        except (ValueError, KeyError, TypeError):
            text = (getattr(response, "text", "") or text) if response is not None else text
    return " ".join(text.split())[:300]


def is_connection_error(error: BaseException) -> bool:
    import requests

    return isinstance(error, requests.ConnectionError | requests.Timeout | ConnectionError)
