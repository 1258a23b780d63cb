# Do not edit: the template owns this file (make template-update brings its changes).
"""Apply a publish plan: pipeline by pipeline, then the experiments, with per-item failures.

Per pipeline of the plan (see ``plan.py``):

1. find the pipeline by its unique ``name`` in the project's namespace;
2. missing: create it without a version (no phantom version named after the pipeline);
3. the version name already there: same spec (``sdkVersion`` ignored) is "exists", a different
   spec is a failure (a version name must always mean the same spec);
4. unless ``--always-upload``, a spec equal to the latest version's is "unchanged";
5. otherwise upload the version; a 409 from a concurrent job is resolved like step 3.

Every experiment ``<project>/<experiment>`` of the projects involved is created when missing.
Failures are per item: one pipeline's failure never stops the others, and the exit code is 1 if
anything failed. ``--dry-run`` sends only GET requests and reports what would happen. The
target's API is any object with the operations ``Publisher`` calls (``scripts.targets.kfp.api``
for KFP). A dry run whose server cannot be reached reports ``offline_results`` instead: the plan
alone, with nothing compared.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scripts.build.specs import local_spec, same_spec
from scripts.targets.errors import TargetError
from scripts.targets.publish.marks import PrMark
from scripts.targets.publish.plan import ExperimentTarget, PipelineTarget, Plan
from scripts.targets.publish.report import (
    OFFLINE_EXPERIMENT,
    OFFLINE_PIPELINE,
    ExperimentResult,
    PipelineResult,
)


class Publisher:
    """Runs a plan against a target. ``api_for(namespace)`` gives the target's API for a
    namespace (a ``scripts.targets.kfp.api.KfpApi`` for KFP)."""

    def __init__(
        self,
        api_for: Callable[[str | None], Any],
        *,
        version: str,
        dry_run: bool = False,
        always_upload: bool = False,
        mark: PrMark | None = None,
    ):
        self.api_for = api_for
        self.version = version
        self.dry_run = dry_run
        self.always_upload = always_upload
        # A pull request's publish marks its versions (and the pipelines it creates) so that
        # `cleanup` can find them; main's publish marks nothing.
        self.mark = mark

    def publish_pipeline(self, target: PipelineTarget) -> PipelineResult:
        return publish_contained(target, self.version, self._publish)

    def _publish(self, target: PipelineTarget, result: PipelineResult) -> None:
        api = self.api_for(target.namespace)
        spec = local_spec(target.package)
        pipeline = api.find_pipeline(target.name)
        if pipeline is None:
            if self.dry_run:
                result.status = "create"
                return
            description = _pipeline_description(spec)
            if self.mark is not None:
                description = f"{description}\n{self.mark.pipeline_line()}".lstrip("\n")
            pipeline = api.create_pipeline(target.name, target.display_name, description)
            self._record(api, result, pipeline.pipeline_id, None)
            version = self._upload(api, target, result, spec)
            if result.status == "uploaded":
                result.status = "created"
                self._record(api, result, pipeline.pipeline_id, version)
            return
        self._record(api, result, pipeline.pipeline_id, None)
        existing = api.find_version(pipeline.pipeline_id, self.version)
        if existing is not None:
            self._resolve_existing(api, result, existing, spec)
            return
        if not self.always_upload:
            latest = api.latest_version(pipeline.pipeline_id)
            if latest is not None and same_spec(spec, latest.pipeline_spec):
                result.status = "unchanged"
                result.version = latest.name
                self._record(api, result, pipeline.pipeline_id, latest)
                return
        if self.dry_run:
            result.status = "upload"
            return
        version = self._upload(api, target, result, spec)
        if result.status == "uploaded":
            self._record(api, result, pipeline.pipeline_id, version)

    def _upload(self, api: Any, target: PipelineTarget, result: PipelineResult, spec: Any) -> Any:
        """Upload the version; a 409 (a concurrent job, a retried request that had landed)
        is resolved by comparing with what is there."""
        try:
            mark = self.mark
            version = api.upload_version(
                result.pipeline_id,
                self.version,
                target.package,
                mark.version_description() if mark else "",
                mark.tags() if mark else None,
            )
        except TargetError as error:
            if error.status != 409:
                raise
            existing = api.find_version(result.pipeline_id, self.version)
            if existing is None:
                raise
            self._resolve_existing(api, result, existing, spec)
            return existing
        result.status = "uploaded"
        return version

    def _resolve_existing(self, api: Any, result: PipelineResult, existing: Any, spec: Any) -> None:
        if same_spec(spec, existing.pipeline_spec):
            result.status = "exists"
            self._record(api, result, existing.pipeline_id, existing)
            return
        result.status = "failed"
        self._record(api, result, existing.pipeline_id, existing)
        result.message = (
            f"version {self.version!r} of {result.name} already exists with a different spec — "
            "a version name must always mean the same spec: commit the change (new SHA) or "
            "pass another --version"
        )

    @staticmethod
    def _record(api: Any, result: PipelineResult, pipeline_id: str, version: Any) -> None:
        result.pipeline_id = pipeline_id
        if version is not None:
            result.version_id = version.pipeline_version_id
            result.link = api.ui_link(pipeline_id, version.pipeline_version_id)

    def ensure_experiment(self, target: ExperimentTarget) -> ExperimentResult:
        api = self.api_for(target.namespace)
        result = ExperimentResult(target.project, target.name, target.namespace, "failed")
        try:
            found = api.find_experiment(target.name)
            if found is not None:
                result.status, result.experiment_id = "exists", found.experiment_id
            elif self.dry_run:
                result.status = "create"
            else:
                created = api.create_experiment(target.name, target.description)
                result.status, result.experiment_id = "created", created.experiment_id
        except TargetError as error:
            result.message = error.message
        return result


def publish_contained(
    target: PipelineTarget,
    version: str,
    publish: Callable[[PipelineTarget, PipelineResult], None],
) -> PipelineResult:
    """One pipeline's row, whatever the target: a failed compile, a failed request or an
    unreadable spec is this row's failure, never the others' (``publish`` fills the row)."""
    result = result_for(target, "failed", version)
    if target.package is None:
        result.message = f"did not compile: {target.compile_error}"
        result.line = target.compile_line
        return result
    try:
        publish(target, result)
    except TargetError as error:
        result.status = "failed"
        result.message = error.message
    except OSError as error:
        result.status = "failed"
        result.message = f"cannot read {target.package}: {error.strerror or error}"
    return result


def _pipeline_description(spec: Any) -> str:
    document = spec.get("pipeline_spec", spec) if isinstance(spec, dict) else {}
    info = document.get("pipelineInfo", {}) if isinstance(document, dict) else {}
    return str(info.get("description") or "")


def apply_plan(plan: Plan, publisher: Publisher, *, jobs: int) -> tuple[list, list]:
    """Publish every pipeline and ensure every experiment, ``jobs`` requests' worth at a time
    (they are independent, so experiments need not wait for the last upload); results come
    back in plan order whatever order the requests finish in."""
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="publish") as pool:
        pipeline_futures = [pool.submit(publisher.publish_pipeline, t) for t in plan.pipelines]
        experiment_futures = [pool.submit(publisher.ensure_experiment, t) for t in plan.experiments]
        pipelines = [future.result() for future in pipeline_futures]
        experiments = [future.result() for future in experiment_futures]
    return pipelines, experiments


def result_for(target: PipelineTarget, status: str, version: str) -> PipelineResult:
    """A pipeline's result row as it starts, before anything is known from the server."""
    return PipelineResult(
        selector=target.selector,
        name=target.name,
        display_name=target.display_name,
        project=target.project,
        source=target.source,
        namespace=target.namespace,
        status=status,
        version=version,
    )


def offline_results(plan: Plan) -> tuple[list[PipelineResult], list[ExperimentResult]]:
    """The plan as a dry run shows it with no server to compare with: every compiled pipeline
    "create or upload (offline)", every experiment "create if missing (offline)"; a pipeline
    that did not compile (or whose spec is gone) is "failed", as it would be online."""
    pipelines = []
    for target in plan.pipelines:
        result = result_for(target, OFFLINE_PIPELINE, plan.version)
        if target.package is None:
            result.status, result.line = "failed", target.compile_line
            result.message = f"did not compile: {target.compile_error}"
        elif not target.package.is_file():
            result.status = "failed"
            result.message = f"cannot read {target.package}: no such file — rerun compile"
        pipelines.append(result)
    experiments = [
        ExperimentResult(target.project, target.name, target.namespace, OFFLINE_EXPERIMENT)
        for target in plan.experiments
    ]
    return pipelines, experiments
