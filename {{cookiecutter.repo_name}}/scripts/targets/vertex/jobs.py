# Do not edit: the template owns this file (make template-update brings its changes).
"""Vertex AI pipeline jobs: built from a registry version, created, and read back as runs.

A job is built with the SDK's ``PipelineJob`` from the version's downloaded spec (the SDK reads
only ``*-kfp.pkg.dev`` URLs or local files, and a private registry host is neither), then its
``template_uri`` is set to the ``sha256:`` version, so the job names exactly what it runs.
Jobs are created through the SDK's pipeline client rather than ``PipelineJob.submit()``:
submit would first look for, and create, the pipeline root's bucket with Cloud Storage calls
that belong to the platform's setup, not to every CI run.

Ownership and grouping live in labels (the only free-form field a job and, through its
request, a schedule carries): ``managed-by``, the repository, the experiment, the catch-up
setting. Runs are read back as the same ``RunRow`` the KFP target gives, so monitor's findings
are computed once.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scripts.build.specs import local_spec, pipeline_part
from scripts.core.naming import label_value
from scripts.core.timestamps import set_time
from scripts.targets.kfp.run_queries import RunRow

MANAGED_BY = "kfp-monorepo"
MAX_NAME = 128  # Vertex AI's limit on job ids and display names
# Vertex states -> the v2 spellings monitor reads (PIPELINE_STATE_FAILED -> FAILED).
STATES = {
    "PIPELINE_STATE_QUEUED": "PENDING",
    "PIPELINE_STATE_PENDING": "PENDING",
    "PIPELINE_STATE_RUNNING": "RUNNING",
    "PIPELINE_STATE_SUCCEEDED": "SUCCEEDED",
    "PIPELINE_STATE_FAILED": "FAILED",
    "PIPELINE_STATE_CANCELLING": "CANCELING",
    "PIPELINE_STATE_CANCELLED": "CANCELED",
    "PIPELINE_STATE_PAUSED": "PAUSED",
}
ACTIVE = ("PIPELINE_STATE_QUEUED", "PIPELINE_STATE_PENDING", "PIPELINE_STATE_RUNNING")


def labels_for(
    repository: str, *, experiment: str, key: str = "", catchup: bool | None = None
) -> dict[str, str]:
    """The labels of our jobs and schedules."""
    labels = {
        "managed-by": MANAGED_BY,
        "kfp-monorepo-repo": label_value(repository),
        "kfp-monorepo-experiment": label_value(experiment),
    }
    if key:
        labels["kfp-monorepo-schedule"] = label_value(key)
    if catchup is not None:
        labels["kfp-monorepo-catchup"] = "true" if catchup else "false"
    return labels


def build_job(
    spec_path: Path,
    *,
    display_name: str,
    template_uri: str,
    pipeline_root: str,
    parameters: Mapping[str, Any],
    labels: Mapping[str, str],
    enable_caching: bool | None = None,
    job_id: str | None = None,
) -> Any:
    """A ``PipelineJob`` (not yet created) from a downloaded spec. Its id is fixed here (so a
    retried create is recognised) and valid whatever the pipeline is called: the SDK's own id
    fails for a name that starts with a digit or runs past 128 characters."""
    from google.cloud import aiplatform

    job = aiplatform.PipelineJob(
        display_name=display_name[:MAX_NAME],
        template_path=str(spec_path),
        job_id=job_id or new_job_id(display_name),
        pipeline_root=pipeline_root,
        parameter_values=dict(parameters),
        enable_caching=enable_caching,
        labels=dict(labels),
    )
    # The SDK sets template_uri only for URLs it recognises (``*-kfp.pkg.dev``); its resource is
    # private until created (``gca_resource`` raises before), hence ``_gca_resource``.
    job._gca_resource.template_uri = template_uri
    return job


def new_job_id(name: str) -> str:
    """``<name>-<UTC timestamp>-<random>`` in Vertex's job-id rule (``[a-z][-a-z0-9]``,
    at most 128): the random part keeps two runs started in one second apart."""
    import secrets

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    suffix = f"-{stamp}-{secrets.token_hex(3)}"
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "run"
    if not base[0].isalpha():
        base = f"p-{base}"
    return base[: MAX_NAME - len(suffix)].rstrip("-") + suffix


def create_job(job: Any, *, service_account: str) -> Any:
    """Create the job on the service; the created resource (with its name and state)."""
    job._gca_resource.service_account = service_account
    return job.api_client.create_pipeline_job(
        parent=job._parent, pipeline_job=job._gca_resource, pipeline_job_id=job.job_id
    )


def submit(session: Any, job: Any, *, service_account: str, what: str) -> Any:
    """Create ``job`` once, even when a retry repeats the request: the job id is fixed when the
    job is built, so a create that landed before its answer was lost makes the retry a 409,
    and the job that exists is the one we asked for."""
    from google.cloud import aiplatform

    from scripts.targets.vertex.connection import VertexError

    before = session.retries
    try:
        return session.call("Vertex AI", what, create_job, job, service_account=service_account)
    except VertexError as error:
        if error.status != 409 or session.retries == before:  # not retried: a real clash
            raise
        name = f"{job._parent}/pipelineJobs/{job.job_id}"
        found = session.call("Vertex AI", f"read {name}", aiplatform.PipelineJob.get, name)
        return found.gca_resource


class Templates:
    """The registry versions an environment's jobs are built from: each downloaded once, as
    the pipeline spec alone (a spec compiled with kfp-kubernetes has a second YAML document,
    the Kubernetes platform spec, which the SDK cannot read and Vertex AI has no use for),
    then made into jobs that run as the environment's service account."""

    def __init__(self, session: Any, registry: Any):
        self.session = session
        self.registry = registry
        self._folder = Path(tempfile.mkdtemp(prefix="vertex-specs-"))
        self._specs: dict[str, Path] = {}  # digest -> the pipeline spec's file

    def spec_path(self, package: str, digest: str) -> Path:
        if digest not in self._specs:
            downloaded = self.registry.download(package, digest, self._folder)
            self._specs[digest] = pipeline_document(downloaded)
        return self._specs[digest]

    def spec(self, package: str, digest: str) -> dict[str, Any]:
        """The pipeline spec of ``package@digest``."""
        return dict(local_spec(self.spec_path(package, digest)))

    def job(
        self,
        package: str,
        digest: str,
        *,
        display_name: str,
        parameters: Mapping[str, Any],
        labels: Mapping[str, str],
        enable_caching: bool | None = None,
    ) -> Any:
        """A job (not created) of ``package@digest`` as this environment runs it: its pipeline
        root, and the ``sha256:`` version as the template it names."""
        return build_job(
            self.spec_path(package, digest),
            display_name=display_name,
            template_uri=self.registry.template_uri(package, digest),
            pipeline_root=self.session.environment.pipeline_root or "",
            parameters=parameters,
            labels=labels,
            enable_caching=enable_caching,
        )

    def start(self, job: Any, what: str) -> Any:
        """Create ``job`` as this environment's service account; the created resource."""
        service_account = self.session.environment.service_account or ""
        return submit(self.session, job, service_account=service_account, what=what)


