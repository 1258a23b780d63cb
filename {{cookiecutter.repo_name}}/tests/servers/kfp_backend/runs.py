"""Runs: create, get, list and terminate, as the API server at backend tag 2.17.0 does them.

No workflow engine sits behind this server: a run stays PENDING until a test moves it
(`KfpApiServer.set_run_state`, or the controller's finishing policy in scheduler.py), as it would
on a server whose Argo controller never picked it up.

`submit_run` is `RunServer.CreateRun` from the decoded body on: the handler and the
scheduled-workflow controller (which creates the runs of unpinned recurring runs through this
API) both go through it. Which check runs first decides which error a client sees, so it follows
`run_server.go` and `resource_manager.go` (`CreateRun`) step by step; messages and their wrapping
likewise.
"""

from __future__ import annotations

import json
import uuid

import kfp_server_api as api

from . import errors, listing, params
from .api_objects import api_run, ok
from .backend import Backend
from .checks import list_options
from .errors import ApiError, Response
from .messages import RUN
from .protojson import read_body
from .request import Request
from .run_records import RunRecord, to_v1
from .spec import parse_template
from .store import VersionRecord

DEFAULT_SERVICE_ACCOUNT = "pipeline-runner"
TERMINABLE = ("PAUSED", "PENDING", "RUNNING", "RUNTIME_STATE_UNSPECIFIED")


