# Do not edit: the template owns this file (make template-update brings its changes).
"""The MLflow tracking server through ``mlflow.MlflowClient``, made safe for CI: settings,
bounded retries, and every failure as one line.

Credentials are MLflow's own variables, read by the client at each request and never by us:
``MLFLOW_TRACKING_TOKEN`` (a bearer token), or ``MLFLOW_TRACKING_USERNAME`` and
``MLFLOW_TRACKING_PASSWORD`` (basic auth, which MLflow prefers when both are set). We only note
which kind is present, to say what the server rejected; no message carries a secret.

MLflow's defaults retry a failed request 7 times with backoff factor 2 and wait 120 s per
request: a dead or black-holed server would hold a CI job for many minutes. ``bound_http``
lowers them (unless the variables are already set) so that one request fails within about
20 s: 3 attempts of at most 5 s each plus short backoffs. MLflow keeps retrying 429 and 5xx
answers within those bounds, so no retry loop of our own sits on top.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from scripts.core.errors import ConfigError, RemoteError
from scripts.repo.environments import ENVIRONMENTS_FILE, Environment, is_http_url

URI_VARIABLE = "MLFLOW_TRACKING_URI"
TOKEN_VARIABLE = "MLFLOW_TRACKING_TOKEN"
USERNAME_VARIABLE = "MLFLOW_TRACKING_USERNAME"
PASSWORD_VARIABLE = "MLFLOW_TRACKING_PASSWORD"
HTTP_BOUNDS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
}
ACTIVE = "active"
DELETED = "deleted"


class MlflowError(RemoteError):
    """An MLflow request failed; ``code`` is MLflow's error code (None: no answer at all)."""

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Settings:
    uri: str
    source: str  # where the URI came from, for messages: a key of environments.yml or $VAR
    credentials: str  # what MLflow will send: "the user from ...", "the token from ...", "no ..."


def credentials_phrase(environ: Mapping[str, str]) -> str:
    """Which credentials MLflow sends, in its own order (basic auth wins), never their values."""
    if environ.get(USERNAME_VARIABLE) and environ.get(PASSWORD_VARIABLE):
        return f"the user from {USERNAME_VARIABLE}/{PASSWORD_VARIABLE}"
    if environ.get(TOKEN_VARIABLE):
        return f"the token from {TOKEN_VARIABLE}"
    return "no credentials"


