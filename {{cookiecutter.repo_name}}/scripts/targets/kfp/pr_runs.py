# Do not edit: the template owns this file (make template-update brings its changes).
"""Runs started from a pull request (``/kfp run``), and finding them again (``/kfp runs``).

A run starts from the version the PR workflow uploaded for the PR's head (``<branch>-<sha8>``),
never from something else: a missing version is ``VersionMissing``, which the caller replies.

Caching: a v2beta1 run has no caching switch, and ``kfp.Client.run_pipeline`` ignores
``enable_caching`` when given a version id. So a run without cache is created from the version's
spec (fetched from the server, not compiled here) with ``cachingOptions.enableCache: false`` on
every task, nested DAGs included; such a run has no version reference, so its description says
which version it came from.

Finding them: runs have no labels or tags, and ``description`` is the one free-form field a
filter can search, so every run started here ends its description with the line
``kfp-monorepo-run: <owner/repo>#<number> <pipeline>/<version> <version id>``; ``/kfp runs``
lists runs whose description holds ``kfp-monorepo-run: <owner/repo>#<number> ``.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scripts.core.errors import CheckFailed
from scripts.core.retry import RetryPolicy
from scripts.targets.kfp.api import KfpApi, list_filter, predicate
from scripts.targets.kfp.remote_run import run_link
from scripts.targets.kfp.run_queries import run_row

RUN_PREFIX = "kfp-monorepo-run"
PAGE_SIZE = 200
_RUN_LINE = re.compile(
    rf"^{RUN_PREFIX}: (?P<repo>[^\s#]+)#(?P<number>[0-9]+) (?P<pipeline>[^\s/]+)/(?P<version>\S+)",
    re.M,
)


class VersionMissing(CheckFailed):
    """The PR's version of a pipeline is not on the server (not uploaded yet, or unchanged)."""


@dataclass(frozen=True)
class PullRequestRef:
    repository: str  # owner/name
    number: int
    login: str  # who asked


@dataclass(frozen=True)
class RunRequest:
    """What ``/kfp run`` asks for, resolved against the repo."""

    kfp_name: str  # <project>-<pipeline>
    display_name: str  # <project>/<pipeline>
    version: str  # <branch>-<sha8> of the PR head
    experiment: str  # <project>/<experiment>
    experiment_description: str
    parameters: Mapping[str, str]
    no_cache: bool


@dataclass(frozen=True)
class StartedRun:
    run_id: str
    link: str
    version: str
    version_id: str
    experiment: str
    arguments: dict[str, Any]
    no_cache: bool


@dataclass(frozen=True)
class PrRun:
    run_id: str
    display_name: str
    pipeline: str
    version: str
    state: str
    created_at: datetime | None
    finished_at: datetime | None
    link: str


def run_line(pr: PullRequestRef, kfp_name: str, version: str, version_id: str) -> str:
    return f"{RUN_PREFIX}: {pr.repository}#{pr.number} {kfp_name}/{version} {version_id}"