def pipeline_document(path: Path) -> Path:
    """``path`` itself when it holds the pipeline spec alone, else a sibling file with it."""
    import yaml

    spec = local_spec(path)
    if pipeline_part(spec) is spec:
        return path
    first = path.with_suffix(".pipeline.yaml")
    first.write_text(yaml.safe_dump(pipeline_part(spec), sort_keys=False), encoding="utf-8")
    return first


def run_row(job: Any, schedules_by_label: Mapping[str, str] | None = None) -> RunRow:
    """A Vertex job (SDK object or its resource) as monitor's ``RunRow``: its schedule from
    ``scheduleName``, else from our schedule label (``schedules_by_label``: label -> name)."""
    resource = getattr(job, "gca_resource", job)
    state = getattr(resource.state, "name", str(resource.state))
    label = dict(resource.labels).get("kfp-monorepo-schedule", "")
    schedule = resource.schedule_name or (schedules_by_label or {}).get(label, "")
    return RunRow(
        run_id=resource.name,
        recurring_run_id=schedule,
        display_name=resource.display_name,
        state=STATES.get(state, state.removeprefix("PIPELINE_STATE_")),
        created_at=set_time(resource.create_time),
        scheduled_at=None,  # a Vertex job does not record its slot; created_at stands in
        finished_at=set_time(resource.end_time),
    )


def console_link(resource_name: str, project: str, region: str, kind: str = "runs") -> str:
    """The Google Cloud console page of a job (``kind`` runs) or schedule (schedules)."""
    return (
        f"https://console.cloud.google.com/vertex-ai/locations/{region}/pipelines/{kind}/"
        f"{resource_name.rpartition('/')[2]}?project={project}"
    )
