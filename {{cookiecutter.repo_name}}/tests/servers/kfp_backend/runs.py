"""Runs, minimally: create one from an uploaded version (or an inline spec) and read it back.

No workflow engine sits behind this server, so a run stays PENDING, as it would on a real server
whose Argo controller never picked it up.

Handlers take the `Backend` and a decoded `Request` and return a `Response` or raise one of the
error types in `errors`. Which check runs first decides which error a client sees, so each
follows its Go handler at backend tag 2.17.0 step by step; messages and their wrapping likewise.
"""

from __future__ import annotations

import json

from . import errors
from .api_objects import api_run, ok
from .backend import Backend
from .errors import ApiError, Response
from .request import Request, proto_keys
from .spec import parse_template
from .store import RunRecord

DEFAULT_SERVICE_ACCOUNT = "pipeline-runner"

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
        else:
            try:
                spec = parse_template(_manifest(spec), check_name=False).api_struct()
            except ApiError as exc:
                raise errors.internal_error(
                    exc.internal, "Failed to create a run due to error fetching manifest"
                ) from None
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


def _manifest(spec: object) -> bytes:
    """The inline spec as the YAML manifest the server stores: one document, or two when the
    client sent `{"pipeline_spec": ..., "platform_spec": ...}`."""
    if isinstance(spec, dict) and "pipeline_spec" in spec:
        documents = [spec["pipeline_spec"], spec.get("platform_spec") or {}]
        return "\n---\n".join(json.dumps(doc) for doc in documents).encode()
    return json.dumps(spec).encode()
