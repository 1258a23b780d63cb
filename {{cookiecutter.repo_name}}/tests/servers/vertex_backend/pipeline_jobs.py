"""projects.locations.pipelineJobs: create, get, list, cancel, delete (Vertex AI REST v1).

Field names, the id rule (`[a-z0-9][a-z0-9-]{0,127}`, the SDK's `_VALID_NAME_PATTERN`), the
filter fields and the default order (create_time desc) follow the v1 reference for
PipelineJob and ListPipelineJobsRequest. Like the real service, a job gets the reserved label
`vertex-ai-pipelines-run-billing-id` and, without a service account, the project's Compute
Engine default one. `templateMetadata.version` is filled when `templateUri` is an Artifact
Registry URL that ends in a version (`sha256:...`).

Assumptions: the 404/400 wording (the 409 text is the one the real service sends); the job must
carry its `pipelineSpec` (this server never downloads `templateUri`); cancelling goes straight
to CANCELLED; only terminal jobs may be deleted (FAILED_PRECONDITION otherwise).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.servers.vertex_backend import filters, listing, operations
from tests.servers.vertex_backend.call import Call
from tests.servers.vertex_backend.clock import rfc3339
from tests.servers.vertex_backend.errors import (
    already_exists,
    failed_precondition,
    invalid_argument,
    not_found,
)
from tests.servers.vertex_backend.filters import EQUALITY, ORDERING, Field
from tests.servers.vertex_backend.state import PIPELINE_STATES, PipelineJobRecord, State

JOB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
# https://{region}-kfp.pkg.dev/{project}/{repository}/{package}/{tag or version}
ARTIFACT_REGISTRY_URL = re.compile(r"^https://[a-z0-9-]+-kfp\.pkg\.dev/[^/]+/[^/]+/[^/]+/([^/]+)$")
VERSION = re.compile(r"^sha256:[0-9a-f]{64}$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
BILLING_LABEL = "vertex-ai-pipelines-run-billing-id"
FAILED_DAG = "The DAG failed because some tasks failed."

WILDCARD = EQUALITY | {":"}
FILTER_FIELDS = {
    "pipeline_name": Field("string", lambda j: j.pipeline_spec.get("pipelineInfo", {}).get("name")),
    "display_name": Field("string", lambda j: j.display_name, WILDCARD),
    "pipeline_job_user_id": Field("string", lambda j: j.job_id, WILDCARD),
    "state": Field("enum", lambda j: j.state, EQUALITY, frozenset(PIPELINE_STATES)),
    "create_time": Field("time", lambda j: j.create_time, ORDERING),
    "update_time": Field("time", lambda j: j.update_time, ORDERING),
    "end_time": Field("time", lambda j: j.end_time, ORDERING),
    "labels": Field("labels", lambda j: j.labels),
    "template_uri": Field("string", lambda j: j.template_uri, WILDCARD),
    "template_metadata.version": Field("string", lambda j: j.template_version, WILDCARD),
    # Not in the reference's list, but PipelineJobSchedule.list_jobs() sends it.
    "schedule_name": Field("string", lambda j: j.schedule_name),
}
ORDER_KEYS = {
    "create_time": lambda j: j.create_time,
    "update_time": lambda j: j.update_time,
    "end_time": lambda j: j.end_time,
    "start_time": lambda j: j.start_time,
}


def template_version(template_uri: str) -> str:
    """The `sha256:...` version an Artifact Registry template URL names, else ""."""
    match = ARTIFACT_REGISTRY_URL.match(template_uri)
    return match.group(1) if match and VERSION.match(match.group(1)) else ""


def template_tag(template_uri: str) -> str:
    """The tag an Artifact Registry template URL names instead of a version, else ""."""
    match = ARTIFACT_REGISTRY_URL.match(template_uri)
    return match.group(1) if match and not VERSION.match(match.group(1)) else ""


def check_job_body(body: Any) -> None:
    """What a PipelineJob must hold to be created (also checked for a schedule's request)."""
    if not isinstance(body, dict):
        raise invalid_argument("pipeline_job is required.")
    spec = body.get("pipelineSpec")
    if not isinstance(spec, dict) or not spec.get("pipelineInfo", {}).get("name"):
        raise invalid_argument(
            "pipeline_job.pipeline_spec with pipelineInfo.name is required (this test server "
            "does not download template_uri)."
        )
    runtime = body.get("runtimeConfig") or {}
    if not (runtime.get("gcsOutputDirectory") or spec.get("defaultPipelineRoot")):
        raise invalid_argument("pipeline_job.runtime_config.gcs_output_directory is required.")
    for key, value in (body.get("labels") or {}).items():
        if not LABEL_KEY.match(key) or not LABEL_VALUE.match(str(value)):
            raise invalid_argument(f"Invalid label {key}={value!r}.")


def new_job(
    state: State, body: dict[str, Any], job_id: str, now: dt.datetime, schedule_name: str = ""
) -> PipelineJobRecord:
    """Store a PENDING job made from a PipelineJob body (as the REST API sends it)."""
    check_job_body(body)
    seq = state.next_seq()
    template_uri = body.get("templateUri", "")
    job = PipelineJobRecord(
        job_id=job_id,
        name=f"{state.location_name}/pipelineJobs/{job_id}",
        display_name=body.get("displayName") or body["pipelineSpec"]["pipelineInfo"]["name"],
        pipeline_spec=body["pipelineSpec"],
        runtime_config=body.get("runtimeConfig") or {},
        labels={**(body.get("labels") or {}), BILLING_LABEL: str(700_000_000_000 + seq)},
        service_account=body.get("serviceAccount")
        or f"{state.project_number}-compute@developer.gserviceaccount.com",
        create_time=now,
        update_time=now,
        seq=seq,
        template_uri=template_uri,
        template_version=template_version(template_uri),
        schedule_name=schedule_name,
        network=body.get("network", ""),
    )
    state.jobs[job_id] = job
    return job


def render(job: PipelineJobRecord, call: Call) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": job.name,
        "displayName": job.display_name,
        "createTime": rfc3339(job.create_time),
        "updateTime": rfc3339(job.update_time),
        "pipelineSpec": job.pipeline_spec,
        "state": call.enum(PIPELINE_STATES, job.state),
        "labels": job.labels,
        "runtimeConfig": job.runtime_config,
        "serviceAccount": job.service_account,
    }
    optional = {
        "startTime": job.start_time and rfc3339(job.start_time),
        "endTime": job.end_time and rfc3339(job.end_time),
        "error": job.error,
        "network": job.network,
        "templateUri": job.template_uri,
        "templateMetadata": {"version": job.template_version} if job.template_version else None,
        "scheduleName": job.schedule_name,
    }
    document.update({key: value for key, value in optional.items() if value})
    return document


