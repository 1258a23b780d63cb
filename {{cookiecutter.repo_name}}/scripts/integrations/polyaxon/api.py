# Do not edit: the template owns this file (make template-update brings its changes).
"""The Polyaxon API, made safe for CI: settings, retries, and failures as one line.

Why the generated API (``PolyaxonClient().projects_v1``) and not ``ProjectClient``: the
high-level clients log their whole client configuration, token included, when a call fails,
and honour POLYAXON_NO_OP by silently doing nothing. The generated API only raises.
Transient failures (connection errors, 429, 500, 502, 503, 504) are retried with the same
bounded backoff as KFP (``scripts.core.retry``); every failure becomes one line naming the host
and the fix, never the token.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from scripts.core.errors import ConfigError, RemoteError
from scripts.core.retry import Failed, RetryPolicy, call_with_retries
from scripts.repo.environments import Environment

T = TypeVar("T")

TOKEN_VARIABLE = "POLYAXON_AUTH_TOKEN"
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# Polyaxon's API server (haupt 2.18) intermittently answers 405 to a POST or PATCH its route
# accepts when requests overlap in one worker (measured: most of 200 concurrent creates; its
# own agent cron request hits it too). The write did not happen, so it is retried like a 503.
WRITE_TRANSIENT_STATUSES = TRANSIENT_STATUSES | {405}
DEFAULT_RETRY = RetryPolicy(attempts=5, total_seconds=30.0)
REQUEST_TIMEOUT = 30.0  # seconds per request; a black-holed host must not hang CI


class PolyaxonError(RemoteError):
    """A Polyaxon request failed; ``status`` is the HTTP status (None: no response)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ProjectTarget:
    """One Polyaxon project a manifest asks for."""

    project: str  # the manifest's project name
    name: str  # the Polyaxon project name
    description: str
    tags: tuple[str, ...]
    manifest_path: str = ""


@dataclass(frozen=True)
class Settings:
    host: str
    owner: str
    token: str | None = None

    def __repr__(self) -> str:  # the token never shows, not even in a debug repr
        return f"Settings(host={self.host!r}, owner={self.owner!r})"


def settings_for(environment: Environment, environ: Mapping[str, str] | None = None) -> Settings:
    """Host, owner and token for ``environment`` (``scripts.repo.environments.Environment``, whose
    POLYAXON_HOST / POLYAXON_OWNER overrides are already applied)."""
    environ = os.environ if environ is None else environ
    where = f"environments.{environment.name}"
    host = (environment.polyaxon_host or "").rstrip("/")
    if not host.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where}.polyaxon_host is {'not set' if not host else repr(host)} — set it to the "
            "Polyaxon API address (https://...) in environments.yml, or set POLYAXON_HOST",
            path="environments.yml",
        )
    if not environment.polyaxon_owner:
        raise ConfigError(
            f"{where}.polyaxon_owner is not set — set it to the Polyaxon organisation "
            "('default' on Polyaxon CE) in environments.yml, or set POLYAXON_OWNER",
            path="environments.yml",
        )
    return Settings(host=host, owner=environment.polyaxon_owner, token=environ.get(TOKEN_VARIABLE))


