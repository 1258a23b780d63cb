"""The endpoint handlers: one function per v2beta1 operation, in the real server's order of checks.

Each handler takes the `Backend` (state plus the server's mode) and a decoded `Request`, and
returns a `Response` or raises one of the error types in `errors`. The order of validation
matters for which error a client sees, so it follows the Go handlers at backend tag 2.17.0
(`server/pipeline_upload_server.go`, `pipeline_server.go`, `experiment_server.go`,
`run_server.go`) step by step; messages and their wrapping likewise.

Not modelled: per-namespace authorization (SubjectAccessReview) in multi-user mode; any
namespace is readable and writable by any caller the front door lets in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import kfp_server_api as api

from . import errors, listing
from .errors import ApiError, PlainError, Response, UploadError
from .request import Request, proto_keys
from .spec import PackageReadError, Template, parse_template, read_package
from .store import ExperimentRecord, PipelineRecord, RunRecord, Store, VersionRecord
from .wire import timestamp, to_wire

BACKEND_TAG = "2.17.0"
BACKEND_COMMIT = "4a3592cb2d"
DEFAULT_SERVICE_ACCOUNT = "pipeline-runner"


@dataclass
class Backend:
    """The API server's state and deployment settings."""

    multi_user: bool = False
    # REQUIRE_NAMESPACE_FOR_PIPELINES: off on a stock server, where an empty namespace in
    # multi-user mode means a shared pipeline. On by default here in multi-user mode (see
    # KfpApiServer) so that a client which forgets the namespace is caught.
    require_namespace_for_pipelines: bool = False
    store: Store = field(default_factory=Store)
    # What the URL-based create endpoints can download (see url_packages.py), and the
    # PIPELINE_URL_ALLOWED_DOMAINS setting.
    package_urls: dict[str, bytes] = field(default_factory=dict)
    allowed_url_domains: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.multi_user:
            # main.go creates the "Default" experiment at start-up in single-user mode.
            self.store.ensure_default_experiment("")

    def namespace(self, requested: str) -> str:
        """`ReplaceNamespace`: single-user mode forces every namespace to ""."""
        return requested if self.multi_user else ""

    def require_pipeline_namespace(self, namespace: str) -> None:
        """`validation.ValidateNamespaceRequired`."""
        if self.multi_user and self.require_namespace_for_pipelines and not namespace:
            raise errors.invalid_input("Namespace is required for pipeline operations")


def ok(model: object) -> Response:
    return Response.json(200, to_wire(model))


# -- API objects -----------------------------------------------------------------------------


def api_pipeline(p: PipelineRecord) -> api.V2beta1Pipeline:
    return api.V2beta1Pipeline(
        pipeline_id=p.uuid,
        name=p.name,
        display_name=p.display_name,
        description=p.description,
        created_at=timestamp(p.created_at),
        namespace=p.namespace,
        tags=p.tags or None,
    )


def api_version(v: VersionRecord) -> api.V2beta1PipelineVersion:
    return api.V2beta1PipelineVersion(
        pipeline_id=v.pipeline_id,
        pipeline_version_id=v.uuid,
        name=v.name,
        display_name=v.display_name,
        description=v.description,
        created_at=timestamp(v.created_at),
        package_url=api.V2beta1Url(pipeline_url=v.package_url) if v.package_url else None,
        pipeline_spec=v.template.api_struct(),
        tags=v.tags or None,
    )


def api_experiment(e: ExperimentRecord) -> api.V2beta1Experiment:
    return api.V2beta1Experiment(
        experiment_id=e.uuid,
        display_name=e.name,
        description=e.description,
        created_at=timestamp(e.created_at),
        namespace=e.namespace,
        storage_state=e.storage_state,
        last_run_created_at=timestamp(e.last_run_created_at),
    )


