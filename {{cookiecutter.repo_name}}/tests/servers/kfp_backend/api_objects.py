"""`kfp_server_api` models built from stored records: the bodies of successful answers."""

from __future__ import annotations

import kfp_server_api as api

from .errors import Response
from .run_records import JobRecord, RunRecord
from .store import ExperimentRecord, PipelineRecord, VersionRecord
from .wire import timestamp, to_wire


def ok(model: object) -> Response:
    return Response.json(200, to_wire(model))


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


def api_runtime_config(config: dict | None) -> api.V2beta1RuntimeConfig | None:
    """`toApiRuntimeConfig`: absent when there are neither parameters nor a pipeline root."""
    config = config or {}
    if not config.get("parameters") and not config.get("pipeline_root"):
        return None
    return api.V2beta1RuntimeConfig(
        parameters=config.get("parameters") or None,
        pipeline_root=config.get("pipeline_root") or None,
    )


def api_run(r: RunRecord) -> api.V2beta1Run:
    """`toApiRun`: the state read through `Run.ToV2()`, timestamps always written (an unfinished
    run's `finished_at` is 1970), the version reference when there is one, else the spec."""
    reference = None
    if r.pipeline_version_id:
        reference = api.V2beta1PipelineVersionReference(
            pipeline_id=r.pipeline_id, pipeline_version_id=r.pipeline_version_id
        )
    history = [
        api.V2beta1RuntimeStatus(update_time=timestamp(moment), state=state)
        for moment, state in r.state_history
    ]
    return api.V2beta1Run(
        run_id=r.uuid,
        experiment_id=r.experiment_id,
        display_name=r.display_name,
        description=r.description,
        service_account=r.service_account,
        runtime_config=api_runtime_config(r.runtime_config),
        storage_state=r.storage_state,
        state=r.effective_state,
        state_history=history or None,
        created_at=timestamp(r.created_at),
        scheduled_at=timestamp(r.scheduled_at),
        finished_at=timestamp(r.finished_at),
        recurring_run_id=r.recurring_run_id,
        pipeline_version_reference=reference,
        pipeline_spec=None if reference else r.pipeline_spec,
    )


def api_recurring_run(j: JobRecord) -> api.V2beta1RecurringRun:
    """`toApiRecurringRun`: int64s as strings, `mode` and `status` both from the enabled flag,
    the version reference unless the recurring run carries an inline spec."""
    reference = spec = None
    if j.pipeline_id or j.pipeline_version_id:
        reference = api.V2beta1PipelineVersionReference(
            pipeline_id=j.pipeline_id, pipeline_version_id=j.pipeline_version_id
        )
    else:
        spec = j.pipeline_spec
    return api.V2beta1RecurringRun(
        recurring_run_id=j.uuid,
        display_name=j.display_name,
        description=j.description,
        service_account=j.service_account,
        status="ENABLED" if j.enabled else "DISABLED",
        mode="ENABLE" if j.enabled else "DISABLE",
        created_at=timestamp(j.created_at),
        updated_at=timestamp(j.updated_at),
        max_concurrency=str(j.max_concurrency),
        no_catchup=j.no_catchup,
        trigger=_api_trigger(j),
        runtime_config=api_runtime_config(j.runtime_config),
        namespace=j.namespace,
        experiment_id=j.experiment_id,
        pipeline_version_reference=reference,
        pipeline_spec=spec,
    )


def _api_trigger(j: JobRecord) -> api.V2beta1Trigger:
    start = timestamp(j.start_time) if j.start_time is not None else None
    end = timestamp(j.end_time) if j.end_time is not None else None
    if j.cron:
        return api.V2beta1Trigger(
            cron_schedule=api.V2beta1CronSchedule(cron=j.cron, start_time=start, end_time=end)
        )
    if j.interval_second:
        return api.V2beta1Trigger(
            periodic_schedule=api.V2beta1PeriodicSchedule(
                interval_second=str(j.interval_second), start_time=start, end_time=end
            )
        )
    return api.V2beta1Trigger()  # a one-off: the server answers `"trigger": {}`