def is_configured(environment: Environment, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``environment`` names a tracking server at all (publish skips MLflow if not)."""
    environ = os.environ if environ is None else environ
    return bool(environ.get(URI_VARIABLE) or environment.mlflow_tracking_uri)


def settings_for(environment: Environment, environ: Mapping[str, str] | None = None) -> Settings:
    """The tracking URI of ``environment`` (MLFLOW_TRACKING_URI overrides environments.yml);
    missing or not http(s) is a ConfigError naming where to fix it."""
    environ = os.environ if environ is None else environ
    key = f"environments.{environment.name}.mlflow_tracking_uri"
    if environ.get(URI_VARIABLE):
        uri, source = environ[URI_VARIABLE], f"${URI_VARIABLE}"
    else:
        uri, source = environment.mlflow_tracking_uri or "", key
    if not uri:
        raise ConfigError(
            f"{key} is not set — set it to the MLflow tracking server (https://...) in "
            f"{ENVIRONMENTS_FILE}, or set {URI_VARIABLE}",
            path=ENVIRONMENTS_FILE,
        )
    if not is_http_url(uri):
        raise ConfigError(
            f"the MLflow tracking URI {uri!r} (from {source}) is not an http(s) URL — "
            "mlflow-sync needs a tracking server: write its address, e.g. "
            "https://mlflow.example.com",
            path=None if source.startswith("$") else ENVIRONMENTS_FILE,
        )
    return Settings(uri.rstrip("/"), source, credentials_phrase(environ))


def bound_http(environ: MutableMapping[str, str] | None = None) -> None:
    """Lower MLflow's HTTP retries and timeout for this process, keeping any value the user
    set (MLflow reads these variables at every request)."""
    environ = os.environ if environ is None else environ
    for name, value in HTTP_BOUNDS.items():
        environ.setdefault(name, value)


def _quiet_logging() -> None:
    """urllib3 logs each retry and MLflow logs failures before raising; we report them
    ourselves, in one line."""
    for name in ("mlflow", "urllib3.connectionpool"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


class MlflowApi:
    """The few experiment operations sync needs, each failure one MlflowError line."""

    def __init__(self, settings: Settings, *, client: Any = None):
        self.settings = settings
        if client is None:
            bound_http()
            _quiet_logging()
            from mlflow import MlflowClient

            client = MlflowClient(tracking_uri=settings.uri)
        self._client = client

    @property
    def uri(self) -> str:
        return self.settings.uri

    def link(self, experiment_id: str) -> str:
        return f"{self.uri}/#/experiments/{experiment_id}"

    def call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return function(*args, **kwargs)
        except MlflowException as error:
            raise self.translate(what, error) from None

    def translate(self, what: str, error: Any) -> MlflowError:
        code = getattr(error, "error_code", None)
        status = error.get_http_status_code() if hasattr(error, "get_http_status_code") else None
        if _no_answer(error):
            return MlflowError(
                f"cannot reach MLflow at {self.uri} to {what} ({_connection_reason(error)}) — "
                f"check the tracking URI (from {self.settings.source}) and the network"
            )
        if status == 401 or code == "UNAUTHENTICATED":
            return MlflowError(
                f"MLflow at {self.uri} rejected {self.settings.credentials} (401 Unauthorized) — "
                f"set {TOKEN_VARIABLE}, or {USERNAME_VARIABLE} and {PASSWORD_VARIABLE}, to "
                "valid credentials",
                code="UNAUTHENTICATED",
            )
        if status == 403 or code == "PERMISSION_DENIED":
            return MlflowError(
                f"MLflow at {self.uri} refused to {what} for {self.settings.credentials} (403 "
                "Forbidden) — grant that user the MANAGE permission on experiments",
                code="PERMISSION_DENIED",
            )
        detail = _short(str(getattr(error, "message", error)))
        return MlflowError(f"MLflow at {self.uri} could not {what}: {detail}", code=code)

    # -- operations --

    def list_experiments(self, prefix: str) -> dict[str, Any]:
        """Every experiment whose name starts with ``prefix``, active or deleted, by name: a
        page of 1000 per request instead of a request per experiment. (Project names have no
        ``%`` or ``_``, so the prefix is literal in LIKE.)"""
        from mlflow.entities import ViewType

        found: dict[str, Any] = {}
        token = None
        while True:
            page = self.call(
                "list experiments",
                self._client.search_experiments,
                view_type=ViewType.ALL,
                max_results=1000,
                filter_string=f"name LIKE '{prefix}%'",
                page_token=token,
            )
            found.update((experiment.name, experiment) for experiment in page)
            token = page.token
            if not token:
                return found

    def get_experiment(self, name: str) -> Any | None:
        """The experiment named ``name``, active or deleted; None when there is none."""
        return self.call(f"read experiment {name!r}", self._client.get_experiment_by_name, name)

    def create_experiment(self, name: str, tags: Mapping[str, str]) -> str:
        return self.call(
            f"create experiment {name!r}", self._client.create_experiment, name, tags=dict(tags)
        )

    def restore_experiment(self, experiment_id: str, name: str) -> None:
        self.call(f"restore experiment {name!r}", self._client.restore_experiment, experiment_id)

    def set_tag(self, experiment_id: str, name: str, key: str, value: str) -> None:
        self.call(
            f"tag experiment {name!r}",
            self._client.set_experiment_tag,
            experiment_id,
            key,
            value,
        )


def _no_answer(error: Any) -> bool:
    """MLflow wraps a connection failure or timeout (after its retries) in an INTERNAL_ERROR
    whose context is the requests exception; a server's own 500 has no such context."""
    import requests

    seen: set[int] = set()
    cause = error.__cause__ or error.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _connection_reason(error: Any) -> str:
    text = str(error)
    for marker in ("Read timed out", "Connection refused", "Name or service not known"):
        if marker in text:
            return marker.lower() if marker != "Read timed out" else "no answer: read timed out"
    if "Failed to establish a new connection" in text:
        return "failed to establish a connection"
    return "no answer"


def _short(text: str) -> str:
    """One line of at most 200 characters (MLflow appends SQL and bodies to some messages)."""
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:197] + "..."
