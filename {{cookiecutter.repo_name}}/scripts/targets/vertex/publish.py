# Do not edit: the template owns this file (make template-update brings its changes).
"""Publish to Vertex AI: compiled specs as tagged templates in Artifact Registry, experiments as
Vertex AI Experiments. The same plan and result rows as on KFP (``targets/publish/``).

Per pipeline of the plan:

1. the package name (the compiled ``pipelineInfo.name``) is checked against Artifact
   Registry's rule before any request;
2. the tag ``<version>`` exists: on the same digest it is "exists", on another digest a failure
   (a version name always means one spec, as on KFP);
3. unless ``--always-upload``, a digest the package already has is only tagged: "unchanged";
4. otherwise the spec is uploaded with its tags ("created" for a new package, else
   "uploaded"), and the tag is read back: an upload moves a tag silently, so a parallel job
   that tagged other content in between is caught here, not by the next schedule.

Tags: ``<version>`` always; on a pull request also ``pr-<N>-<sha8>`` (``cleanup`` finds a pull
request's templates by it); otherwise also ``latest``. Content identity is the ``sha256`` of the
file, which ``compile`` makes reproducible.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from scripts.core.errors import UsageError
from scripts.core.naming import registry_package_problem, vertex_experiment_name
from scripts.targets.errors import TargetError
from scripts.targets.publish.apply import publish_contained
from scripts.targets.publish.plan import ExperimentTarget, PipelineTarget
from scripts.targets.publish.report import ExperimentResult, PipelineResult
from scripts.targets.vertex.connection import VertexError, VertexSession
from scripts.targets.vertex.registry import TemplateRegistry, digest_of, spec_package

LATEST = "latest"


# What ``pull_request_tag`` writes, as cleanup reads it back.
PR_TAG = re.compile(r"^pr-(?P<number>[0-9]+)-(?P<sha>[0-9a-f]{8})$")


def pull_request_tag(mark: Any, version: str) -> str:
    """``pr-<N>-<sha8>`` for a pull request's publish of ``version`` (``<branch>-<sha8>``)."""
    return f"pr-{mark.number}-{version.rpartition('-')[2]}"


class VertexPublisher:
    def __init__(
        self,
        session: VertexSession,
        registry: TemplateRegistry,
        *,
        version: str,
        dry_run: bool,
        always_upload: bool,
        mark: Any,
    ):
        self.session = session
        self.registry = registry
        self.version = version
        self.dry_run = dry_run
        self.always_upload = always_upload
        self.mark = mark
        extra = pull_request_tag(mark, version) if mark is not None else LATEST
        self.tags = [version, extra]
        # Experiments are made one at a time: the SDK creates the project's metadata store with
        # the first one, and two threads doing that at once make the second fail (409).
        self._experiments_lock = threading.Lock()

    def publish_pipeline(self, target: PipelineTarget) -> PipelineResult:
        return publish_contained(target, self.version, self._publish)

    def _publish(self, target: PipelineTarget, result: PipelineResult) -> None:
        if problem := registry_package_problem(target.name):  # before any request
            result.message = problem
            return
        package, digest = target.name, digest_of(target.package)
        named = spec_package(target.package)
        if named != package:  # the registry files a spec under its pipelineInfo.name
            result.message = (
                f"the spec's pipelineInfo.name is {named!r}, not {package!r} — recompile: "
                "the registry would file it as another package"
            )
            return
        result.pipeline_id = package
        tagged = self.registry.tag_target(package, self.version)
        if tagged is not None:
            self._record(result, package, tagged)
            if tagged == digest:
                result.status = "exists"
            else:
                result.message = self._moved_message(package, tagged)
            return
        known = not self.always_upload and self.registry.has_version(package, digest)
        if self.dry_run:
            result.status = "unchanged" if known else "upload"
            return
        if known:
            for tag in self.tags:  # only latest moves; the others name this commit's spec
                self.registry.add_tag(package, digest, tag, move=tag == LATEST)
            result.status = "unchanged"
        else:
            is_new = not self.registry.tags(package)
            _, digest = self.registry.upload(target.package, self.tags)
            result.status = "created" if is_new else "uploaded"
        after = self.registry.tag_target(package, self.version)
        self._record(result, package, digest)
        if after != digest:  # a parallel job moved it between our check and our upload
            result.status, result.message = "failed", self._moved_message(package, after or "")

    def _moved_message(self, package: str, other: str) -> str:
        return (
            f"tag {self.version!r} of {package} already points at {other[:19]}…, a different "
            "spec — a version name must always mean the same spec: commit the change (new SHA) "
            "or pass another --version"
        )

    def _record(self, result: PipelineResult, package: str, digest: str) -> None:
        result.pipeline_id, result.version_id = package, digest
        result.link = self.registry.template_uri(package, digest)

    def ensure_experiment(self, target: ExperimentTarget) -> ExperimentResult:
        from google.cloud import aiplatform

        result = ExperimentResult(target.project, target.name, target.namespace, "failed")
        try:
            name = vertex_experiment_name(target.project, target.name.partition("/")[2])
        except UsageError as error:
            result.message = str(error)
            return result
        try:
            with self._experiments_lock:
                result.status = self._ensure(aiplatform, name, target.description)
            result.experiment_id = name if result.status != "create" else None
        except TargetError as error:
            result.message = error.message
        return result

    def _ensure(self, aiplatform: Any, name: str, description: str) -> str:
        if self._find(aiplatform, name) is not None:
            return "exists"
        if self.dry_run:
            return "create"
        try:
            self.session.call(
                "Vertex AI",
                f"create experiment {name}",
                aiplatform.Experiment.create,
                experiment_name=name,
                description=description or None,
            )
        except VertexError as error:
            # 409: a parallel job (or our retried request) made it first.
            if error.status != 409 or self._find(aiplatform, name) is None:
                raise
            return "exists"
        return "created"

    def _find(self, aiplatform: Any, name: str) -> Any | None:
        try:
            return self.session.call(
                "Vertex AI", f"read experiment {name}", aiplatform.Experiment.get, name
            )
        except ValueError:  # the SDK: that context exists but is no experiment
            raise VertexError(
                f"{name!r} is taken in Vertex AI metadata by something that is not an "
                "experiment (a pipeline's context has the pipeline's name) — rename the "
                "experiment in the manifest"
            ) from None
