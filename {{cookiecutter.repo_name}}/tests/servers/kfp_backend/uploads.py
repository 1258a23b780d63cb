"""The multipart upload endpoints: `/pipelines/upload` and `/pipelines/upload_version`.

Plain HTTP handlers on the real server (not grpc-gateway), with their own error body
`{"error_message","error_details"}` and plain-text 400s for length and namespace checks.

Handlers take the `Backend` and a decoded `Request` and return a `Response` or raise one of the
error types in `errors`. Which check runs first decides which error a client sees, so each
follows its Go handler at backend tag 2.17.0 step by step; messages and their wrapping likewise.
"""

from __future__ import annotations

import json

from . import errors
from .api_objects import api_pipeline, api_version, ok
from .backend import Backend
from .checks import template_or_error, validate_tags
from .errors import ApiError, PlainError, Response, UploadError
from .request import Request
from .spec import PackageReadError, read_package
from .store import PipelineRecord, VersionRecord


def upload_pipeline(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/pipelines/upload: a pipeline plus its first version, both `name`d."""
    uploaded = request.uploaded_file()
    if uploaded is None:
        raise UploadError(400, "Failed to read pipeline from file")
    filename, data = uploaded
    try:
        package = read_package(filename, data)
    except PackageReadError:
        raise UploadError(400, "Failed to read a pipeline spec file") from None
    namespace = request.arg("namespace")
    if len(namespace.encode()) > 63:
        raise PlainError(400, "Invalid input error: Pipeline.Namespace length cannot exceed 63")
    namespace = backend.namespace(namespace)
    try:
        backend.require_pipeline_namespace(namespace)
    except ApiError as exc:
        raise PlainError(400, exc.internal) from None
    name = request.arg("name") or request.arg("display_name") or filename
    display_name = request.arg("display_name") or name
    description = request.arg("description")
    tags = _upload_tags(request)
    if len(name.encode()) > 128:
        raise PlainError(400, "Invalid input error: Pipeline.Name length cannot exceed 128")
    try:
        validate_tags(tags)
        template = template_or_error(package, "a pipeline and a pipeline version")
        backend.check_store_names(pipeline=name, version=name, parent=name)
        pipeline, _ = backend.store.insert_pipeline_and_version(
            PipelineRecord("", name, display_name, description, namespace, 0, tags),
            VersionRecord("", "", name, display_name, description, 0, template),
        )
    except ApiError as exc:
        raise _upload_failure(exc, "Failed to create a pipeline and a pipeline version") from None
    return ok(api_pipeline(pipeline))


def upload_pipeline_version(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/pipelines/upload_version?name=..&pipelineid=.. (part `uploadfile`)."""
    failure = "Failed to create a pipeline version"
    uploaded = request.uploaded_file()
    if uploaded is None:
        raise UploadError(400, failure)
    filename, data = uploaded
    try:
        package = read_package(filename, data)
    except PackageReadError:
        raise UploadError(400, failure) from None
    pipeline_id = request.arg("pipelineid")
    if not pipeline_id:
        raise UploadError(400, failure)
    name = request.arg("name") or request.arg("display_name") or filename
    display_name = request.arg("display_name") or name
    if len(name.encode()) > 127:
        raise PlainError(400, "Invalid input error: PipelineVersion.Name length cannot exceed 127")
    try:
        pipeline = backend.store.get_pipeline(pipeline_id)
    except ApiError:
        raise UploadError(400, failure) from None
    try:
        backend.require_pipeline_namespace(pipeline.namespace)
    except ApiError as exc:
        raise PlainError(400, exc.internal) from None
    tags = _upload_tags(request)
    try:
        template = template_or_error(package, "a pipeline version")
        validate_tags(tags)
        backend.check_store_names(version=name, parent=pipeline.name)
        version = backend.store.insert_version(
            VersionRecord(
                "",
                pipeline_id,
                name,
                display_name,
                request.arg("description"),
                0,
                template,
                tags=tags,
            )
        )
    except ApiError as exc:
        raise _upload_failure(exc, failure) from None
    return ok(api_version(version))


def _upload_tags(request: Request) -> dict[str, str]:
    raw = request.arg("tags")
    if not raw:
        return {}
    try:
        tags = json.loads(raw)
    except json.JSONDecodeError:
        tags = None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise UploadError(
            400,
            "Failed to parse tags query parameter. Expected JSON object with string keys and "
            "values",
        )
    return tags


def _upload_failure(exc: ApiError, generic: str) -> UploadError:
    """409 and 400 keep their status; the message is generic except for invalid input."""
    if exc.code == errors.ALREADY_EXISTS:
        return UploadError(409, generic, json_content_type=True)
    if exc.code == errors.INVALID_ARGUMENT:
        return UploadError(400, exc.external, json_content_type=True)
    return UploadError(500, generic, json_content_type=True)