def find(call: Call) -> PipelineJobRecord:
    job = call.state.jobs.get(call.params["job"])
    if job is None:
        raise not_found(f'The PipelineJob "{call.params["resource"]}" does not exist.')
    return job


def create(call: Call) -> dict[str, Any]:
    job_id = call.query.get("pipelineJobId", "")
    if not job_id:
        name = call.body.get("pipelineSpec", {}).get("pipelineInfo", {}).get("name", "pipeline")
        job_id = f"{re.sub('[^a-z0-9-]+', '-', name.lower()).strip('-')}-{call.now:%Y%m%d%H%M%S}"
    if not JOB_ID.match(job_id):
        raise invalid_argument(
            f"Invalid pipeline_job_id {job_id!r}: it must match {JOB_ID.pattern}."
        )
    if job_id in call.state.jobs:
        raise already_exists("Pipeline job with the specified ID already exists.")
    return render(new_job(call.state, call.body, job_id, call.now), call)


def get(call: Call) -> dict[str, Any]:
    return render(find(call), call)


def list_(call: Call) -> dict[str, Any]:
    matches = filters.compile_filter(call.query.get("filter", ""), FILTER_FIELDS)
    jobs = [job for job in call.state.jobs.values() if matches(job)]
    ordered = listing.order(jobs, call.query.get("orderBy", ""), ORDER_KEYS, "create_time desc")
    page, next_token = listing.page(ordered, call.query, default_size=100, max_size=1000)
    mask = call.query.get("readMask", "")
    answer: dict[str, Any] = {}
    if page:  # proto3 JSON leaves out an empty repeated field
        answer["pipelineJobs"] = [listing.read_mask(render(job, call), mask) for job in page]
    if next_token:
        answer["nextPageToken"] = next_token
    return answer


def cancel(call: Call) -> dict[str, Any]:
    job = find(call)
    if job.terminal:
        raise failed_precondition(
            f"Cannot cancel pipeline job {job.name}: it is already in state {job.state}."
        )
    job.pinned = True
    job.set_state("PIPELINE_STATE_CANCELLED", call.now)
    job.error = {"code": 1, "message": "The pipeline run was cancelled."}
    call.simulation.slot_freed(job, call.now)
    return {}


def delete(call: Call) -> dict[str, Any]:
    job = find(call)
    if not job.terminal:
        raise failed_precondition(
            f"Pipeline job {job.name} is in state {job.state}; only a job in a terminal state "
            "can be deleted. Cancel it first."
        )
    del call.state.jobs[job.job_id]
    return operations.finished(call.state, job.name, "DeleteOperationMetadata", call.now)
