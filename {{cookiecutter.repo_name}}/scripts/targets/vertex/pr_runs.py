# Do not edit: the template owns this file (make template-update brings its changes).
"""``/kfp run`` and ``/kfp runs`` on Vertex AI: a job from the pull request's tag, found again
by its labels.

The run is built from the tag ``<branch>-<sha8>`` the pull-request workflow published,
resolved to its ``sha256:`` version (never another tag, never ``latest``: a missing one is
``VersionMissing``, which the reply says). ``--no-cache`` turns caching off for the whole job
(Vertex AI has a job-level switch, unlike a KFP v2beta1 run). Labels carry what ``/kfp runs``
lists by: the repository, the pull request, the pipeline and the version.
"""

from __future__ import annotations

import time
from typing import Any

from scripts.core.naming import label_value, vertex_experiment_name
from scripts.targets.kfp.pr_runs import PrRun, StartedRun, VersionMissing
from scripts.targets.vertex.connection import VertexSession
from scripts.targets.vertex.jobs import console_link, labels_for, run_row


def start_pr_run(session: VertexSession, templates: Any, request: Any, pr: Any) -> StartedRun:
    from scripts.build.parameters import bind_parameters

    registry = templates.registry
    digest = registry.tag_target(request.kfp_name, request.version)
    if digest is None:
        raise VersionMissing(
            f"{request.kfp_name} has no version {request.version} in {registry.url} yet: the "
            "pull-request workflow may still be publishing it, or this pull request does not "
            "change the pipeline (then nothing was uploaded for it)"
        )
    spec = templates.spec(request.kfp_name, digest)
    where = f"{request.display_name} (version {request.version})"
    arguments = bind_parameters(spec, request.parameters, pipeline=where, path="")
    project, _, experiment = request.experiment.partition("/")
    vertex_experiment = vertex_experiment_name(project, experiment)
    labels = labels_for(pr.repository, experiment=vertex_experiment)
    labels |= {
        "kfp-monorepo-pr": str(pr.number),
        "kfp-monorepo-pipeline": label_value(request.kfp_name),
        "kfp-monorepo-version": label_value(request.version),
        "kfp-monorepo-by": label_value(pr.login),
    }
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    job = templates.job(
        request.kfp_name,
        digest,
        display_name=f"{request.display_name} {request.version} PR #{pr.number} {stamp}",
        parameters=arguments,
        labels=labels,
        enable_caching=False if request.no_cache else None,
    )
    created = templates.start(job, f"start a run of {request.kfp_name} {request.version}")
    return StartedRun(
        run_id=created.name,
        link=console_link(created.name, session.project, session.region),
        version=request.version,
        version_id=digest,
        experiment=vertex_experiment,
        arguments=arguments,
        no_cache=request.no_cache,
    )


def pr_runs(session: VertexSession, repository: str, number: int) -> list[PrRun]:
    """This pull request's runs, newest first: one filtered listing by labels."""
    from google.cloud import aiplatform

    text = (
        f'labels.kfp-monorepo-repo="{label_value(repository)}" '
        f'AND labels.kfp-monorepo-pr="{number}"'
    )
    jobs = session.call(
        "Vertex AI",
        "list this pull request's runs",
        aiplatform.PipelineJob.list,
        filter=text,
        order_by="create_time desc",
        enable_simple_view=True,
    )
    rows = []
    for job in jobs:
        labels = dict(job.gca_resource.labels)
        row = run_row(job)
        rows.append(
            PrRun(
                run_id=row.run_id,
                display_name=row.display_name,
                pipeline=labels.get("kfp-monorepo-pipeline", ""),
                version=labels.get("kfp-monorepo-version", ""),
                state=row.state,
                created_at=row.created_at,
                finished_at=row.finished_at,
                link=console_link(row.run_id, session.project, session.region),
            )
        )
    return rows