def create_run(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/runs: the body is the Run itself."""
    return ok(api_run(submit_run(backend, read_body(request.body, RUN))))


def submit_run(backend: Backend, body: dict) -> RunRecord:
    """`RunServer.CreateRun` for a decoded body; raises `ApiError`."""
    if body.get("plugins_output"):
        message = (
            "plugins_output is server-owned and populated exclusively via plugin lifecycle hooks"
        )
        raise errors.ApiError(
            errors.ABORTED,
            f"BadRequestError: {message}: plugins_output must not be set by the client",
            message,
        )
    if not body.get("display_name"):
        raise errors.internal_error(
            "Invalid input error: Run name cannot be empty",
            "Failed to convert a API run detail to its internal representation",
        ).wrap("CreateJob(job.ToV2())Failed to create a run due to conversion error")
    try:
        experiment_id, namespace = experiment_and_namespace(
            backend, body.get("experiment_id") or ""
        )
        if backend.multi_user and not namespace:
            raise errors.invalid_input("A run cannot have an empty namespace in multi-user mode")
        return _create(backend, body, experiment_id, namespace)
    except ApiError as exc:
        raise exc.wrap("Failed to create a new run") from None


def experiment_and_namespace(
    backend: Backend, experiment_id: str, namespace: str = "", what: str = "a run"
) -> tuple[str, str]:
    """`GetValidExperimentNamespacePair`, wrapped as `createRun` (`what`: "a run") and
    `createJob` ("a recurring run") wrap it."""
    try:
        if backend.multi_user and not experiment_id:
            raise errors.invalid_input("Experiment id can not be empty in multi-user mode")
        if not experiment_id:
            return backend.store.ensure_default_experiment(namespace), namespace
        try:
            experiment = backend.store.get_experiment(experiment_id)
        except ApiError as exc:
            raise exc.wrap(f"Failed to fetch namespace from experiment {experiment_id}").wrap(
                f"Failed to fetch namespace for experiment {experiment_id}"
            ) from None
        if namespace and namespace != experiment.namespace:
            raise errors.invalid_input(
                f"Experiment {experiment_id} belongs to namespace '{experiment.namespace}' "
                f"instead of '{namespace}'"
            )
        return experiment_id, experiment.namespace
    except ApiError as exc:
        raise exc.wrap(
            f"Failed to create {what} due to invalid experimentId and namespace combination"
        ) from None


def _create(backend: Backend, body: dict, experiment_id: str, namespace: str) -> RunRecord:
    """`ResourceManager.CreateRun`."""
    store = backend.store
    recurring_run_id = body.get("recurring_run_id") or ""
    with store.lock:
        if recurring_run_id:
            # The guard against a controller that fires one slot twice.
            for existing in sorted(store.runs.values(), key=lambda r: (r.created_at, r.uuid)):
                if (existing.recurring_run_id, existing.display_name) == (
                    recurring_run_id,
                    body["display_name"],
                ):
                    return existing
        pipeline_id, version_id, spec = resolve_source(backend, body)
        config = body.get("runtime_config") or {}
        try:
            params.validate(spec, config.get("parameters") or {})
        except ApiError as exc:
            raise exc.wrap("invalid pipeline job inputs").wrap(
                "Failed to generate the ExecutionSpec"
            ) from None
        run_id = ""
        if recurring_run_id:
            run_id = str(
                uuid.uuid5(uuid.NAMESPACE_OID, f"{recurring_run_id}/{body['display_name']}")
            )
            if recurring_run_id not in store.jobs:
                raise errors.internal_error(
                    f"Invalid input error: RecurringRunId doesn't exist: {recurring_run_id}",
                    "Failed to create a run due to invalid recurring run id",
                )
        return store.insert_run(
            RunRecord(
                uuid=run_id,
                display_name=body["display_name"],
                description=body.get("description") or "",
                experiment_id=experiment_id,
                namespace=namespace,
                pipeline_id=pipeline_id,
                pipeline_version_id=version_id,
                pipeline_spec=spec,
                runtime_config=config or None,
                service_account=body.get("service_account") or DEFAULT_SERVICE_ACCOUNT,
                created_at=0,
                scheduled_at=body.get("scheduled_at") or 0,
                recurring_run_id=recurring_run_id,
            )
        )


def resolve_source(backend: Backend, body: dict) -> tuple[str, str, dict]:
    """`fetchTemplateFromPipelineSpec`: (pipeline id, version id, spec) of a version (the
    latest when only a pipeline id is given) or of an inline spec; any failure is the 500
    "Failed to create a run due to error fetching manifest"."""
    try:
        return fetch_template(backend, body)
    except ApiError as exc:
        raise errors.internal_error(
            exc.internal, "Failed to create a run due to error fetching manifest"
        ) from None


def fetch_template(backend: Backend, body: dict) -> tuple[str, str, dict]:
    reference = body.get("pipeline_version_reference") or {}
    pipeline_id = reference.get("pipeline_id") or ""
    version_id = reference.get("pipeline_version_id") or ""
    store = backend.store
    if version_id:
        try:
            version = store.get_version(version_id)
        except ApiError as exc:
            raise exc.wrap(
                "Failed to fetch a pipeline version and its manifest from pipeline version "
                f"{version_id}"
            ) from None
        if pipeline_id and version.pipeline_id != pipeline_id:
            raise errors.invalid_input(
                f"Pipeline version {version_id} belongs to pipeline {version.pipeline_id} (not "
                f"{pipeline_id})"
            )
        return version.pipeline_id, version.uuid, version.template.api_struct()
    if pipeline_id:
        latest = latest_version(backend, pipeline_id)
        return latest.pipeline_id, latest.uuid, latest.template.api_struct()
    spec = body.get("pipeline_spec")
    if not spec:
        raise errors.invalid_input(
            "Failed to fetch a template with an empty pipeline spec manifest"
        )
    try:
        return "", "", parse_template(_manifest(spec), check_name=False).api_struct()
    except ApiError as exc:
        raise exc.wrap(
            "Failed to fetch a template with an invalid pipeline spec manifest"
        ) from None


def latest_version(backend: Backend, pipeline_id: str) -> VersionRecord:
    """`GetLatestPipelineVersion`: the newest READY version, 404s when none."""
    store = backend.store
    try:
        store.get_pipeline(pipeline_id)
    except ApiError as exc:
        raise exc.wrap(
            "Failed to get the latest pipeline version as pipeline was not found"
        ) from None
    latest = store.latest_version(pipeline_id)
    if latest is None:
        raise errors.not_found("PipelineVersion", pipeline_id).wrap(
            "Failed to get the latest pipeline version for a pipeline"
        )
    return latest


def get_run(backend: Backend, request: Request) -> Response:
    try:
        return ok(api_run(backend.store.get_run(request.params["run_id"])))
    except ApiError as exc:
        raise exc.wrap("Failed to get a run") from None


def list_runs(backend: Backend, request: Request) -> Response:
    """GET /apis/v2beta1/runs: scoped by experiment, else by namespace (multi-user only)."""
    try:
        options = list_options(listing.RUNS, request, None)
    except ApiError as exc:
        raise exc.wrap("Failed to create list options") from None
    experiment_id = request.arg("experiment_id")
    try:
        namespace = scope_namespace(backend, request.arg("namespace"), experiment_id, "runs")
        if backend.multi_user and not namespace:
            raise errors.invalid_input(
                "A run cannot have an empty namespace in multi-user mode"
            ).wrap(
                "Failed to list runs due to authorization error. Check if you have permission to "
                "access namespace "
            )
    except ApiError as exc:
        raise exc.wrap("Failed to list runs") from None
    with backend.store.lock:
        rows = [
            run
            for run in backend.store.runs.values()
            if (run.experiment_id == experiment_id if experiment_id else True)
            and (run.namespace == namespace if namespace and not experiment_id else True)
        ]
        page, total, token = listing.paginate(listing.RUNS, rows, options)
        runs = [api_run(run) for run in page]
    return ok(api.V2beta1ListRunsResponse(runs=runs, total_size=total, next_page_token=token))


def scope_namespace(backend: Backend, namespace: str, experiment_id: str, what: str) -> str:
    """`listRuns`/`listJobs`: single-user ignores the namespace; an experiment's namespace
    replaces the given one (an unknown experiment is a 404)."""
    namespace = backend.namespace(namespace)
    if experiment_id:
        try:
            experiment = backend.store.get_experiment(experiment_id)
        except ApiError as exc:
            raise exc.wrap(f"Failed to fetch namespace from experiment {experiment_id}").wrap(
                f"Failed to list {what} due to error fetching namespace for experiment "
                f"{experiment_id}. Try filtering based on namespace"
            ) from None
        namespace = experiment.namespace
    return namespace


def terminate_run(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/runs/{id}:terminate: an UPDATE guarded by the `State` column (a
    legacy row's NULL never qualifies), then the workflow is stopped; CANCELED comes later."""
    run_id = request.params["run_id"]
    store = backend.store
    try:
        with store.lock:
            try:
                run = store.get_run(run_id)
            except ApiError as exc:
                if backend.multi_user:
                    raise exc.wrap(f"Failed to authorize with the run ID {run_id}").wrap(
                        "Failed to authorize the request"
                    ) from None
                raise exc.wrap(
                    f"Failed to terminate run {run_id} due to error fetching the run"
                ) from None
            if run.state not in TERMINABLE:
                raise errors.invalid_input(
                    f"Failed to terminate a run {run_id}. Row not found"
                ).wrap(f"Failed to terminate run {run_id}")
            # TerminateRun does not append to the state history (a TODO in run_store.go).
            run.state, run.conditions = "CANCELING", to_v1("CANCELING")
            if run.workflow_gone:
                raise errors.internal_error(
                    f'workflows.argoproj.io "{run.display_name}" not found',
                    f"Failed to terminate run {run_id} due to error terminating its workflow",
                )
    except ApiError as exc:
        raise exc.wrap("Failed to terminate a run") from None
    return Response.json(200, {})


def _manifest(spec: object) -> bytes:
    """The inline spec as the YAML manifest the server stores: one document, or two when the
    client sent `{"pipeline_spec": ..., "platform_spec": ...}`."""
    if isinstance(spec, dict) and "pipeline_spec" in spec:
        documents = [spec["pipeline_spec"], spec.get("platform_spec") or {}]
        return "\n---\n".join(json.dumps(doc) for doc in documents).encode()
    return json.dumps(spec).encode()
