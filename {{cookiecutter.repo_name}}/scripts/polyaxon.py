"""Polyaxon projects from the manifests' ``polyaxon:`` sections: plan, then apply.

Teams explore on Polyaxon and train in production from KFP; the manifest keeps both in step.
For each project whose manifest has ``polyaxon: {enabled: true}``, the environment's Polyaxon
(``polyaxon_host`` / ``polyaxon_owner`` in environments.yml, overridden by POLYAXON_HOST /
POLYAXON_OWNER; token from POLYAXON_AUTH_TOKEN) gets a project named ``polyaxon.project``
(default: the project's name):

- missing: created with the description and tags ("created"; dry run "create");
- there with the same description and every tag: left alone ("exists");
- there with another description, or missing one of the tags: patched ("updated"; dry run
  "update"). Tags added on Polyaxon by hand are kept: the manifest's tags are a minimum.

Two entry points: ``python -m scripts polyaxon-sync`` (scripts/commands/polyaxon_sync.py) and
``sync_step`` for publish's ``SYNC_STEPS``, which reports rows in the publish summary.

Why the generated API (``PolyaxonClient().projects_v1``) and not ``ProjectClient``: the
high-level clients log their whole client configuration, token included, when a call fails,
and honour POLYAXON_NO_OP by silently doing nothing. The generated API only raises.
Transient failures (connection errors, 429, 500, 502, 503, 504) are retried with the KFP
path's bounded backoff; every failure becomes one line naming the host and the fix, never the
token.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from scripts.errors import ConfigError, RemoteError
from scripts.kfp_api import RetryPolicy

T = TypeVar("T")

TOKEN_VARIABLE = "POLYAXON_AUTH_TOKEN"
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# Polyaxon's API server (haupt 2.18) intermittently answers 405 to a POST or PATCH its route
# accepts when requests overlap in one worker (measured: most of 200 concurrent creates; its
# own agent cron request hits it too). The write did not happen, so it is retried like a 503.
WRITE_TRANSIENT_STATUSES = TRANSIENT_STATUSES | {405}
DEFAULT_RETRY = RetryPolicy(attempts=5, total_seconds=30.0)
REQUEST_TIMEOUT = 30.0  # seconds per request; a black-holed host must not hang CI
KIND = "polyaxon project"


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


def targets(projects: Iterable[Any]) -> list[ProjectTarget]:
    """The Polyaxon projects of ``projects`` (``scripts.manifests.Project`` values) that enable
    it, sorted by Polyaxon name. Pure: no network."""
    found = []
    for project in projects:
        section = project.polyaxon or {}
        if section.get("enabled") is not True:
            continue
        found.append(
            ProjectTarget(
                project=project.name,
                name=str(section.get("project") or project.name),
                description=str(section.get("description") or project.description or ""),
                tags=tuple(str(tag) for tag in section.get("tags") or ()),
                manifest_path=project.manifest_path,
            )
        )
    return sorted(found, key=lambda target: target.name)


# -- connection -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    host: str
    owner: str
    token: str | None = None

    def __repr__(self) -> str:  # the token never shows, not even in a debug repr
        return f"Settings(host={self.host!r}, owner={self.owner!r})"


def settings_for(environment: Any, environ: Mapping[str, str] | None = None) -> Settings:
    """Host, owner and token for ``environment`` (``scripts.environments.Environment``, whose
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
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return function(*args, **kwargs)
            except ApiException as error:
                if error.status not in transient:
                    raise self.translate(what, error) from None
                last: BaseException = error
            except connection_errors as error:
                last = error
            delay = self.retry.delay(attempt - 1)
            if attempt >= self.retry.attempts or (
                time.monotonic() - started + delay > self.retry.total_seconds
            ):
                raise self.translate(what, last, attempts=attempt) from None
            self.retries_done += 1
            self._sleep(delay)

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


# -- apply ----------------------------------------------------------------------------------


@dataclass
class ProjectResult:
    project: str  # manifest project
    name: str  # "<owner>/<polyaxon project>"
    status: str  # created | exists | updated | failed; dry run: create | exists | update
    link: str | None = None
    message: str = ""
    manifest_path: str = ""

    def to_sync_result(self) -> Any:
        from scripts.publish import SyncResult

        return SyncResult(KIND, self.name, self.status, self.link, self.message)


def _changes(existing: Any, target: ProjectTarget) -> dict[str, Any]:
    """The fields to patch so the project matches the manifest (empty: it already does)."""
    changes: dict[str, Any] = {}
    if (existing.description or "") != target.description:
        changes["description"] = target.description
    have = list(existing.tags or [])
    missing = [tag for tag in target.tags if tag not in have]
    if missing:
        changes["tags"] = have + missing
    return changes


def sync_project(api: PolyaxonApi, target: ProjectTarget, *, dry_run: bool) -> ProjectResult:
    """Create, update or leave one project; failures come back as a "failed" row."""
    result = ProjectResult(
        target.project,
        f"{api.owner}/{target.name}",
        "failed",
        manifest_path=target.manifest_path,
    )
    try:
        existing = api.get_project(target.name)
        if existing is None:
            if dry_run:
                result.status = "create"
                return result
            try:
                api.create_project(target)
            except PolyaxonError as error:
                # A concurrent job (or a retried request that had landed) created it first.
                existing = api.get_project(target.name) if error.status in (400, 409) else None
                if existing is None:
                    raise
            else:
                result.status, result.link = "created", api.link(target.name)
                return result
        result.link = api.link(target.name)
        changes = _changes(existing, target)
        if not changes:
            result.status = "exists"
        elif dry_run:
            result.status, result.message = "update", f"would update {', '.join(changes)}"
        else:
            api.patch_project(target.name, **changes)
            result.status, result.message = "updated", f"updated {', '.join(changes)}"
    except PolyaxonError as error:
        result.status, result.link, result.message = "failed", None, error.message
    return result


def sync_projects(
    api: PolyaxonApi, wanted: Sequence[ProjectTarget], *, dry_run: bool
) -> list[ProjectResult]:
    """Check access once, then sync each project in order. A wrong host or token raises the
    preflight's PolyaxonError (one line) instead of failing every row the same way."""
    if not wanted:
        return []
    api.check_access()
    return [sync_project(api, target, dry_run=dry_run) for target in wanted]


def sync_step(context: Any) -> list[Any]:
    """publish's sync step (``scripts.publish.SYNC_STEPS``): the touched projects' Polyaxon
    projects as ``SyncResult`` rows; a configuration or access problem is one failed row."""
    from scripts.publish import SyncResult

    wanted = targets(context.projects)
    if not wanted:
        return []
    try:
        api = PolyaxonApi(settings_for(context.environment))
        return [row.to_sync_result() for row in sync_projects(api, wanted, dry_run=context.dry_run)]
    except (ConfigError, PolyaxonError) as error:
        return [SyncResult("polyaxon", context.environment.name, "failed", message=error.message)]
