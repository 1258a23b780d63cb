"""projects.locations.schedules: create, get, list, patch, pause, resume, delete (REST v1).

Follows the v1 Schedule and ScheduleService reference: the server assigns a numeric id; int64
fields travel as JSON strings; `startTime` defaults to the creation time; pause needs ACTIVE and
resume needs PAUSED; an update applies to an ACTIVE or PAUSED schedule, needs `updateMask`, and
skips every run not started before it ("All unstarted runs before the update time will be
skipped"). Firing itself is `firing.Simulation`'s.

Assumptions: the 400/404 wording, and FAILED_PRECONDITION for pausing a schedule that is not
ACTIVE or resuming one that is not PAUSED.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.servers.vertex_backend import filters, listing, operations, pipeline_jobs
from tests.servers.vertex_backend.call import Call
from tests.servers.vertex_backend.clock import parse_rfc3339, rfc3339
from tests.servers.vertex_backend.cron import parse_cron
from tests.servers.vertex_backend.errors import failed_precondition, invalid_argument, not_found
from tests.servers.vertex_backend.filters import EQUALITY, ORDERING, Field
from tests.servers.vertex_backend.state import SCHEDULE_STATES, ScheduleRecord

FILTER_FIELDS = {
    "display_name": Field("string", lambda s: s.display_name, EQUALITY | {":"}),
    "state": Field("enum", lambda s: s.state, EQUALITY, frozenset(SCHEDULE_STATES)),
    "create_pipeline_job_request": Field("presence", lambda s: bool(s.create_pipeline_job_request)),
    "create_time": Field("time", lambda s: s.create_time, ORDERING),
    "start_time": Field("time", lambda s: s.start_time or s.create_time, ORDERING),
    "end_time": Field("time", lambda s: s.end_time, ORDERING),
    "next_run_time": Field("time", lambda s: s.next_run_time, ORDERING),
}
ORDER_KEYS = {
    "create_time": lambda s: s.create_time,
    "start_time": lambda s: s.start_time or s.create_time,
    "end_time": lambda s: s.end_time,
    "next_run_time": lambda s: s.next_run_time,
}
# Fields an update mask may name, and how each is read from the request body.
UPDATABLE = {
    "display_name": "displayName",
    "cron": "cron",
    "start_time": "startTime",
    "end_time": "endTime",
    "allow_queueing": "allowQueueing",
    "max_run_count": "maxRunCount",
    "max_concurrent_run_count": "maxConcurrentRunCount",
    "max_concurrent_active_run_count": "maxConcurrentActiveRunCount",
    "create_pipeline_job_request": "createPipelineJobRequest",
}


def render(schedule: ScheduleRecord, call: Call) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": schedule.name,
        "displayName": schedule.display_name,
        "cron": schedule.cron,
        "createPipelineJobRequest": schedule.create_pipeline_job_request,
        "state": call.enum(SCHEDULE_STATES, schedule.state),
        "createTime": rfc3339(schedule.create_time),
        "updateTime": rfc3339(schedule.update_time),
        "startTime": rfc3339(schedule.start_time or schedule.create_time),
        "maxConcurrentRunCount": str(schedule.max_concurrent_run_count),
    }
    optional = {
        "endTime": schedule.end_time and rfc3339(schedule.end_time),
        "maxRunCount": schedule.max_run_count and str(schedule.max_run_count),
        "startedRunCount": schedule.started_run_count and str(schedule.started_run_count),
        "nextRunTime": schedule.next_run_time and rfc3339(schedule.next_run_time),
        "lastPauseTime": schedule.last_pause_time and rfc3339(schedule.last_pause_time),
        "lastResumeTime": schedule.last_resume_time and rfc3339(schedule.last_resume_time),
        "allowQueueing": schedule.allow_queueing,
        "catchUp": schedule.catch_up,
        "lastScheduledRunResponse": schedule.last_scheduled_run_response,
    }
    document.update({key: value for key, value in optional.items() if value})
    return document


def find(call: Call) -> ScheduleRecord:
    schedule = call.state.schedules.get(call.params["schedule"])
    if schedule is None:
        raise not_found(f"Schedule {call.params['resource']} does not exist.")
    return schedule


def _apply(schedule: ScheduleRecord, body: dict[str, Any], fields: list[str], call: Call) -> None:
    """Copy `fields` (snake_case) from a Schedule body onto `schedule`, checking each."""
    for field in fields:
        value = body.get(UPDATABLE[field])
        try:
            if field == "display_name":
                if not value:
                    raise invalid_argument("schedule.display_name is required.")
                schedule.display_name = value
            elif field == "cron":
                parse_cron(value or "")
                schedule.cron = value
            elif field in ("start_time", "end_time"):
                setattr(schedule, field, parse_rfc3339(value) if value else None)
            elif field == "allow_queueing":
                schedule.allow_queueing = bool(value)
            elif field in ("max_run_count", "max_concurrent_run_count"):
                count = int(value or 0)
                if count < 0 or (field == "max_concurrent_run_count" and count < 1):
                    raise invalid_argument(f"schedule.{field} must be positive.")
                setattr(schedule, field, count)
            elif field == "create_pipeline_job_request":
                _check_request(value, call)
                schedule.create_pipeline_job_request = value
        except (TypeError, ValueError) as error:
            raise invalid_argument(f"Invalid schedule.{field}: {error}") from None


def _check_request(request: Any, call: Call) -> None:
    if not isinstance(request, dict):
        raise invalid_argument("schedule.create_pipeline_job_request is required.")
    parent = call.canonical(request.get("parent", ""))
    if parent != call.state.location_name:
        raise invalid_argument(
            "schedule.create_pipeline_job_request.parent must be the schedule's location, "
            f"got {request.get('parent')!r}."
        )
    pipeline_jobs.check_job_body(request.get("pipelineJob"))


def create(call: Call) -> dict[str, Any]:
    schedule_id = call.state.numeric_id()
    schedule = ScheduleRecord(
        schedule_id=schedule_id,
        name=f"{call.state.location_name}/schedules/{schedule_id}",
        display_name="",
        cron="",
        create_pipeline_job_request={},
        create_time=call.now,
        update_time=call.now,
        seq=call.state.next_seq(),
        max_concurrent_run_count=0,
    )
    if not call.body.get("cron"):
        raise invalid_argument("schedule.cron is required.")
    if not call.body.get("maxConcurrentRunCount"):
        raise invalid_argument("schedule.max_concurrent_run_count is required.")
    _apply(schedule, call.body, list(UPDATABLE), call)
    call.simulation.restart(schedule, call.now)
    call.state.schedules[schedule_id] = schedule
    return render(schedule, call)


def get(call: Call) -> dict[str, Any]:
    return render(find(call), call)


def list_(call: Call) -> dict[str, Any]:
    matches = filters.compile_filter(call.query.get("filter", ""), FILTER_FIELDS)
    found = [s for s in call.state.schedules.values() if matches(s)]
    ordered = listing.order(found, call.query.get("orderBy", ""), ORDER_KEYS, "create_time desc")
    page, next_token = listing.page(ordered, call.query, default_size=100, max_size=1000)
    answer: dict[str, Any] = {}
    if page:
        answer["schedules"] = [render(schedule, call) for schedule in page]
    if next_token:
        answer["nextPageToken"] = next_token
    return answer


def patch(call: Call) -> dict[str, Any]:
    schedule = find(call)
    if schedule.state not in ("ACTIVE", "PAUSED"):
        raise failed_precondition(
            f"Schedule {schedule.name} is {schedule.state}; only an "
            "ACTIVE or PAUSED schedule can be updated."
        )
    paths = [listing.snake(p) for p in call.query.get("updateMask", "").split(",") if p.strip()]
    if not paths:
        raise invalid_argument("update_mask is required.")
    unknown = [path for path in paths if path not in UPDATABLE]
    if unknown:
        raise invalid_argument(f"update_mask names fields that cannot be updated: {unknown}.")
    draft = dataclasses.replace(schedule)  # all fields valid, or none applied
    _apply(draft, call.body, paths, call)
    vars(schedule).update(vars(draft))
    schedule.update_time = call.now
    call.simulation.restart(schedule, call.now)
    return render(schedule, call)


def pause(call: Call) -> dict[str, Any]:
    schedule = find(call)
    if schedule.state != "ACTIVE":
        raise failed_precondition(f"Schedule {schedule.name} is {schedule.state}, not ACTIVE.")
    schedule.state = "PAUSED"
    schedule.last_pause_time = schedule.update_time = call.now
    return {}


def resume(call: Call) -> dict[str, Any]:
    schedule = find(call)
    if schedule.state != "PAUSED":
        raise failed_precondition(f"Schedule {schedule.name} is {schedule.state}, not PAUSED.")
    schedule.state = "ACTIVE"
    schedule.last_resume_time = schedule.update_time = call.now
    schedule.catch_up = bool(call.body.get("catchUp"))
    if schedule.catch_up:
        call.simulation.backfill(schedule, call.now)
    else:
        schedule.missed.clear()
    return {}


def delete(call: Call) -> dict[str, Any]:
    schedule = find(call)
    del call.state.schedules[schedule.schedule_id]
    return operations.finished(call.state, schedule.name, "DeleteOperationMetadata", call.now)
