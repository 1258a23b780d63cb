"""Publish compiled pipelines to KFP: a plan computed locally, then applied pipeline by pipeline.

Steps (DESIGN.md, "Publishing semantics"), per pipeline listed in ``build/compile.json``:

1. find the pipeline by its unique ``name`` in the project's namespace;
2. missing: create it without a version (no phantom version named after the pipeline);
3. the version name already there: same spec (``sdkVersion`` ignored) is "exists", a different
   spec is a failure (a version name must always mean the same spec);
4. unless ``--always-upload``, a spec equal to the latest version's is "unchanged";
5. otherwise upload the version; a 409 from a concurrent job is resolved like step 3.

Then every experiment ``<project>/<experiment>`` of the projects involved is created when
missing, then the registered sync steps run (see ``SYNC_STEPS``). Failures are per item: one
pipeline's failure never stops the others, and the exit code is 1 if anything failed.
``--dry-run`` sends only GET requests and reports what would happen.

Summary JSON (``--summary-json FILE`` and ``--format json``; the PR comment reads it)::

    {
      "schema": 1,
      "environment": "dev",
      "host": "https://kfp.dev.example.com",
      "version": "feature-x-1a2b3c4d",        # the KFP version name used
      "dry_run": false,
      "ok": true,                              # false when anything failed
      "counts": {"created": 1, "uploaded": 0, "exists": 0, "unchanged": 2, "failed": 0},
      "pipelines": [                           # sorted by source path
        {"selector": "p/train_model", "name": "p-train-model", "display_name": "p/train_model",
         "project": "p", "source": "pipelines/p/train_model.py", "namespace": null,
         "status": "created",                  # created | uploaded | exists | unchanged | failed
                                               # dry run: create | upload | exists | unchanged
                                               #          | failed
         "pipeline_id": "...", "version_id": "...",   # null when unknown (failed, dry run)
         "version": "feature-x-1a2b3c4d",      # for "unchanged": the latest version's name
         "link": "<host>/#/pipelines/details/<pipeline_id>/version/<version_id>",  # or null
         "message": ""}                        # why, for failed (one line, no credentials)
      ],
      "experiments": [                         # sorted by name
        {"project": "p", "name": "p/Default", "namespace": null,
         "status": "created",                  # created | exists | failed; dry run: create |
                                               # exists | failed
         "experiment_id": "...", "message": ""}
      ],
      "syncs": [                               # rows from SYNC_STEPS (e.g. Polyaxon projects)
        {"kind": "polyaxon project", "name": "...", "status": "...", "link": null,
         "message": ""}
      ],
      "error": null                            # or the one line that stopped the publish
    }                                          # before any pipeline (preflight: unreachable
                                               # host, 401, 403); the lists are empty then

"counts" counts pipeline statuses only (every status key is present, zero or not).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scripts.errors import ConfigError, UsageError

SUMMARY_SCHEMA = 1
PIPELINE_STATUSES = ("created", "uploaded", "exists", "unchanged", "failed")
DRY_RUN_STATUSES = ("create", "upload", "exists", "unchanged", "failed")
VERSION_NAME_MAX_BYTES = 127  # the server's limit (reference §3)


# -- the plan (pure: compile.json, manifests and flags in; no network) ----------------------


@dataclass(frozen=True)
class PipelineTarget:
    selector: str
    project: str
    name: str
    display_name: str
    source: str
    package: Path | None  # the compiled spec; None when compile failed
    namespace: str | None
    compile_error: str = ""
    compile_line: int | None = None


@dataclass(frozen=True)
class ExperimentTarget:
    project: str
    name: str  # "<project>/<experiment>"
    description: str
    namespace: str | None


@dataclass(frozen=True)
class Plan:
    version: str
    pipelines: tuple[PipelineTarget, ...]
    experiments: tuple[ExperimentTarget, ...]
    projects: tuple[str, ...]  # the projects this publish touches (for sync steps)


def build_plan(
    index: Mapping[str, Any],
    build_dir: Path,
    projects: Sequence[Any],
    *,
    environment: str,
    default_namespace: str | None,
    version: str,
) -> Plan:
    """What to publish: every pipeline in compile.json (failed compiles included, so they show
    up as failed), and the experiments of the projects those pipelines belong to plus the
    projects compile.json lists as changed (a manifest edit alone syncs its experiments).

    ``projects`` are ``scripts.manifests.Project`` values.
    """
    by_name = {project.name: project for project in projects}

    def namespace_of(project: str) -> str | None:
        manifest = by_name.get(project)
        if manifest is None:
            return default_namespace
        return manifest.namespace_for(environment, default_namespace)

    pipelines = [
        PipelineTarget(
            selector=item["selector"],
            project=item["project"],
            name=item["name"],
            display_name=item["display_name"],
            source=item["source"],
            package=Path(build_dir) / item["output"],
            namespace=namespace_of(item["project"]),
        )
        for item in index.get("pipelines", [])
    ]
    for item in index.get("failed", []):
        project = item["selector"].partition("/")[0]
        pipelines.append(
            PipelineTarget(
                selector=item["selector"],
                project=project,
                name="",
                display_name=item["selector"],
                source=item["source"],
                package=None,
                namespace=namespace_of(project),
                compile_error=item["message"],
                compile_line=item.get("line"),
            )
        )
    pipelines.sort(key=lambda target: target.source)
    touched = sorted({t.project for t in pipelines} | set(index.get("projects", [])))
    experiments = [
        ExperimentTarget(
            project=name,
            name=f"{name}/{experiment.name}",
            description=experiment.description,
            namespace=namespace_of(name),
        )
        for name in touched
        if name in by_name
        for experiment in by_name[name].experiments
    ]
    experiments.sort(key=lambda target: target.name)
    return Plan(version, tuple(pipelines), tuple(experiments), tuple(touched))


# -- version names --------------------------------------------------------------------------


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ConfigError(
            f"git {' '.join(args)} failed ({result.stderr.strip() or 'not a git repository'}) "
            "— run from a git checkout or pass --version NAME"
        )
    return result.stdout.strip()


def default_version_name(root: Path, environ: Mapping[str, str] | None = None) -> str:
    """``<branch-slug>-<sha8>`` (DESIGN "Names"): in GitHub Actions from GITHUB_HEAD_REF (pull
    requests) or GITHUB_REF_NAME, and the commit: on a pull request the PR head from the event
    payload (GITHUB_SHA is the temporary merge commit there), else GITHUB_SHA. Elsewhere from
    the checkout."""
    from scripts.auto_base import pull_request_head_sha
    from scripts.repo import version_name

    environ = os.environ if environ is None else environ
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_SHA"):
        branch = environ.get("GITHUB_HEAD_REF") or environ.get("GITHUB_REF_NAME") or ""
        if branch:
            sha = pull_request_head_sha(environ) or environ["GITHUB_SHA"]
            return version_name(branch, sha)
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    if branch == "HEAD":
        raise UsageError(
            "HEAD is detached, so there is no branch to name the version after — "
            "check out a branch or pass --version NAME"
        )
    return version_name(branch, _git(root, "rev-parse", "HEAD"))


def check_version_name(name: str) -> str:
    if not name.strip():
        raise UsageError("--version must not be empty")
    if len(name.encode("utf-8")) > VERSION_NAME_MAX_BYTES:
        raise UsageError(
            f"--version {name!r} is over {VERSION_NAME_MAX_BYTES} bytes, KFP's limit — shorten it"
        )
    return name


# -- spec comparison ------------------------------------------------------------------------


def _without_sdk_version(spec: Any) -> Any:
    if isinstance(spec, dict):
        return {k: _without_sdk_version(v) for k, v in spec.items() if k != "sdkVersion"}
    return spec


def local_spec(package: Path) -> Any:
    """The compiled file as the server stores it: the pipeline spec, or both documents as
    ``{"pipeline_spec", "platform_spec"}`` when kfp-kubernetes added a platform spec."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(package, encoding="utf-8") as stream:
        documents = [d for d in yaml.load_all(stream, Loader=loader) if d is not None]
    if len(documents) == 1:
        return documents[0]
    return {"pipeline_spec": documents[0], "platform_spec": documents[1]}