def api_run(r: RunRecord) -> api.V2beta1Run:
    reference = None
    if r.pipeline_version_id:
        reference = api.V2beta1PipelineVersionReference(
            pipeline_id=r.pipeline_id, pipeline_version_id=r.pipeline_version_id
        )
    config = None
    if r.runtime_config:
        config = api.V2beta1RuntimeConfig(
            parameters=r.runtime_config.get("parameters"),
            pipeline_root=r.runtime_config.get("pipeline_root"),
        )
    return api.V2beta1Run(
        run_id=r.uuid,
        experiment_id=r.experiment_id,
        display_name=r.display_name,
        description=r.description,
        service_account=r.service_account,
        runtime_config=config,
        storage_state="AVAILABLE",
        state=r.state,
        state_history=[
            api.V2beta1RuntimeStatus(update_time=timestamp(r.created_at), state=r.state)
        ],
        created_at=timestamp(r.created_at),
        scheduled_at=timestamp(r.created_at),
        finished_at=timestamp(0),
        pipeline_version_reference=reference,
        pipeline_spec=None if reference else r.pipeline_spec,
    )


# -- healthz ---------------------------------------------------------------------------------


def healthz(backend: Backend, request: Request) -> Response:
    """A plain HTTP handler (not grpc-gateway): answers any method, no auth in the apiserver."""
    body = {
        "commit_sha": BACKEND_COMMIT,
        "tag_name": BACKEND_TAG,
        "multi_user": backend.multi_user,
    }
    if request.path.startswith("/apis/v2beta1/"):
        body["pipeline_store"] = "database"
    return Response.json(200, body)


# -- upload endpoints ------------------------------------------------------------------------


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
    if len(namespace) > 63:
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


def template_or_error(package: bytes, what: str) -> Template:
    try:
        return parse_template(package)
    except ApiError as exc:
        raise exc.wrap(f"Failed to create {what} due to template creation error") from None


def _upload_failure(exc: ApiError, generic: str) -> UploadError:
    """409 and 400 keep their status; the message is generic except for invalid input."""
    if exc.code == errors.ALREADY_EXISTS:
        return UploadError(409, generic, json_content_type=True)
    if exc.code == errors.INVALID_ARGUMENT:
        return UploadError(400, exc.external, json_content_type=True)
    return UploadError(500, generic, json_content_type=True)


def validate_tags(tags: dict[str, str]) -> None:
    """`model.ValidateTags` (backend 2.17+)."""
    if len(tags) > 20:
        raise errors.invalid_input(f"number of tags ({len(tags)}) exceeds maximum of 20 per entity")
    for key, value in tags.items():
        if not key:
            raise errors.invalid_input("tag key cannot be empty")
        if "." in key:
            raise errors.invalid_input(f"tag key \"{key}\" must not contain '.' character")
        if len(key) > 63:
            raise errors.invalid_input(f'tag key "{key}" exceeds maximum length of 63 characters')
        if len(value) > 63:
            raise errors.invalid_input(
                f'tag value "{value}" for key "{key}" exceeds maximum length of 63 characters'
            )


# -- pipelines -------------------------------------------------------------------------------

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


def check_model_lengths(model: str, **fields: tuple[str, int]) -> None:
    """`validation.ValidateModel` inside the API converters: a violation is a 500 there."""
    for column, (value, limit) in fields.items():
        if len(value.encode()) > limit:
            raise errors.internal_error(
                f"Invalid input error: {model}.{column} length cannot exceed {limit}",
                f"Failed to convert API {model.lower()} to model {model.lower()}",
            )


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
    options = _list_options(listing.PIPELINES, request, "pipelines")
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


def _list_options(listable: listing.Listable, request: Request, what: str) -> listing.ListOptions:
    page_token, sort_by, filter_spec = (
        request.arg("page_token"),
        request.arg("sort_by"),
        request.arg("filter"),
    )
    page_size = request.int_arg("page_size")
    try:
        return listing.list_options(
            listable,
            page_token=page_token,
            page_size=page_size,
            sort_by=sort_by,
            filter_spec=filter_spec,
        )
    except ApiError as exc:
        raise exc.wrap(
            f"Failed to list {what} due invalid list options: pageToken: {page_token}, "
            f"pageSize: {page_size}, sortBy: {sort_by}, filter: {filter_spec}"
        ) from None


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


