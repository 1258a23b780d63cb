"""The Vertex AI test server, driven through the real google-cloud-aiplatform SDK (REST
transport) and google-auth's Workload Identity Federation flow, as the tooling will use them.

Each test says which behaviour of the real service it pins down; where it reaches the server
without the SDK (requests), that is to see the wire: status codes, Google's error body, enums.
"""

import datetime as dt
from pathlib import Path
from typing import Any

import google.auth.credentials
import pytest
import requests
from google.api_core import exceptions

from tests.servers.vertex_api import VertexApiServer
from tests.servers.vertex_fixtures import LOCATION, PROJECT, PROJECT_NUMBER, SERVICE_ACCOUNT

UTC = dt.UTC
PARENT = f"projects/{PROJECT}/locations/{LOCATION}"
NUMBERED_PARENT = f"projects/{PROJECT_NUMBER}/locations/{LOCATION}"
PIPELINE_ROOT = "gs://acme-ml-prod-pipelines/root"
PACKAGE_URL = "https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines/price-suggestion-train-model"
VERSION_URI = f"{PACKAGE_URL}/sha256:{'ab' * 32}"
TAG_URI = f"{PACKAGE_URL}/latest"
NIGHTLY_AMSTERDAM = "TZ=Europe/Amsterdam 0 3 * * *"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compiled two-parameter pipeline, as `compile` writes it (once for the module). This
    file has no `from __future__ import annotations`: kfp reads the component's annotations."""
    from kfp import compiler, dsl

    @dsl.component(base_image="python:3.11")
    def train(rows: int, label: str) -> str:
        return f"{label}:{rows}"

    @dsl.pipeline(name="price-suggestion-train-model")
    def pipeline(rows: int = 100, label: str = "price"):
        train(rows=rows, label=label)

    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    compiler.Compiler().compile(pipeline, str(path))
    return path


def build_job(
    aiplatform: Any,
    spec: Path,
    job_id: str,
    *,
    template_uri: str = VERSION_URI,
    labels: dict[str, str] | None = None,
    display_name: str = "price-suggestion/train-model",
) -> Any:
    """A PipelineJob from the local spec that points at its Artifact Registry template, as
    the tooling builds it (submit() would check the GCS pipeline root; we create directly)."""
    job = aiplatform.PipelineJob(
        display_name=display_name,
        template_path=str(spec),
        job_id=job_id,
        pipeline_root=PIPELINE_ROOT,
        parameter_values={"rows": 500},
        enable_caching=False,
        labels={"kfp-monorepo": "managed", **(labels or {})},
    )
    job._gca_resource.template_uri = template_uri
    return job


def create_job(aiplatform: Any, spec: Path, job_id: str, **options: Any) -> Any:
    job = build_job(aiplatform, spec, job_id, **options)
    return job.api_client.create_pipeline_job(
        parent=job._parent, pipeline_job=job._gca_resource, pipeline_job_id=job.job_id
    )


def create_schedule(
    aiplatform: Any,
    spec: Path,
    *,
    cron: str = NIGHTLY_AMSTERDAM,
    template_uri: str = VERSION_URI,
    display_name: str = "price-suggestion/nightly",
    **options: Any,
) -> Any:
    job = build_job(aiplatform, spec, "template", template_uri=template_uri)
    schedule = aiplatform.PipelineJobSchedule(pipeline_job=job, display_name=display_name)
    options.setdefault("max_concurrent_run_count", 1)
    schedule.create(cron=cron, service_account=SERVICE_ACCOUNT, **options)
    return schedule