def _split(spec: Any) -> tuple[Any, Any]:
    if isinstance(spec, dict) and isinstance(spec.get("pipeline_spec"), dict):
        return spec["pipeline_spec"], spec.get("platform_spec") or None
    return spec, None


def same_spec(local: Any, remote: Any) -> bool:
    """Equal as data, ignoring ``sdkVersion`` (an SDK bump alone is not a change). Either side
    may be a bare pipeline spec or ``{"pipeline_spec", "platform_spec"}``."""
    if remote is None:
        return False
    local_pipeline, local_platform = _split(local)
    remote_pipeline, remote_platform = _split(remote)
    return _without_sdk_version(local_pipeline) == _without_sdk_version(
        remote_pipeline
    ) and _without_sdk_version(local_platform) == _without_sdk_version(remote_platform)


# -- results --------------------------------------------------------------------------------


@dataclass
class PipelineResult:
    selector: str
    name: str
    display_name: str
    project: str
    source: str
    namespace: str | None
    status: str
    pipeline_id: str | None = None
    version_id: str | None = None
    version: str | None = None
    link: str | None = None
    message: str = ""
    line: int | None = field(default=None, repr=False)  # for the problem line only


@dataclass
class ExperimentResult:
    project: str
    name: str
    namespace: str | None
    status: str
    experiment_id: str | None = None
    message: str = ""