def _quiet_polyaxon_logging() -> None:
    """The polyaxon package logs API failures together with its client configuration (token
    included) at ERROR level; we report failures ourselves, in one line."""
    for name in ("polyaxon", "polyaxon.cli", "polyaxon.client"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _connection_error_types() -> tuple[type[BaseException], ...]:
    import urllib3.exceptions

    return (urllib3.exceptions.HTTPError, OSError)


class PolyaxonApi:
    """The few project operations sync needs, with retries and one-line errors."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.retry = retry
        self._sleep = sleep
        self.retries_done = 0
        self._client = client if client is not None else make_client(settings)

    @property
    def host(self) -> str:
        return self.settings.host

    @property
    def owner(self) -> str:
        return self.settings.owner

    def link(self, name: str) -> str:
        return f"{self.host}/ui/{self.owner}/{name}/"

    def call(
        self,
        what: str,
        function: Callable[..., T],
        *args: Any,
        transient: frozenset[int] = TRANSIENT_STATUSES,
        **kwargs: Any,
    ) -> T:
        """One request, retried on transient failures within the policy's bounds."""
        from polyaxon.exceptions import ApiException

        connection_errors = _connection_error_types()

        def is_transient(error: BaseException) -> bool:
            if isinstance(error, ApiException):
                return error.status in transient
            if isinstance(error, connection_errors):
                return True
            raise error  # not a failed request: a bug, shown as one

        try:
            return call_with_retries(
                lambda: function(*args, **kwargs),
                self.retry,
                transient=is_transient,
                sleep=self._sleep,
                on_retry=self._count_retry,
            )
        except Failed as failed:
            raise self.translate(what, failed.error, attempts=failed.attempts) from None

    def _count_retry(self) -> None:
        self.retries_done += 1

    def translate(self, what: str, error: BaseException, *, attempts: int = 1) -> PolyaxonError:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        status = getattr(error, "status", None)
        if not status:
            reason = _connection_reason(error)
            return PolyaxonError(
                f"cannot reach Polyaxon at {self.host} to {what}{tries} ({reason}) — check "
                "polyaxon_host in environments.yml (or POLYAXON_HOST) and the network"
            )
        if status == 401:
            sent = f"the token from {TOKEN_VARIABLE}" if self.settings.token else "no token"
            return PolyaxonError(
                f"Polyaxon at {self.host} rejected {sent} (401 Unauthorized) — set "
                f"{TOKEN_VARIABLE} to a valid API token",
                status=status,
            )
        if status == 403:
            return PolyaxonError(
                f"Polyaxon at {self.host} refused to {what} for owner {self.owner!r} (403 "
                f"Forbidden) — give the {TOKEN_VARIABLE} token's user access to {self.owner!r}",
                status=status,
            )
        detail = _error_detail(getattr(error, "body", None))
        return PolyaxonError(
            f"Polyaxon at {self.host} could not {what}{tries}: {status} "
            f"{getattr(error, 'reason', '') or ''}{': ' + detail if detail else ''}".rstrip(),
            status=status,
        )

    # -- operations --

    def check_access(self) -> None:
        """One cheap read: a wrong host or token fails here, before anything is planned."""
        self.call("list projects", self._client.projects_v1.list_projects, self.owner, limit=1)

    def get_project(self, name: str) -> Any | None:
        try:
            return self.call(
                f"read project {name!r}", self._client.projects_v1.get_project, self.owner, name
            )
        except PolyaxonError as error:
            if error.status == 404:
                return None
            raise

    def create_project(self, target: ProjectTarget) -> Any:
        from polyaxon.schemas import V1Project

        body = V1Project(name=target.name, description=target.description, tags=list(target.tags))
        return self.call(
            f"create project {target.name!r}",
            self._client.projects_v1.create_project,
            self.owner,
            body,
            transient=WRITE_TRANSIENT_STATUSES,
        )

    def patch_project(self, name: str, **fields: Any) -> Any:
        from polyaxon.schemas import V1Project

        return self.call(
            f"update project {name!r}",
            self._client.projects_v1.patch_project,
            self.owner,
            name,
            V1Project(name=name, **fields),
            transient=WRITE_TRANSIENT_STATUSES,
        )


def make_client(settings: Settings) -> Any:
    """A PolyaxonClient for exactly these settings: no CLI config file, no stored token, no
    urllib3 retries of its own (``PolyaxonApi.call`` retries), a request timeout."""
    _quiet_polyaxon_logging()
    from polyaxon._constants.globals import NO_AUTH
    from polyaxon._schemas.client import ClientConfig
    from polyaxon.client import PolyaxonClient

    config = ClientConfig(
        host=settings.host,
        token=settings.token or None,
        use_https=settings.host.startswith("https://"),
        verify_ssl=settings.host.startswith("https://"),
        retries=0,
    )
    config.timeout = REQUEST_TIMEOUT
    # Without a token, PolyaxonClient would fall back to a token stored by the CLI in ~/.polyaxon.
    return PolyaxonClient(config=config, token=settings.token or NO_AUTH)


def _connection_reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    text = " ".join(str(reason).split())
    # urllib3 wraps the cause: "<urllib3.connection.HTTPConnection object at 0x..>: Failed to
    # establish a new connection: [Errno 111] Connection refused" -> keep the readable part.
    if ": " in text and "object at 0x" in text:
        text = text.split(": ", 1)[1]
    return text[:200] or type(error).__name__


def _error_detail(body: Any) -> str:
    if not body:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return " ".join(str(body).split())[:200]
    if isinstance(document, dict):
        parts = []
        for key, value in document.items():
            value = value[0] if isinstance(value, list) and value else value
            parts.append(str(value) if key in ("detail", "non_field_errors") else f"{key}: {value}")
        return "; ".join(parts)[:200]
    return " ".join(str(document).split())[:200]
