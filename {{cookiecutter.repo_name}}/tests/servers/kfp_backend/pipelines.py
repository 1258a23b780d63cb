"""The grpc-gateway pipeline and pipeline-version endpoints (create, get, list, delete).

Handlers take the `Backend` and a decoded `Request` and return a `Response` or raise one of the
error types in `errors`. Which check runs first decides which error a client sees, so each
follows its Go handler at backend tag 2.17.0 step by step; messages and their wrapping likewise.
"""

from __future__ import annotations

import kfp_server_api as api

from . import errors, listing
from .api_objects import api_pipeline, api_version, ok
from .backend import Backend
from .checks import check_model_lengths, list_options, validate_tags
from .errors import ApiError, Response
from .request import Request, proto_keys
from .store import PipelineRecord

PIPELINE_BODY = proto_keys(
    "pipeline_id", "display_name", "name", "description", "created_at", "namespace", "error", "tags"
)


def create_pipeline(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/pipelines: the pipeline record only, no version."""
    body = request.json_body(PIPELINE_BODY)
    name = body.get("name") or body.get("display_name") or ""
    display_name = body.get("display_name") or name
    namespace = body.get("namespace") or ""
    tags = body.get("tags") or {}
    try:
        check_model_lengths("Pipeline", Name=(name, 128), Namespace=(namespace, 63))
    except ApiError as exc:
        raise exc.wrap("Failed to create a pipeline as pipeline conversion failed") from None
    try:
        namespace = backend.namespace(namespace)
        backend.require_pipeline_namespace(namespace)
        if not name:
            raise errors.invalid_input("name is required")
        try:
            validate_tags(tags)
            backend.check_store_names(pipeline=name)
            pipeline = backend.store.insert_pipeline(
                PipelineRecord(
                    "", name, display_name, body.get("description") or "", namespace, 0, tags
                )
            )
        except ApiError as exc:
            raise exc.wrap("Failed to create a pipeline in PipelineStore") from None
    except ApiError as exc:
        raise exc.wrap("Failed to create a pipeline due to server error") from None
    return ok(api_pipeline(pipeline))


def get_pipeline(backend: Backend, request: Request) -> Response:
    pipeline_id = request.params["pipeline_id"]
    try:
        return ok(api_pipeline(backend.store.get_pipeline(pipeline_id)))
    except ApiError as exc:
        raise exc.wrap(f"Failed to get a pipeline {pipeline_id}. Check error stack") from None


def get_pipeline_by_name(backend: Backend, request: Request) -> Response:
    """GET /apis/v2beta1/pipelines/names/{name}?namespace=: by the unique `name`."""
    name, namespace = request.params["name"], request.arg("namespace")
    try:
        resolved = backend.namespace(namespace)
        backend.require_pipeline_namespace(resolved)
        return ok(api_pipeline(backend.store.get_pipeline_by_name(name, resolved)))
    except ApiError as exc:
        raise exc.wrap(
            f"Failed to get a pipeline with name {name} and namespace {namespace}. "
            "Check error stack."
        ) from None


def list_pipelines(backend: Backend, request: Request) -> Response:
    namespace = request.arg("namespace")
    options = list_options(listing.PIPELINES, request, "pipelines")
    try:
        resolved = backend.namespace(namespace)
        backend.require_pipeline_namespace(resolved)
        rows = backend.store.pipelines_in(resolved)
    except ApiError as exc:
        raise exc.wrap(
            f"Failed to list pipelines in namespace {namespace}. Check error stack"
        ) from None
    page, total, token = listing.paginate(listing.PIPELINES, rows, options)
    return ok(
        api.V2beta1ListPipelinesResponse(
            pipelines=[api_pipeline(p) for p in page], total_size=total, next_page_token=token
        )
    )


def delete_pipeline(backend: Backend, request: Request) -> Response:
    """DELETE /apis/v2beta1/pipelines/{id}[?cascade=true]: refuses while versions exist."""
    pipeline_id = request.params["pipeline_id"]
    cascade = request.bool_arg("cascade")
    try:
        with backend.store.lock:
            try:
                backend.store.get_pipeline(pipeline_id)
            except ApiError as exc:
                raise exc.wrap(
                    f"Failed to delete pipeline with id {pipeline_id} as it was not found"
                ) from None
            latest = backend.store.latest_version(pipeline_id)
            if latest is not None and not cascade:
                raise errors.invalid_input(
                    f"Failed to delete pipeline with id {pipeline_id} as it has existing pipeline "
                    f"versions (e.g. {latest.uuid}). Set cascade=true to delete all versions"
                )
            backend.store.delete_pipeline(pipeline_id)
    except ApiError as exc:
        raise exc.wrap(f"Failed to delete pipeline {pipeline_id}. Check error stack") from None
    return Response.json(200, {})


def list_pipeline_versions(backend: Backend, request: Request) -> Response:
    pipeline_id = request.params["pipeline_id"]
    options = list_options(listing.PIPELINE_VERSIONS, request, "pipeline versions")
    try:
        try:
            backend.store.get_pipeline(pipeline_id)
        except ApiError as exc:
            raise exc.wrap(
                "Failed to list pipeline versions due to error fetching the namespace for "
                f"pipeline {pipeline_id}"
            ) from None
        rows = backend.store.versions_of(pipeline_id)
    except ApiError as exc:
        raise exc.wrap(f"Failed to list pipeline versions for pipeline {pipeline_id}") from None
    page, total, token = listing.paginate(listing.PIPELINE_VERSIONS, rows, options)
    return ok(
        api.V2beta1ListPipelineVersionsResponse(
            pipeline_versions=[api_version(v) for v in page],
            total_size=total,
            next_page_token=token,
        )
    )


def get_pipeline_version(backend: Backend, request: Request) -> Response:
    """GET .../versions/{vid}: like the real server, only the version id is looked at."""
    version_id = request.params["pipeline_version_id"]
    try:
        return ok(api_version(backend.store.get_version(version_id)))
    except ApiError as exc:
        raise exc.wrap(f"Failed to get a pipeline version {version_id}") from None


def delete_pipeline_version(backend: Backend, request: Request) -> Response:
    pipeline_id = request.params["pipeline_id"]
    version_id = request.params["pipeline_version_id"]
    try:
        with backend.store.lock:
            backend.store.get_version(version_id)
            backend.store.delete_version(version_id)
    except ApiError as exc:
        raise exc.wrap(
            f"Failed to delete a pipeline version id {version_id} under pipeline id "
            f"{pipeline_id}. Check error stack"
        ) from None
    return Response.json(200, {})