@dataclass
class SyncResult:
    """One row from a sync step (e.g. a Polyaxon project)."""

    kind: str
    name: str
    status: str
    link: str | None = None
    message: str = ""


@dataclass(frozen=True)
class SyncContext:
    """What a sync step gets: the repo, the environment, the projects this publish touched."""

    repo: Any  # scripts.repo.Repo
    environment: Any  # scripts.environments.Environment
    projects: tuple[Any, ...]  # scripts.manifests.Project values of the touched projects
    dry_run: bool


# Extra per-project syncs run after the KFP steps, as "module:function" names imported only
# when publish runs. Each is called as ``function(context: SyncContext) -> list[SyncResult]``
# and reports its own failures as rows with status "failed" (exit code 1). A step whose module
# is not in this repo is skipped: the template leaves optional modules out (no Polyaxon).
SYNC_STEPS: tuple[str, ...] = ("scripts.polyaxon:sync_step",)


@dataclass
class PublishReport:
    environment: str
    host: str
    version: str
    dry_run: bool
    pipelines: list[PipelineResult]
    experiments: list[ExperimentResult]
    syncs: list[SyncResult] = field(default_factory=list)
    error: str = ""  # set when nothing could be published (preflight: host, credentials)

    @property
    def ok(self) -> bool:
        return not self.error and not any(
            row.status == "failed" for row in [*self.pipelines, *self.experiments, *self.syncs]
        )

    def counts(self) -> dict[str, int]:
        statuses = DRY_RUN_STATUSES if self.dry_run else PIPELINE_STATUSES
        return {s: sum(1 for p in self.pipelines if p.status == s) for s in statuses}

    def to_json(self) -> dict[str, Any]:
        def pipeline_row(result: PipelineResult) -> dict[str, Any]:
            row = asdict(result)
            row.pop("line")
            return row

        return {
            "schema": SUMMARY_SCHEMA,
            "environment": self.environment,
            "host": self.host,
            "version": self.version,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "counts": self.counts(),
            "pipelines": [pipeline_row(p) for p in self.pipelines],
            "experiments": [asdict(e) for e in self.experiments],
            "syncs": [asdict(s) for s in self.syncs],
            "error": self.error or None,
        }


# -- apply (side effects) -------------------------------------------------------------------


