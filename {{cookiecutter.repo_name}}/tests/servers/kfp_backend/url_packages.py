"""The two JSON endpoints that take a package *URL* instead of an upload.

`POST /apis/v2beta1/pipelines/create` (CreatePipelineAndVersion) and
`POST /apis/v2beta1/pipelines/{id}/versions` (CreatePipelineVersion) make the server download the
spec. At backend tag 2.17.0 the URL must pass `validation.ValidatePipelineURL`: https only, the
default port, a host in the allowlist (storage.googleapis.com, s3.amazonaws.com, github.com,
raw.githubusercontent.com, plus PIPELINE_URL_ALLOWED_DOMAINS) that resolves to no loopback or
private address. Anything else is a 400 "Pipeline URL validation failed".

Tests are offline, so the server downloads nothing: a URL answers only if a test registered its
bytes with `KfpApiServer.serve_package_url(url, data)`; any other allowed URL fails the way an
offline server's DNS lookup does, with the same 400.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

from . import errors
from .api_objects import api_pipeline, api_version, ok
from .backend import Backend
from .checks import check_model_lengths, template_or_error, validate_tags
from .errors import ApiError, Response
from .pipelines import PIPELINE_BODY
from .request import Request, proto_keys
from .spec import PackageReadError, read_package
from .store import PipelineRecord, VersionRecord

DEFAULT_ALLOWED_DOMAINS = (
    "storage.googleapis.com",
    "s3.amazonaws.com",
    "github.com",
    "raw.githubusercontent.com",
)
VERSION_BODY = proto_keys(
    "pipeline_id",
    "pipeline_version_id",
    "display_name",
    "name",
    "description",
    "created_at",
    "package_url",
    "code_source_url",
    "pipeline_spec",
    "error",
    "tags",
)
PIPELINE_AND_VERSION_BODY = proto_keys("pipeline", "pipeline_version")


def validate_package_url(backend: Backend, url: str) -> None:
    """`ValidatePipelineURL`; the detail only reaches the server log, the client sees one line."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = (parts.hostname or "").rstrip(".").lower()
    patterns = [*DEFAULT_ALLOWED_DOMAINS, *backend.allowed_url_domains]
    allowed = any(re.fullmatch(re.escape(domain).replace(r"\*", ".*"), host) for domain in patterns)
    if parts.scheme != "https" or port not in (None, 443) or not allowed:
        raise errors.invalid_input("Pipeline URL validation failed")
    if url not in backend.package_urls:
        # Offline: the DNS lookup of an allowed host fails before any download.
        raise errors.invalid_input("Pipeline URL validation failed")


def fetch_package(backend: Backend, url: str) -> bytes:
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
        raise errors.invalid_input(f"invalid pipeline spec URL: {url}")
    validate_package_url(backend, url)
    try:
        return read_package(posixpath.basename(urlsplit(url).path), backend.package_urls[url])
    except PackageReadError as exc:
        raise errors.invalid_input(str(exc)) from None


def create_pipeline_and_version(backend: Backend, request: Request) -> Response:
    body = request.json_body(PIPELINE_AND_VERSION_BODY)
    pipeline_fields = _message(body.get("pipeline"), PIPELINE_BODY)
    version_fields = _message(body.get("pipeline_version"), VERSION_BODY)
    url = _package_url(version_fields)
    name = pipeline_fields.get("name") or pipeline_fields.get("display_name") or ""
    display_name = pipeline_fields.get("display_name") or name
    namespace = pipeline_fields.get("namespace") or ""
    try:
        try:
            check_model_lengths("Pipeline", Name=(name, 128), Namespace=(namespace, 63))
        except ApiError as exc:
            raise exc.wrap("Failed to create a pipeline due to pipeline conversion error") from None
        name = name or posixpath.basename(url)
        display_name = display_name or name
        namespace = backend.namespace(namespace)
        backend.require_pipeline_namespace(namespace)
        package = fetch_package(backend, url)
        tags = pipeline_fields.get("tags") or {}
        version_tags = version_fields.get("tags") or {}
        description = pipeline_fields.get("description") or ""
        validate_tags(tags)
        validate_tags(version_tags)
        template = template_or_error(package, "a pipeline and a pipeline version")
        backend.check_store_names(pipeline=name, version=name, parent=name)
        pipeline, _ = backend.store.insert_pipeline_and_version(
            PipelineRecord("", name, display_name, description, namespace, 0, tags),
            VersionRecord(
                "",
                "",
                name,
                display_name,
                description,
                0,
                template,
                package_url=url,
                tags=version_tags,
            ),
        )
    except ApiError as exc:
        raise exc.wrap("Failed to create a pipeline") from None
    return ok(api_pipeline(pipeline))


def create_pipeline_version(backend: Backend, request: Request) -> Response:
    body = request.json_body(VERSION_BODY)
    pipeline_id = request.params["pipeline_id"]
    if not (body.get("package_url") or {}):
        raise errors.invalid_input("Failed to create a pipeline version. Package URL is nil")
    url = _package_url(body)
    if not body.get("pipeline_id"):
        # The real check is `request.pipeline_id == "" || pipeline_version.pipeline_id == ""`:
        # the id must be in the path *and* in the body.
        raise errors.invalid_input(
            "Failed to create a pipeline version. Parent pipeline id is empty"
        )
    name = body.get("name") or body.get("display_name") or ""
    display_name = body.get("display_name") or name
    try:
        try:
            check_model_lengths("PipelineVersion", Name=(name, 127))
        except ApiError as exc:
            raise exc.wrap("Failed to create a pipeline version due to conversion error") from None
        if backend.multi_user:
            try:
                backend.store.get_pipeline(pipeline_id)
            except ApiError as exc:
                raise exc.wrap(
                    f"Failed to access pipeline {pipeline_id}. Check if it exists and have a "
                    "namespace assigned"
                ) from None
        package = fetch_package(backend, url)
        name = name or posixpath.basename(urlsplit(url).path)
        display_name = display_name or name
        template = template_or_error(package, "a pipeline version")
        tags = body.get("tags") or {}
        validate_tags(tags)
        if pipeline_id not in backend.store.pipelines:
            # The versions table's foreign key rejects the row; the store reports a 500.
            raise errors.internal_error(
                "foreign key constraint fails", "Failed to add a pipeline version"
            )
        parent = backend.store.pipelines[pipeline_id].name
        backend.check_store_names(version=name, parent=parent)
        version = backend.store.insert_version(
            VersionRecord(
                "",
                pipeline_id,
                name,
                display_name,
                body.get("description") or "",
                0,
                template,
                package_url=url,
                tags=tags,
            )
        )
    except ApiError as exc:
        raise exc.wrap("Failed to create a pipeline version. Check error stack") from None
    return ok(api_version(version))


def _message(value: object, allowed: dict[str, str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.ApiError(errors.INVALID_ARGUMENT, "proto: syntax error: expected {", None)
    unknown = [key for key in value if key not in allowed]
    if unknown:
        raise errors.ApiError(errors.INVALID_ARGUMENT, f'proto: unknown field "{unknown[0]}"', None)
    return {allowed[key]: item for key, item in value.items()}


def _package_url(version_fields: dict) -> str:
    package_url = version_fields.get("package_url") or {}
    url = package_url.get("pipeline_url") or package_url.get("pipelineUrl") or ""
    if not url:
        raise errors.invalid_input("Failed to create a pipeline version. Package URL is empty")
    return url
