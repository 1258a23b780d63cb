"""`kfp_server_api` models built from stored records: the bodies of successful answers."""

from __future__ import annotations

import kfp_server_api as api

from .errors import Response
from .store import ExperimentRecord, PipelineRecord, RunRecord, VersionRecord
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