class Publisher:
    """Runs a plan against KFP. ``api_for(namespace)`` gives the KfpApi for a namespace."""

    def __init__(
        self,
        api_for: Callable[[str | None], Any],
        *,
        version: str,
        dry_run: bool = False,
        always_upload: bool = False,
        version_description: str = "",
    ):
        self.api_for = api_for
        self.version = version
        self.dry_run = dry_run
        self.always_upload = always_upload
        self.version_description = version_description

    def publish_pipeline(self, target: PipelineTarget) -> PipelineResult:
        from scripts.kfp_api import KfpError

        result = PipelineResult(
            selector=target.selector,
            name=target.name,
            display_name=target.display_name,
            project=target.project,
            source=target.source,
            namespace=target.namespace,
            status="failed",
            version=self.version,
        )
        if target.package is None:
            result.message = f"did not compile: {target.compile_error}"
            result.line = target.compile_line
            return result
        try:
            self._publish(target, result)
        except KfpError as error:
            result.status = "failed"
            result.message = error.message
        except OSError as error:
            result.status = "failed"
            result.message = f"cannot read {target.package}: {error.strerror or error}"
        return result

    def _publish(self, target: PipelineTarget, result: PipelineResult) -> None:
        api = self.api_for(target.namespace)
        spec = local_spec(target.package)
        pipeline = api.find_pipeline(target.name)
        if pipeline is None:
            if self.dry_run:
                result.status = "create"
                return
            pipeline = api.create_pipeline(
                target.name, target.display_name, _pipeline_description(spec)
            )
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
        from scripts.kfp_api import KfpError

        try:
            version = api.upload_version(
                result.pipeline_id, self.version, target.package, self.version_description
            )
        except KfpError as error:
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
        from scripts.kfp_api import KfpError

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
        except KfpError as error:
            result.message = error.message
        return result


def _pipeline_description(spec: Any) -> str:
    document = spec.get("pipeline_spec", spec) if isinstance(spec, dict) else {}
    info = document.get("pipelineInfo", {}) if isinstance(document, dict) else {}
    return str(info.get("description") or "")


def run_sync_steps(context: SyncContext, steps: Sequence[str] | None = None) -> list[SyncResult]:
    import importlib

    rows: list[SyncResult] = []
    for step in SYNC_STEPS if steps is None else steps:
        module_name, _, function_name = step.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise  # the step exists but a dependency of it is missing: a real problem
            continue
        rows.extend(getattr(module, function_name)(context))
    return rows


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


# -- output ---------------------------------------------------------------------------------

HEADERS = ("PIPELINE", "STATUS", "VERSION", "LINK / MESSAGE")


def _rows(report: PublishReport) -> list[tuple[str, str, str, str]]:
    rows = [
        (p.display_name, p.status, p.version or "", p.message or p.link or "")
        for p in report.pipelines
    ]
    rows += [(f"experiment {e.name}", e.status, "", e.message) for e in report.experiments]
    rows += [(f"{s.kind} {s.name}", s.status, "", s.message or s.link or "") for s in report.syncs]
    return rows


def text_report(report: PublishReport) -> str:
    from scripts.output import text_table

    mode = " (dry run: nothing was written)" if report.dry_run else ""
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    head = f"publish to {report.environment} ({report.host}), version {report.version}{mode}"
    return f"{head}\n{text_table(HEADERS, _rows(report))}\n{counts or 'nothing to publish'}"


def markdown_report(report: PublishReport) -> str:
    from scripts.output import markdown_table

    def link(p: PipelineResult) -> str:
        return f"[open]({p.link})" if p.link else (p.message or "")

    mode = " — dry run" if report.dry_run else ""
    lines = [
        f"### KFP publish to `{report.environment}`{mode}",
        "",
        f"Version `{report.version}` on {report.host}",
        "",
        *([f"**Failed:** {report.error}", ""] if report.error else []),
        markdown_table(
            ("Pipeline", "Status", "Version", "Link"),
            [(f"`{p.display_name}`", p.status, p.version or "", link(p)) for p in report.pipelines],
        ),
    ]
    if report.experiments:
        lines += [
            "",
            markdown_table(
                ("Experiment", "Status", "Message"),
                [(f"`{e.name}`", e.status, e.message) for e in report.experiments],
            ),
        ]
    if report.syncs:
        lines += [
            "",
            markdown_table(
                ("Sync", "Name", "Status", "Message"),
                [(s.kind, s.name, s.status, s.message or s.link or "") for s in report.syncs],
            ),
        ]
    return "\n".join(lines) + "\n"