# -- versions --------------------------------------------------------------------------------


def list_pipeline_versions(backend: Backend, request: Request) -> Response:
    pipeline_id = request.params["pipeline_id"]
    options = _list_options(listing.PIPELINE_VERSIONS, request, "pipeline versions")
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


# -- experiments -----------------------------------------------------------------------------

EXPERIMENT_BODY = proto_keys(
    "experiment_id",
    "display_name",
    "description",
    "created_at",
    "namespace",
    "storage_state",
    "last_run_created_at",
)


def create_experiment(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/experiments; name and namespace unique together, archived included."""
    body = request.json_body(EXPERIMENT_BODY)
    name = body.get("display_name") or ""
    namespace = body.get("namespace") or ""
    try:
        try:
            if not name:
                raise errors.internal_error(
                    "Invalid input error: Experiment must have a non-empty name",
                    "Failed to convert API experiment to model experiment",
                )
            check_model_lengths("Experiment", Name=(name, 128), Namespace=(namespace, 63))
        except ApiError as exc:
            raise exc.wrap(
                "[ExperimentServer]: Failed to create a experiment due to conversion error"
            ) from None
        namespace = backend.namespace(namespace)
        if backend.multi_user and not namespace:
            raise errors.invalid_input(
                "An experiment cannot have an empty namespace in multi-user mode"
            ).wrap("Failed to authorize the request")
        experiment = backend.store.insert_experiment(
            ExperimentRecord("", name, body.get("description") or "", namespace, 0)
        )
    except ApiError as exc:
        raise exc.wrap("Failed to create a experiment") from None
    return ok(api_experiment(experiment))


def get_experiment(backend: Backend, request: Request) -> Response:
    experiment_id = request.params["experiment_id"]
    try:
        return ok(api_experiment(backend.store.get_experiment(experiment_id)))
    except ApiError as exc:
        raise exc.wrap("Failed to fetch experiment") from None


def list_experiments(backend: Backend, request: Request) -> Response:
    try:
        options = _list_options(listing.EXPERIMENTS, request, "experiments")
    except ApiError as exc:
        raise exc.wrap("Failed to create list options") from None
    namespace = backend.namespace(request.arg("namespace"))
    if backend.multi_user and not namespace:
        raise (
            errors.invalid_input("An experiment cannot have an empty namespace in multi-user mode")
            .wrap("Failed to authorize with API")
            .wrap("List experiments failed")
        )
    rows = backend.store.experiments_in(namespace)
    page, total, token = listing.paginate(listing.EXPERIMENTS, rows, options)
    return ok(
        api.V2beta1ListExperimentsResponse(
            experiments=[api_experiment(e) for e in page], total_size=total, next_page_token=token
        )
    )


def delete_experiment(backend: Backend, request: Request) -> Response:
    """DELETE /apis/v2beta1/experiments/{id}; the default experiment is protected (409)."""
    experiment_id = request.params["experiment_id"]
    try:
        with backend.store.lock:
            if experiment_id and experiment_id == backend.store.default_experiment_id:
                message = (
                    f"Failed to delete experiment {experiment_id}. The default experiment cannot "
                    "be deleted"
                )
                raise errors.ApiError(
                    errors.ABORTED,
                    f"BadRequestError: {message}: Invalid input error: Experiment id cannot be "
                    f"equal to the default id {experiment_id}",
                    message,
                )
            try:
                backend.store.get_experiment(experiment_id)
            except ApiError as exc:
                raise exc.wrap(
                    f"Failed to delete experiment {experiment_id} due to error fetching it"
                ) from None
            del backend.store.experiments[experiment_id]
    except ApiError as exc:
        raise exc.wrap("Failed to delete experiment") from None
    return Response.json(200, {})


def archive_experiment(backend: Backend, request: Request) -> Response:
    return _set_storage_state(backend, request, "ARCHIVED", "archive")


def unarchive_experiment(backend: Backend, request: Request) -> Response:
    return _set_storage_state(backend, request, "AVAILABLE", "unarchive")


def _set_storage_state(backend: Backend, request: Request, state: str, verb: str) -> Response:
    """An UPDATE by id: like the SQL statement, an unknown id changes nothing and succeeds."""
    with backend.store.lock:
        experiment = backend.store.experiments.get(request.params["experiment_id"])
        if experiment is not None:
            experiment.storage_state = state
    return Response.json(200, {})


# -- runs ------------------------------------------------------------------------------------

RUN_BODY = proto_keys(
    "experiment_id",
    "run_id",
    "display_name",
    "storage_state",
    "description",
    "pipeline_version_id",
    "pipeline_spec",
    "pipeline_version_reference",
    "runtime_config",
    "service_account",
    "created_at",
    "scheduled_at",
    "finished_at",
    "state",
    "error",
    "run_details",
    "recurring_run_id",
    "state_history",
    "plugins_input",
)


def create_run(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/runs: records the run as PENDING (no workflow engine behind it)."""
    body = request.json_body(RUN_BODY)
    reference = body.get("pipeline_version_reference") or {}
    pipeline_id = reference.get("pipeline_id") or reference.get("pipelineId") or ""
    version_id = (
        reference.get("pipeline_version_id")
        or reference.get("pipelineVersionId")
        or body.get("pipeline_version_id")
        or ""
    )
    try:
        if not body.get("display_name"):
            raise errors.invalid_input("The run name is empty. Please specify a valid name").wrap(
                "Failed to create a run due to invalid name"
            )
        experiment_id, namespace = _experiment_for_run(backend, body.get("experiment_id") or "")
        spec = body.get("pipeline_spec")
        if version_id:
            try:
                version = backend.store.get_version(version_id)
            except ApiError as exc:
                raise errors.internal_error(
                    exc.internal, "Failed to create a run due to error fetching manifest"
                ) from None
            pipeline_id = pipeline_id or version.pipeline_id
        elif not spec:
            raise errors.internal_error(
                "Invalid input error: Failed to fetch a template with an empty pipeline spec "
                "manifest",
                "Failed to create a run due to error fetching manifest",
            )
        run = backend.store.insert_run(
            RunRecord(
                uuid="",
                display_name=body["display_name"],
                description=body.get("description") or "",
                experiment_id=experiment_id,
                namespace=namespace,
                pipeline_id=pipeline_id if version_id else "",
                pipeline_version_id=version_id,
                pipeline_spec=spec,
                runtime_config=body.get("runtime_config") or None,
                service_account=body.get("service_account") or DEFAULT_SERVICE_ACCOUNT,
                created_at=0,
            )
        )
    except ApiError as exc:
        raise exc.wrap("Failed to create a new run") from None
    return ok(api_run(run))


def _experiment_for_run(backend: Backend, experiment_id: str) -> tuple[str, str]:
    """`GetValidExperimentNamespacePair`: the run's namespace is its experiment's."""
    if backend.multi_user and not experiment_id:
        raise errors.invalid_input("Experiment id can not be empty in multi-user mode")
    if not experiment_id:
        return backend.store.ensure_default_experiment(""), ""
    try:
        experiment = backend.store.get_experiment(experiment_id)
    except ApiError as exc:
        raise exc.wrap(f"Failed to fetch namespace for experiment {experiment_id}").wrap(
            "Failed to create a run due to invalid experimentId and namespace combination"
        ) from None
    return experiment_id, experiment.namespace


def get_run(backend: Backend, request: Request) -> Response:
    try:
        return ok(api_run(backend.store.get_run(request.params["run_id"])))
    except ApiError as exc:
        raise exc.wrap("Failed to get a run") from None
