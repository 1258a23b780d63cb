"""Recurring runs: create, get, list, enable, disable and delete (`/apis/v2beta1/recurringruns`).

Follows backend tag 2.17.0: `toModelJob` (api_converter.go) checks the body, then
`JobServer.createJob` the experiment and namespace, then `ResourceManager.CreateJob` the
pipeline source and the parameters. First failure wins, with that layer's status code, including
the two 500s: an empty `display_name` (an invalid-input error wrapped as internal) and a pinned
version that cannot be fetched. There is no update. The ScheduledWorkflow that fires the runs is
played by scheduler.py.

A recurring run's `namespace` is the Kubernetes namespace of its SWF: in single-user mode the
pod namespace, `kubeflow`, while its experiment's namespace is "" (so echoing a fetched
recurring run's namespace into a new create fails the experiment check).
"""

from __future__ import annotations

import hashlib
import re
import uuid

import kfp_server_api as api

from . import cron, errors, listing, params
from .api_objects import api_recurring_run, ok
from .backend import Backend
from .checks import list_options
from .errors import ApiError, Response
from .messages import PROPAGATION_POLICY, RECURRING_RUN
from .protojson import read_body
from .request import Request
from .run_records import JobRecord
from .runs import experiment_and_namespace, fetch_template, scope_namespace