def without_cache(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a compiled spec with caching off in every task: the root DAG's and those of
    every sub-DAG (conditions, loops, nested pipelines). ``{pipeline_spec, platform_spec}``
    documents keep their shape."""
    document = copy.deepcopy(dict(spec))
    inner = document.get("pipeline_spec") if "root" not in document else document
    if not isinstance(inner, dict):
        return document
    dags = [inner.get("root", {}).get("dag", {})]
    dags += [c.get("dag", {}) for c in (inner.get("components") or {}).values()]
    for dag in dags:
        for task in (dag.get("tasks") or {}).values():
            task.setdefault("cachingOptions", {})["enableCache"] = False
    return document


def find_pr_version(api: KfpApi, kfp_name: str, version: str) -> tuple[Any, Any]:
    """The pipeline and the PR's version of it, with its spec; VersionMissing otherwise."""
    pipeline = api.find_pipeline(kfp_name)
    found = api.find_version(pipeline.pipeline_id, version) if pipeline is not None else None
    if found is None:
        raise VersionMissing(
            f"{kfp_name} has no version {version} on {api.host} yet: the pull-request workflow "
            "may still be publishing it, or this pull request does not change the pipeline "
            "(then nothing was uploaded for it)"
        )
    return pipeline, found


def start_pr_run(
    api: KfpApi,
    request: RunRequest,
    pr: PullRequestRef,
    *,
    clock: Callable[[], float] = time.time,
) -> StartedRun:
    """Check the parameters against the version's spec, ensure the experiment, start once."""
    import kfp_server_api

    from scripts.build.parameters import bind_parameters

    pipeline, version = find_pr_version(api, request.kfp_name, request.version)
    spec = version.pipeline_spec or {}
    where = f"{request.display_name} (version {request.version})"
    arguments = bind_parameters(spec, request.parameters, pipeline=where, path="")
    experiment = api.find_experiment(request.experiment) or api.create_experiment(
        request.experiment, request.experiment_description
    )
    cache = "off (every task)" if request.no_cache else "as compiled"
    description = (
        f"Started by @{pr.login} with /kfp run on pull request #{pr.number} of {pr.repository}: "
        f"version {request.version} of {request.kfp_name}, cache {cache}.\n"
        + run_line(pr, request.kfp_name, request.version, version.pipeline_version_id)
    )
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(clock()))
    body = kfp_server_api.V2beta1Run(
        display_name=f"{request.display_name} {request.version} PR #{pr.number} {stamp}",
        description=description,
        experiment_id=experiment.experiment_id,
        runtime_config=kfp_server_api.V2beta1RuntimeConfig(parameters=arguments),
    )
    if request.no_cache:
        body.pipeline_spec = without_cache(spec)
    else:
        body.pipeline_version_reference = kfp_server_api.V2beta1PipelineVersionReference(
            pipeline_id=pipeline.pipeline_id, pipeline_version_id=version.pipeline_version_id
        )
    # One attempt: a POST that timed out may have started the run; a retry could start two.
    created = api.call(
        f"start a run of {request.kfp_name} {request.version}",
        api.client._run_api.run_service_create_run,
        run=body,
        retry=RetryPolicy(attempts=1),
    )
    return StartedRun(
        run_id=created.run_id,
        link=run_link(api.host, created.run_id),
        version=request.version,
        version_id=version.pipeline_version_id,
        experiment=request.experiment,
        arguments=arguments,
        no_cache=request.no_cache,
    )


def pr_runs(api: KfpApi, repository: str, number: int) -> list[PrRun]:
    """The runs started from this pull request in ``api``'s namespace, newest first."""
    needle = f"{RUN_PREFIX}: {repository}#{number} "
    filter_text = list_filter(predicate("description", "IS_SUBSTRING", needle))
    found = []
    for run in _pages(api, filter_text):
        match = next(
            (m for m in _RUN_LINE.finditer(run.description or "") if int(m["number"]) == number),
            None,
        )
        if match is None or match["repo"].lower() != repository.lower():
            continue  # IS_SUBSTRING matched something else; only our exact line counts
        row = run_row(run)
        found.append(
            PrRun(
                run_id=row.run_id,
                display_name=row.display_name,
                pipeline=match["pipeline"],
                version=match["version"],
                state=row.state,
                created_at=row.created_at,
                finished_at=row.finished_at,
                link=run_link(api.host, row.run_id),
            )
        )
    return found


def _pages(api: KfpApi, filter_text: str) -> Iterator[Any]:
    token = ""
    scope = {"namespace": api.namespace} if api.namespace else {}
    while True:
        response = api.call(
            "list this pull request's runs",
            api.client.list_runs,
            page_token=token,
            page_size=PAGE_SIZE,
            sort_by="created_at desc",
            filter=filter_text,
            **scope,
        )
        yield from response.runs or []
        token = response.next_page_token or ""
        if not token:
            return