def api(server: VertexApiServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A raw call with a valid token (the CA is trusted through REQUESTS_CA_BUNDLE)."""
    headers = {"Authorization": f"Bearer {server.token_for('tester@example.com')}"}
    return requests.request(
        method, f"{server.url}/v1/{path}", headers=headers, timeout=10, **kwargs
    )


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# -- auth ------------------------------------------------------------------------------------


def test_credentials_federate_then_impersonate_the_service_account(
    vertex_server, vertex_credentials
):
    import google.auth
    from google.auth.transport.requests import Request

    credentials, project = google.auth.default(
        scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    credentials.refresh(Request())

    assert project == PROJECT
    exchange, impersonation = vertex_server.requests
    assert exchange.path == "/v1/token" and exchange.principal is None
    assert exchange.body["audience"] == vertex_credentials.audience
    assert exchange.body["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert "subject_token" not in exchange.body  # the log keeps no secrets
    assert impersonation.path.endswith(f"/serviceAccounts/{SERVICE_ACCOUNT}:generateAccessToken")
    assert impersonation.principal == vertex_credentials.federated_principal
    assert impersonation.body["scope"] == ["https://www.googleapis.com/auth/cloud-platform"]
    assert credentials.token and credentials.service_account_email == SERVICE_ACCOUNT


def test_unscoped_default_credentials_cannot_impersonate(vertex_server, vertex_credentials):
    """What IAM does to google.auth.default() without scopes=: the flow needs them."""
    import google.auth
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request

    credentials, _ = google.auth.default()
    with pytest.raises(RefreshError, match="Request contains an invalid argument"):
        credentials.refresh(Request())


def test_impersonation_can_be_refused(vertex_server, vertex_credentials):
    import google.auth
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request

    vertex_server.deny("iam.serviceAccounts.getAccessToken")
    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])

    with pytest.raises(
        RefreshError, match=r"getAccessToken\W+ denied on resource \(or it may not exist\)"
    ):
        credentials.refresh(Request())


class RevokedCredentials(google.auth.credentials.Credentials):
    """Credentials whose every refresh yields a token the server never issued."""

    def refresh(self, request: Any) -> None:
        self.token = "ya29.revoked"


def test_calls_without_a_valid_token_are_401(vertex_server, vertex_aiplatform):
    missing = requests.get(f"{vertex_server.url}/v1/{PARENT}/pipelineJobs", timeout=10)
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
    assert missing.json()["error"]["message"].startswith(
        "Request is missing required authentication credential."
    )

    vertex_aiplatform.init(credentials=RevokedCredentials())
    with pytest.raises(exceptions.Unauthorized, match="invalid authentication credentials"):
        vertex_aiplatform.PipelineJob.list()


def test_denied_permission_is_403_with_iams_message(vertex_server, vertex_aiplatform, spec):
    vertex_server.deny("aiplatform.pipelineJobs.create")

    with pytest.raises(exceptions.Forbidden) as denied:
        create_job(vertex_aiplatform, spec, "train-1")

    assert (
        "Permission 'aiplatform.pipelineJobs.create' denied on resource "
        f"'//aiplatform.googleapis.com/{PARENT}' (or it may not exist)."
    ) in denied.value.message
    assert denied.value.reason == "IAM_PERMISSION_DENIED"
    assert vertex_aiplatform.PipelineJob.list() == []  # other permissions still hold


def test_denial_can_target_one_principal(vertex_server, vertex_aiplatform):
    vertex_server.deny("aiplatform.pipelineJobs.list", principal="someone-else@example.com")
    assert vertex_aiplatform.PipelineJob.list() == []
    vertex_server.deny("aiplatform.pipelineJobs.list", principal=SERVICE_ACCOUNT)
    with pytest.raises(exceptions.Forbidden):
        vertex_aiplatform.PipelineJob.list()


def test_another_project_is_403_and_another_location_400(vertex_server):
    other = api(vertex_server, "GET", "projects/someone-else/locations/europe-west4/pipelineJobs")
    assert other.status_code == 403
    assert (
        "'//aiplatform.googleapis.com/projects/someone-else/locations/europe-west4'"
        in (other.json()["error"]["message"])
    )
    elsewhere = api(vertex_server, "GET", f"projects/{PROJECT}/locations/us-central1/pipelineJobs")
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    ("status", "exception", "grpc_status"),
    [
        (429, exceptions.TooManyRequests, "RESOURCE_EXHAUSTED"),
        (503, exceptions.ServiceUnavailable, "UNAVAILABLE"),
    ],
)
def test_injected_faults_reach_the_sdk_as_their_exceptions(
    vertex_server, vertex_aiplatform, spec, status, exception, grpc_status
):
    vertex_aiplatform.PipelineJob.list()  # fetch the token: faults wait for Vertex AI calls
    vertex_server.fail_next(status, path_contains="/pipelineJobs")

    with pytest.raises(exception):
        create_job(vertex_aiplatform, spec, "train-1")
    created = create_job(vertex_aiplatform, spec, "train-1")  # only the next one failed

    assert created.name.endswith("/train-1")
    creates = [
        r for r in vertex_server.requests if r.method == "POST" and "/pipelineJobs" in r.path
    ]
    assert [r.query["pipelineJobId"] for r in creates] == ["train-1", "train-1"]
    vertex_server.fail_next(status)
    body = api(vertex_server, "GET", f"{PARENT}/pipelineJobs").json()
    assert body["error"]["code"] == status and body["error"]["status"] == grpc_status


# -- experiments -------------------------------------------------------------------------------


def test_experiments_get_create_list(vertex_server, vertex_aiplatform):
    aiplatform = vertex_aiplatform
    assert aiplatform.Experiment.get("price-suggestion-training") is None

    created = aiplatform.Experiment.create("price-suggestion-training", description="Prices")
    again = aiplatform.Experiment.get("price-suggestion-training")
    aiplatform.Experiment.create("price-suggestion-tuning")

    expected = f"{NUMBERED_PARENT}/metadataStores/default/contexts/price-suggestion-training"
    assert created.resource_name == again.resource_name == expected
    assert sorted(e.name for e in aiplatform.Experiment.list()) == [
        "price-suggestion-training",
        "price-suggestion-tuning",
    ]
    (context, _) = vertex_server.contexts
    assert context.schema_title == "system.Experiment" and context.description == "Prices"
    store_creations = [r for r in vertex_server.requests if r.path.endswith("/metadataStores")]
    assert [r.query["metadataStoreId"] for r in store_creations] == ["default"]
    with pytest.raises(exceptions.Conflict, match="already exists"):
        aiplatform.Experiment.create("price-suggestion-training")


def test_context_list_filters_on_schema_title(vertex_server, vertex_aiplatform):
    vertex_aiplatform.Experiment.create("price-suggestion-training")
    store = f"{PARENT}/metadataStores/default"
    api(
        vertex_server,
        "POST",
        f"{store}/contexts?contextId=some-run",
        json={"schemaTitle": "system.ExperimentRun"},
    )

    experiments = api(
        vertex_server,
        "GET",
        f"{store}/contexts",
        params={"filter": 'schema_title="system.Experiment"'},
    )
    everything = api(vertex_server, "GET", f"{store}/contexts").json()["contexts"]
    missing = api(vertex_server, "GET", f"{store}/contexts/nothing-here")

    assert [c["name"].rsplit("/", 1)[1] for c in experiments.json()["contexts"]] == [
        "price-suggestion-training"
    ]
    assert len(everything) == 2
    assert missing.status_code == 404
    assert "GetContext is unable to find context resource" in missing.json()["error"]["message"]


def test_context_patch_updates_the_fields_given(vertex_server, vertex_aiplatform):
    experiment = vertex_aiplatform.Experiment.create("price-suggestion-training")
    context = experiment._metadata_context
    context.update(description="New words")

    (record,) = vertex_server.contexts
    assert record.description == "New words" and record.etag == 2
    assert record.metadata == {"experiment_deleted": False}


# -- pipeline jobs -----------------------------------------------------------------------------


def test_create_pipeline_job_from_a_local_spec(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 9))
    created = create_job(vertex_aiplatform, spec, "price-suggestion-train-model-1")

    assert created.name == f"{NUMBERED_PARENT}/pipelineJobs/price-suggestion-train-model-1"
    assert created.state.name == "PIPELINE_STATE_PENDING"
    assert created.create_time.isoformat() == "2026-12-01T09:00:00+00:00"
    assert created.template_uri == VERSION_URI
    assert created.template_metadata.version == f"sha256:{'ab' * 32}"
    assert created.labels["kfp-monorepo"] == "managed"
    assert "vertex-ai-pipelines-run-billing-id" in created.labels
    assert created.service_account == f"{PROJECT_NUMBER}-compute@developer.gserviceaccount.com"
    assert created.runtime_config.gcs_output_directory == PIPELINE_ROOT
    assert created.runtime_config.parameter_values["rows"] == 500
    assert created.pipeline_spec["pipelineInfo"]["name"] == "price-suggestion-train-model"

    fetched = vertex_aiplatform.PipelineJob.get(created.name)
    assert fetched.state.name == "PIPELINE_STATE_RUNNING"
    assert fetched.gca_resource.start_time == created.create_time


def test_job_ids_are_unique_and_well_formed(vertex_server, vertex_aiplatform, spec):
    create_job(vertex_aiplatform, spec, "train-1")
    with pytest.raises(
        exceptions.Conflict, match="Pipeline job with the specified ID already exists"
    ):
        create_job(vertex_aiplatform, spec, "train-1")

    job = build_job(vertex_aiplatform, spec, "train-2")
    with pytest.raises(exceptions.BadRequest, match="pipeline_job_id"):
        job.api_client.create_pipeline_job(
            parent=job._parent, pipeline_job=job._gca_resource, pipeline_job_id="Train_2"
        )


def test_job_runs_then_succeeds_after_the_run_duration(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 9))
    created = create_job(vertex_aiplatform, spec, "train-1")
    vertex_server.advance(dt.timedelta(minutes=29))
    assert vertex_aiplatform.PipelineJob.get(created.name).state.name == "PIPELINE_STATE_RUNNING"

    vertex_server.advance(dt.timedelta(minutes=1))
    finished = vertex_aiplatform.PipelineJob.get(created.name)
    assert finished.state.name == "PIPELINE_STATE_SUCCEEDED"
    assert finished.gca_resource.end_time.isoformat() == "2026-12-01T09:30:00+00:00"


def test_tests_can_fail_or_prolong_runs(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 9))
    first = create_job(vertex_aiplatform, spec, "train-1")
    second = create_job(vertex_aiplatform, spec, "train-2", display_name="price-suggestion/slow")
    vertex_server.finish_jobs_after(
        dt.timedelta(hours=30), where=lambda job: job.display_name.endswith("/slow")
    )

    vertex_server.set_job_state(first.name, "PIPELINE_STATE_FAILED", end_time=at(2026, 12, 1, 9, 5))
    vertex_server.advance(dt.timedelta(hours=29))

    failed = vertex_aiplatform.PipelineJob.get(first.name)
    assert failed.state.name == "PIPELINE_STATE_FAILED"
    assert failed.gca_resource.end_time.isoformat() == "2026-12-01T09:05:00+00:00"
    assert "some tasks failed" in failed.gca_resource.error.message
    assert vertex_aiplatform.PipelineJob.get(second.name).state.name == "PIPELINE_STATE_RUNNING"


def test_cancel_then_delete(vertex_server, vertex_aiplatform, spec):
    created = create_job(vertex_aiplatform, spec, "train-1")
    job = vertex_aiplatform.PipelineJob.get(created.name)
    with pytest.raises(exceptions.BadRequest, match="terminal state"):
        job.delete()

    job.cancel()
    assert job.state.name == "PIPELINE_STATE_CANCELLED"
    job.delete()

    with pytest.raises(exceptions.NotFound):
        vertex_aiplatform.PipelineJob.get(created.name)
    deletes = [r.path for r in vertex_server.requests if r.method == "DELETE"]
    assert deletes == [f"/v1/{NUMBERED_PARENT}/pipelineJobs/train-1"] * 2


def test_list_filters(vertex_server, vertex_aiplatform, spec):
    aiplatform = vertex_aiplatform
    vertex_server.clock.set(at(2026, 11, 30, 12))
    create_job(aiplatform, spec, "old", labels={"team": "pricing"})
    vertex_server.clock.set(at(2026, 12, 1, 12))
    create_job(aiplatform, spec, "new", labels={"team": "pricing"})
    create_job(aiplatform, spec, "other", display_name="search/rank")
    vertex_server.set_job_state("other", "PIPELINE_STATE_FAILED")

    def names(filter_: str) -> list[str]:
        return sorted(job.name for job in aiplatform.PipelineJob.list(filter=filter_))

    assert names('labels.kfp-monorepo="managed" AND create_time>="2026-12-01T00:00:00Z"') == [
        "new",
        "other",
    ]
    assert names('labels.team="pricing" AND create_time<2026-12-01T00:00:00Z') == ["old"]
    assert names("state=PIPELINE_STATE_FAILED") == ["other"]
    assert names('display_name="price-suggestion/*"') == ["new", "old"]
    # "old" has finished (runs take 30 minutes); NOT applies to the restriction next to it
    assert names('NOT labels:team OR state="PIPELINE_STATE_RUNNING"') == ["new", "other"]
    assert names(
        '(labels.team:* AND create_time<"2026-12-01T00:00:00Z") OR display_name="search/rank"'
    ) == [
        "old",
        "other",
    ]
    assert names("labels.team!=pricing") == ["other"]
    for unsupported in (
        "pipeline_spec.x=1",
        "state<PIPELINE_STATE_FAILED",
        'create_time>"yesterday"',
        "state=NOPE",
    ):
        with pytest.raises(exceptions.BadRequest) as refused:
            aiplatform.PipelineJob.list(filter=unsupported)
        assert refused.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_list_pages_newest_first(vertex_server, vertex_aiplatform, spec):
    for hour in range(5):
        vertex_server.clock.set(at(2026, 12, 1, hour))
        create_job(vertex_aiplatform, spec, f"train-{hour}")
    client = vertex_aiplatform.PipelineJob._empty_constructor().api_client

    pager = client.list_pipeline_jobs(request={"parent": PARENT, "page_size": 2})
    pages = [[job.name.rsplit("/", 1)[1] for job in page.pipeline_jobs] for page in pager.pages]
    ascending = client.list_pipeline_jobs(request={"parent": PARENT, "order_by": "create_time"})

    assert pages == [["train-4", "train-3"], ["train-2", "train-1"], ["train-0"]]
    assert [job.name[-1] for job in ascending] == ["0", "1", "2", "3", "4"]
    first = api(vertex_server, "GET", f"{PARENT}/pipelineJobs", params={"pageSize": 2}).json()
    reused = api(
        vertex_server,
        "GET",
        f"{PARENT}/pipelineJobs",
        params={
            "pageSize": 2,
            "pageToken": first["nextPageToken"],
            "filter": "state=PIPELINE_STATE_RUNNING",
        },
    )
    assert reused.status_code == 400 and "page_token" in reused.json()["error"]["message"]


def test_enums_are_numbers_only_when_asked(vertex_server, vertex_aiplatform, spec):
    created = create_job(vertex_aiplatform, spec, "train-1")
    path = created.name
    assert api(vertex_server, "GET", path).json()["state"] == "PIPELINE_STATE_RUNNING"
    assert (
        api(vertex_server, "GET", path, params={"$alt": "json;enum-encoding=int"}).json()["state"]
        == 3
    )


# -- schedules -----------------------------------------------------------------------------------


def test_schedule_lifecycle_through_the_sdk(vertex_server, vertex_aiplatform, spec):
    aiplatform = vertex_aiplatform
    vertex_server.clock.set(at(2026, 12, 1, 12))
    schedule = create_schedule(aiplatform, spec)

    resource = schedule.gca_resource
    assert resource.name.startswith(f"{NUMBERED_PARENT}/schedules/")
    assert resource.name.rsplit("/", 1)[1].isdigit()
    assert resource.state.name == "ACTIVE" and resource.max_concurrent_run_count == 1
    assert resource.next_run_time.isoformat() == "2026-12-02T02:00:00+00:00"  # 03:00 CET
    request = resource.create_pipeline_job_request
    assert request.pipeline_job.service_account == SERVICE_ACCOUNT
    assert request.pipeline_job.template_uri == VERSION_URI
    assert request.pipeline_job.labels["kfp-monorepo"] == "managed"

    listed = aiplatform.PipelineJobSchedule.list(filter='display_name="price-suggestion/nightly"')
    assert [s.resource_name for s in listed] == [schedule.resource_name]

    schedule.pause()
    assert schedule.state.name == "PAUSED"
    assert [
        s.resource_name for s in aiplatform.PipelineJobSchedule.list(filter="state=PAUSED")
    ] == [schedule.resource_name]
    schedule.resume(catch_up=False)
    assert schedule.state.name == "ACTIVE" and schedule.gca_resource.last_pause_time

    schedule.update(
        display_name="price-suggestion/nightly-v2", cron="TZ=Europe/Amsterdam 0 4 * * *"
    )
    (patch,) = [r for r in vertex_server.requests if r.method == "PATCH"]
    assert set(patch.query["updateMask"].split(",")) == {"displayName", "cron"}
    assert vertex_server.schedule(schedule.resource_name).cron == "TZ=Europe/Amsterdam 0 4 * * *"
    with pytest.raises(exceptions.BadRequest, match="Invalid cron"):
        schedule.update(display_name="half-applied", cron="TZ=Mars/Olympus 0 4 * * *")
    assert vertex_server.schedule(schedule.resource_name).display_name.endswith("nightly-v2")

    schedule.delete()
    with pytest.raises(exceptions.NotFound):
        aiplatform.PipelineJobSchedule.get(schedule.resource_name)


@pytest.mark.parametrize(
    "cron",
    ["TZ=Europe/Amsterdm 0 3 * * *", "0 3 * *", "0 0 3 * * *", "CRON_TZ=UTC 61 3 * * *"],
)
def test_invalid_cron_is_400(vertex_server, vertex_aiplatform, spec, cron):
    with pytest.raises(exceptions.BadRequest, match="Invalid cron"):
        create_schedule(vertex_aiplatform, spec, cron=cron)


# PipelineJobSchedule.list_jobs() logs through the deprecated Logger.warn.
@pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")
def test_schedule_fires_in_its_zone_across_a_dst_change(vertex_server, vertex_aiplatform, spec):
    aiplatform = vertex_aiplatform
    vertex_server.clock.set(at(2026, 3, 27, 12))
    schedule = create_schedule(aiplatform, spec)

    fired = vertex_server.advance_to(at(2026, 3, 29, 12))
    vertex_server.clock.set(at(2026, 3, 30, 12))  # a bare clock move: the next call catches up
    runs = sorted(schedule.list_jobs(), key=lambda job: job.create_time)

    assert [job.create_time for job in fired] == [at(2026, 3, 28, 2), at(2026, 3, 29, 1)]
    assert [job.create_time.isoformat() for job in runs] == [
        "2026-03-28T02:00:00+00:00",  # 03:00 CET
        "2026-03-29T01:00:00+00:00",  # 03:00 CEST, after the clocks went forward
        "2026-03-30T01:00:00+00:00",
    ]
    run = aiplatform.PipelineJob.get(runs[0].resource_name).gca_resource
    assert run.schedule_name == schedule.resource_name
    assert run.service_account == SERVICE_ACCOUNT
    assert run.template_uri == VERSION_URI and run.template_metadata.version
    assert run.labels["kfp-monorepo"] == "managed"
    assert run.runtime_config.parameter_values["rows"] == 500
    assert run.state.name == "PIPELINE_STATE_SUCCEEDED"
    assert schedule.gca_resource.started_run_count == 0  # the SDK object is stale...
    assert (
        aiplatform.PipelineJobSchedule.get(schedule.resource_name).gca_resource.started_run_count
        == 3
    )


def test_a_full_schedule_skips_runs_unless_it_queues(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 12))
    vertex_server.finish_jobs_after(dt.timedelta(hours=30))  # each run overlaps the next night
    skipping = create_schedule(vertex_aiplatform, spec, display_name="skips")
    queueing = create_schedule(vertex_aiplatform, spec, display_name="queues", allow_queueing=True)

    vertex_server.advance_to(at(2026, 12, 4, 12))

    def run_starts(schedule: Any) -> list[dt.datetime]:
        jobs = vertex_server.jobs
        return [j.create_time for j in jobs if j.schedule_name == schedule.resource_name]

    # Runs start 02:00Z Dec 2, end 08:00Z Dec 3. Dec 3 02:00Z is skipped, or queued and
    # started when the first run ends; Dec 4 02:00Z meets a full schedule again.
    assert run_starts(skipping) == [at(2026, 12, 2, 2), at(2026, 12, 4, 2)]
    assert run_starts(queueing) == [at(2026, 12, 2, 2), at(2026, 12, 3, 8)]
    assert vertex_server.schedule(skipping.resource_name).skipped == [at(2026, 12, 3, 2)]
    assert vertex_server.schedule(queueing.resource_name).queued == [at(2026, 12, 4, 2)]


def test_pause_misses_runs_and_only_catch_up_backfills(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 12))
    schedule = create_schedule(vertex_aiplatform, spec)

    schedule.pause()
    vertex_server.advance_to(at(2026, 12, 3, 12))
    schedule.resume(catch_up=False)  # the SDK drops catch_up; no backfill either way
    assert vertex_server.jobs == []
    (resume,) = [r for r in vertex_server.requests if r.path.endswith(":resume")]
    assert "catchUp" not in resume.body

    schedule.pause()
    vertex_server.advance_to(at(2026, 12, 5, 12))
    schedule.api_client.resume_schedule(name=schedule.resource_name, catch_up=True)

    backfilled = vertex_server.jobs
    assert [job.create_time for job in backfilled] == [at(2026, 12, 5, 12)]  # one slot...
    assert vertex_server.schedule(schedule.resource_name).catch_up is True
    vertex_server.advance(dt.timedelta(minutes=30))  # ...the second when the first is done
    assert [job.create_time for job in vertex_server.jobs] == [
        at(2026, 12, 5, 12),
        at(2026, 12, 5, 12, 30),
    ]


def test_a_run_from_a_template_tag_fails(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 12))
    create_schedule(vertex_aiplatform, spec, template_uri=TAG_URI, display_name="by-tag")
    create_schedule(vertex_aiplatform, spec, display_name="by-version")

    by_tag, by_version = vertex_server.advance_to(at(2026, 12, 2, 12))

    run = vertex_aiplatform.PipelineJob.get(by_tag.name)
    assert run.state.name == "PIPELINE_STATE_FAILED"
    assert "tag 'latest'" in run.gca_resource.error.message
    assert "sha256:" in run.gca_resource.error.message
    assert (
        vertex_aiplatform.PipelineJob.get(by_version.name).state.name == "PIPELINE_STATE_SUCCEEDED"
    )


def test_max_run_count_completes_the_schedule(vertex_server, vertex_aiplatform, spec):
    vertex_server.clock.set(at(2026, 12, 1, 12))
    schedule = create_schedule(vertex_aiplatform, spec, cron="0 * * * *", max_run_count=2)

    vertex_server.advance_to(at(2026, 12, 1, 18))

    assert len(vertex_server.jobs) == 2
    assert schedule.state.name == "COMPLETED"
    assert not schedule.gca_resource.next_run_time


def test_schedule_list_pages_and_operations_are_done(vertex_server, vertex_aiplatform, spec):
    for index in range(3):
        create_schedule(vertex_aiplatform, spec, display_name=f"nightly-{index}")
    first = api(vertex_server, "GET", f"{PARENT}/schedules", params={"pageSize": 2}).json()
    second = api(
        vertex_server,
        "GET",
        f"{PARENT}/schedules",
        params={"pageSize": 2, "pageToken": first["nextPageToken"]},
    ).json()
    assert [s["displayName"] for s in first["schedules"] + second["schedules"]] == [
        "nightly-2",
        "nightly-1",
        "nightly-0",
    ]
    assert "nextPageToken" not in second
    assert first["schedules"][0]["maxConcurrentRunCount"] == "1"  # int64 as a JSON string

    deleted = api(vertex_server, "DELETE", first["schedules"][0]["name"]).json()
    polled = api(vertex_server, "GET", deleted["name"]).json()
    assert deleted["done"] is True and polled == deleted
    assert deleted["name"].startswith(first["schedules"][0]["name"] + "/operations/")