POD_NAMESPACE = "kubeflow"
DEFAULT_SERVICE_ACCOUNT = "pipeline-runner"
# Kubernetes' generateName suffix alphabet (no vowels, no look-alikes).
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def create_recurring_run(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/recurringruns: the body is the RecurringRun itself."""
    body = read_body(request.body, RECURRING_RUN)
    try:
        job = _to_model_job(body)
    except ApiError as exc:
        raise exc.wrap("Failed to create a recurring run due to conversion error") from None
    try:
        job = _create_job(backend, job, body)
    except ApiError as exc:
        raise exc.wrap("Failed to create a recurring run") from None
    return ok(api_recurring_run(job))


def _to_model_job(body: dict) -> JobRecord:
    """`toModelJob`: the checks that need nothing but the body, in the converter's order."""
    if not body.get("display_name"):
        raise errors.internal_error(
            "Invalid input error: Recurring run's name cannot be empty",
            "Failed to convert a API recurring run to its internal representation",
        )
    mode = body.get("mode", "MODE_UNSPECIFIED")
    if isinstance(mode, int):  # an enum number protojson kept but the converter does not know
        raise errors.internal_error(
            f"Invalid input error: Recurring run's mode is invalid: {mode}",
            "Failed to convert API recurring run's mode to its internal representation",
        ).wrap(
            "Failed to convert a API recurring run to its internal representation due to parsing "
            "error occurred in its mode field"
        )
    trigger = body.get("trigger") or {}
    cron_schedule, periodic = trigger.get("cron_schedule"), trigger.get("periodic_schedule")
    schedule = cron_schedule if cron_schedule is not None else periodic or {}
    max_concurrency = body.get("max_concurrency", 0)
    if not 1 <= max_concurrency <= 10:
        raise errors.invalid_input(
            "Max concurrency of a recurring run must be at least 1 and at most 10. Received "
            f"{max_concurrency}"
        )
    if cron_schedule is not None:
        try:
            cron.parse(cron_schedule.get("cron", ""))
        except cron.CronError as exc:
            raise errors.invalid_input(f"{cron.CRON_FORMAT_ERROR}{exc}") from None
    if periodic is not None and periodic.get("interval_second", 0) < 1:
        raise errors.invalid_input(
            f"Found invalid period schedule interval {periodic.get('interval_second', 0)}. Set at "
            "interval to least 1 second"
        )
    reference = body.get("pipeline_version_reference") or {}
    return JobRecord(
        uuid="",
        display_name=body["display_name"],
        description=body.get("description") or "",
        k8s_name="",
        namespace=body.get("namespace") or "",
        experiment_id=body.get("experiment_id") or "",
        service_account=body.get("service_account") or "",
        pipeline_id=reference.get("pipeline_id") or "",
        pipeline_version_id=reference.get("pipeline_version_id") or "",
        pipeline_spec=body.get("pipeline_spec") or None,
        runtime_config=body.get("runtime_config") or None,
        max_concurrency=max_concurrency,
        no_catchup=bool(body.get("no_catchup")),
        enabled=mode == "ENABLE",  # MODE_UNSPECIFIED means disabled
        cron=cron_schedule.get("cron") if cron_schedule is not None else None,
        interval_second=periodic.get("interval_second") if periodic is not None else None,
        start_time=schedule.get("start_time"),
        end_time=schedule.get("end_time"),
    )


def _create_job(backend: Backend, job: JobRecord, body: dict) -> JobRecord:
    """`JobServer.createJob` and `ResourceManager.CreateJob`."""
    job.experiment_id, namespace = experiment_and_namespace(
        backend, job.experiment_id, job.namespace, "a recurring run"
    )
    if backend.multi_user and not namespace:
        raise errors.invalid_input(
            "Recurring run cannot have an empty namespace in multi-user mode"
        )
    job.namespace = namespace or POD_NAMESPACE
    parameters = (job.runtime_config or {}).get("parameters") or {}
    if job.pipeline_version_id or job.pipeline_spec:
        try:
            job.pipeline_id, job.pipeline_version_id, job.pipeline_spec = fetch_template(
                backend, body
            )
        except ApiError as exc:
            raise errors.internal_error(
                exc.internal,
                "Failed to create a recurring run with an invalid pipeline spec manifest",
            ) from None
        try:
            params.validate(job.pipeline_spec, parameters)
        except ApiError as exc:
            raise exc.wrap("invalid pipeline job inputs").wrap(
                "Failed to create a recurring run during scheduled workflow creation"
            ) from None
        job.service_account = job.service_account or DEFAULT_SERVICE_ACCOUNT
    elif not job.pipeline_id:
        raise errors.go_error("Cannot create a job with an empty pipeline ID")
    else:
        # Only "to help the user with up front validation": later versions are not checked.
        try:
            spec = _latest_template(backend, job.pipeline_id)
            params.validate(spec, parameters)
        except ApiError as exc:
            raise exc.wrap(
                "Failed to validate the input parameters on the latest pipeline version"
            ) from None
    job.uuid = str(uuid.uuid4())  # the SWF's Kubernetes UID
    job.k8s_name = swf_name(job.display_name, job.uuid)
    return backend.store.insert_job(job)


def _latest_template(backend: Backend, pipeline_id: str) -> dict:
    """`GetPipelineLatestTemplate`."""
    store = backend.store
    try:
        store.get_pipeline(pipeline_id)
    except ApiError as exc:
        raise exc.wrap("Failed to get the latest template as pipeline was not found") from None
    latest = store.latest_version(pipeline_id)
    if latest is None:
        raise errors.not_found("PipelineVersion", pipeline_id).wrap(
            "Failed to get the latest template for a pipeline"
        )
    return latest.template.api_struct()


def swf_name(display_name: str, uid: str) -> str:
    """`toSWFCRDResourceGeneratedName` (lowercase, only `[a-z0-9-]`, at most 25 characters,
    `job-` when nothing is left) plus the 5-character suffix of Kubernetes' generateName,
    derived from the UID here so names are reproducible."""
    base = re.sub(r"[^a-z0-9-]+", "", display_name.lower()) or "job-"
    digest = hashlib.sha256(uid.encode()).digest()
    suffix = "".join(_SUFFIX_ALPHABET[byte % len(_SUFFIX_ALPHABET)] for byte in digest[:5])
    return base[:25] + suffix


def get_recurring_run(backend: Backend, request: Request) -> Response:
    job_id = request.params["recurring_run_id"]
    try:
        return ok(api_recurring_run(_job(backend, job_id, None)))
    except ApiError as exc:
        raise exc.wrap("Failed to fetch a recurring run") from None


def _job(backend: Backend, job_id: str, context: str | None) -> JobRecord:
    """`GetJob` behind `canAccessJob`: in multi-user mode the lookup fails inside the
    authorization step and is wrapped as such; otherwise with `context`."""
    try:
        return backend.store.get_job(job_id)
    except ApiError as exc:
        if backend.multi_user:
            raise exc.wrap("failed to authorize with the recurring run ID").wrap(
                "Failed to authorize the request"
            ) from None
        raise (exc.wrap(context) if context else exc) from None


def list_recurring_runs(backend: Backend, request: Request) -> Response:
    """GET /apis/v2beta1/recurringruns: scoped by `experiment_id`, else (multi-user only) by
    `namespace`; the filter knows only the keys in `listing.RECURRING_RUNS`."""
    try:
        options = list_options(listing.RECURRING_RUNS, request, None)
    except ApiError as exc:
        raise exc.wrap(
            "Failed to list recurring runs due to error parsing the listing options"
        ) from None
    experiment_id = request.arg("experiment_id")
    try:
        namespace = scope_namespace(
            backend, request.arg("namespace"), experiment_id, "recurring runs"
        )
        if backend.multi_user and not namespace:
            raise errors.invalid_input(
                "a recurring run cannot have an empty namespace in multi-user mode"
            ).wrap(
                "Failed to list recurring runs due to authorization error. Check if you have "
                "permission to access namespace "
            )
    except ApiError as exc:
        raise exc.wrap("Failed to list jobs") from None
    with backend.store.lock:
        rows = [
            job
            for job in backend.store.jobs.values()
            if (job.experiment_id == experiment_id if experiment_id else True)
            and (job.namespace == namespace if namespace and not experiment_id else True)
        ]
        page, total, token = listing.paginate(listing.RECURRING_RUNS, rows, options)
        jobs = [api_recurring_run(job) for job in page]
    return ok(
        api.V2beta1ListRecurringRunsResponse(
            recurring_runs=jobs, total_size=total, next_page_token=token
        )
    )


def enable_recurring_run(backend: Backend, request: Request) -> Response:
    return _change_mode(backend, request, enable=True)


def disable_recurring_run(backend: Backend, request: Request) -> Response:
    return _change_mode(backend, request, enable=False)


def _change_mode(backend: Backend, request: Request, *, enable: bool) -> Response:
    """`ChangeJobMode`: `UPDATE ... WHERE Enabled = !x`, so repeating either is a no-op."""
    job_id = request.params["recurring_run_id"]
    flag = "true" if enable else "false"
    try:
        with backend.store.lock:
            job = _job(
                backend,
                job_id,
                f"Failed to change recurring run's mode to enable:{flag}. Check if recurring run "
                f"{job_id} exists",
            )
            if job.enabled != enable:
                job.enabled = enable
                job.updated_at = backend.store.clock()
    except ApiError as exc:
        raise exc.wrap(f"Failed to {'enable' if enable else 'disable'} a recurring run") from None
    return Response.json(200, {})


def delete_recurring_run(backend: Backend, request: Request) -> Response:
    """DELETE /apis/v2beta1/recurringruns/{id}[?propagation_policy=]: the row goes, run rows
    stay. Unless the policy is ORPHAN, Kubernetes garbage-collects the workflows the SWF owns:
    its active runs lose their workflow and will never report a final state."""
    job_id = request.params["recurring_run_id"]
    policy = _propagation_policy(request.arg("propagation_policy"))
    try:
        with backend.store.lock:
            _job(backend, job_id, f"Failed to delete recurring run {job_id}. Check if exists")
            del backend.store.jobs[job_id]
            if policy != "ORPHAN":
                for run in backend.store.runs.values():
                    if run.recurring_run_id == job_id and run.active:
                        run.workflow_gone = True
    except ApiError as exc:
        raise exc.wrap("Failed to delete a recurring run") from None
    return Response.json(200, {})


def _propagation_policy(raw: str) -> str:
    """grpc-gateway's enum query parameter: a name or a number."""
    names = {number: name for name, number in PROPAGATION_POLICY.values.items()}
    if raw in PROPAGATION_POLICY.values:
        return raw
    if re.fullmatch(r"-?[0-9]+", raw or "0") and int(raw or 0) in names:
        return names[int(raw or 0)]
    raise errors.ApiError(
        errors.INVALID_ARGUMENT,
        f'parsing field "propagation_policy": {raw!r} is not a valid DeletePropagationPolicy',
        None,
    )
