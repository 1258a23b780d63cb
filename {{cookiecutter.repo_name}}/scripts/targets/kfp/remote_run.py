# Do not edit: the template owns this file (make template-update brings its changes).
"""Start a run of an uploaded pipeline version on KFP (``run SELECTOR --env ENV``).

The run uses what is on the server, not the local checkout: the version (by name, or the
pipeline's latest), its compiled spec for checking ``--param`` values, and an experiment of the
project's manifest (``<project>/<experiment>``, created when missing, as publish would). Nothing
is written before every check has passed, and the run is created exactly once: a POST that timed
out may still have started a run, so it is not retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scripts.core.errors import CheckFailed, UsageError
from scripts.repo.manifests import Project
from scripts.repo.model import Pipeline
from scripts.targets.kfp.api import KfpApi


@dataclass(frozen=True)
class RemoteRun:
    """A started run and where to see it."""

    run_id: str
    link: str
    pipeline: str  # selector
    pipeline_id: str
    version: str
    version_id: str
    experiment: str  # KFP name, <project>/<experiment>
    experiment_id: str
    arguments: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def choose_experiment(project: Project, requested: str | None) -> str:
    """The manifest experiment to run in: ``requested`` (with or without the ``<project>/``
    prefix), else the manifest's first one. ``project`` is a ``scripts.repo.manifests.Project``."""
    names = [experiment.name for experiment in project.experiments]
    if requested is None:
        return names[0]
    name = requested.removeprefix(f"{project.name}/")
    if name not in names:
        raise UsageError(
            f"--experiment {requested!r} is not an experiment of {project.name} — use one of: "
            f"{', '.join(names)} (or add it to {project.manifest_path})"
        )
    return name


def run_link(host: str, run_id: str) -> str:
    return f"{host.rstrip('/')}/#/runs/details/{run_id}"


def start_remote_run(
    api: KfpApi,
    pipeline: Pipeline,
    project: Project,
    given: Mapping[str, str],
    *,
    version: str | None,
    experiment: str | None,
    clock: Callable[[], float] = time.time,
) -> RemoteRun:
    """Find the version, check the parameters against its spec, ensure the experiment, start.

    ``api`` is a ``scripts.targets.kfp.api.KfpApi`` already in the project's namespace.
    """
    from scripts.build.parameters import bind_parameters

    experiment_name = choose_experiment(project, experiment)
    found, chosen = _find_version(api, pipeline, version)
    version_name = chosen.name or chosen.display_name
    arguments = bind_parameters(
        chosen.pipeline_spec or {},
        given,
        pipeline=f"{pipeline.selector} (version {version_name})",
        path=pipeline.path,
    )

    kfp_experiment = f"{project.name}/{experiment_name}"
    found_experiment = api.find_experiment(kfp_experiment) or api.create_experiment(
        kfp_experiment,
        next(e.description for e in project.experiments if e.name == experiment_name),
    )
    started = _create_run(
        api,
        pipeline,
        found.pipeline_id,
        chosen.pipeline_version_id,
        version_name,
        experiment_id=found_experiment.experiment_id,
        arguments=arguments,
        clock=clock,
    )
    return RemoteRun(
        run_id=started.run_id,
        link=run_link(api.host, started.run_id),
        pipeline=pipeline.selector,
        pipeline_id=found.pipeline_id,
        version=version_name,
        version_id=chosen.pipeline_version_id,
        experiment=kfp_experiment,
        experiment_id=found_experiment.experiment_id,
        arguments=arguments,
    )


def _find_version(api: Any, pipeline: Pipeline, version: str | None) -> tuple[Any, Any]:
    """The uploaded pipeline and the version to run (``version``, else the latest); a missing
    one is a CheckFailed saying how to publish it, before anything is written."""
    found = api.find_pipeline(pipeline.kfp_name)
    if found is None:
        raise CheckFailed(
            f"{api.host} has no pipeline {pipeline.kfp_name} — publish it first "
            "(python -m scripts compile, then publish --env ...)",
            path=pipeline.path,
        )
    if version is None:
        chosen = api.latest_version(found.pipeline_id)
        if chosen is None:
            raise CheckFailed(
                f"{api.host}: pipeline {pipeline.kfp_name} has no versions — publish one first",
                path=pipeline.path,
            )
    else:
        chosen = api.find_version(found.pipeline_id, version)
        if chosen is None:
            raise CheckFailed(
                f"{api.host}: pipeline {pipeline.kfp_name} has no version {version!r} — versions "
                "are named <branch>-<sha8> by publish; omit --version for the latest",
                path=pipeline.path,
            )
    return found, chosen


def _create_run(
    api: Any,
    pipeline: Pipeline,
    pipeline_id: str,
    version_id: str,
    version_name: str,
    *,
    experiment_id: str,
    arguments: dict[str, Any],
    clock: Callable[[], float],
) -> Any:
    """Create the run with a single attempt: a POST that timed out may still have started a
    run, and a retry could start a second one."""
    import kfp_server_api

    from scripts.core.retry import RetryPolicy

    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(clock()))
    body = kfp_server_api.V2beta1Run(
        display_name=f"{pipeline.display_name} {version_name} {stamp}",
        experiment_id=experiment_id,
        pipeline_version_reference=kfp_server_api.V2beta1PipelineVersionReference(
            pipeline_id=pipeline_id, pipeline_version_id=version_id
        ),
        runtime_config=kfp_server_api.V2beta1RuntimeConfig(parameters=arguments),
    )
    return api.call(
        f"start a run of {pipeline.kfp_name} {version_name}",
        api.client._run_api.run_service_create_run,
        run=body,
        retry=RetryPolicy(attempts=1),
    )
