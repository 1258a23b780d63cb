"""The KFP API test server against the real `kfp.Client`, and raw HTTP where the client can't ask.

What each test pins down is the real server's behaviour at backend tag 2.17.0, read from its
source (https://github.com/kubeflow/pipelines/tree/2.17.0/backend/src/apiserver). (No
`from __future__ import annotations`: the KFP SDK reads the component's annotations as real types.)
"""

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers.kfp_api import KfpApiServer

PIPELINE = "demo-pipeline"
UPLOAD_CONFLICT = {
    "error_message": "Failed to create a pipeline and a pipeline version",
    "error_details": "Failed to create a pipeline and a pipeline version",
}
REPO_ROOT = Path(__file__).resolve().parents[2]


# -- helpers ---------------------------------------------------------------------------------


def compile_pipeline(path: Path, *, name: str = PIPELINE, default: int = 1) -> Path:
    from kfp import compiler, dsl

    @dsl.component(base_image="python:3.11")
    def add(a: int, b: int) -> int:
        return a + b

    @dsl.pipeline
    def demo(x: int = default) -> None:
        add(a=x, b=2)

    compiler.Compiler().compile(demo, str(path), pipeline_name=name)
    return path


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_pipeline(tmp_path_factory.mktemp("spec") / "demo.yaml")


@pytest.fixture
def client(kfp_server: KfpApiServer, kfp_client_factory):
    return kfp_client_factory(kfp_server)


class Raw:
    """One HTTP exchange: status, headers and the body (text and, when JSON, parsed)."""

    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status, self.headers, self.text = status, headers, body.decode()
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None


def raw(
    server: KfpApiServer,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    body: object = None,
    headers: dict | None = None,
    files: dict[str, tuple[str, bytes]] | None = None,
) -> Raw:
    url = server.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data, all_headers = None, dict(headers or {})
    if files is not None:
        boundary = "kfp-test-boundary"
        parts = []
        for field, (filename, content) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        all_headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Raw(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Raw(error.code, error.headers, error.read())


def name_filter(value: str, *, key: str = "name", spelling: str = "string_value", op=1) -> str:
    return json.dumps({"predicates": [{"operation": op, "key": key, spelling: value}]})


def create_pipeline(server: KfpApiServer, name: str, **fields) -> Raw:
    return raw(server, "POST", "/apis/v2beta1/pipelines", body={"name": name, **fields})


# -- healthz and response shape ----------------------------------------------------------------


def test_healthz_reports_the_mode_and_store(kfp_server, kfp_server_multi_user):
    single = raw(kfp_server, "GET", "/apis/v2beta1/healthz")
    assert single.status == 200
    assert single.json == {
        "commit_sha": "4a3592cb2d",
        "tag_name": "2.17.0",
        "multi_user": False,
        "pipeline_store": "database",
    }
    assert raw(kfp_server_multi_user, "GET", "/apis/v2beta1/healthz").json["multi_user"] is True
    assert "pipeline_store" not in raw(kfp_server, "GET", "/apis/v1beta1/healthz").json


def test_json_is_snake_case_with_empty_fields_omitted(kfp_server):
    """Section 1.3: proto names, EmitUnpopulated=false, RFC 3339 timestamps."""
    created = create_pipeline(kfp_server, "bare")
    assert created.status == 200
    assert set(created.json) == {"pipeline_id", "name", "display_name", "created_at"}
    assert created.json["created_at"].endswith("Z")
    assert (
        raw(kfp_server, "GET", "/apis/v2beta1/pipelines", query={"filter": name_filter("x")}).json
        == {}
    )
    versions = f"/apis/v2beta1/pipelines/{created.json['pipeline_id']}/versions"
    assert raw(kfp_server, "GET", versions).json == {}


# -- upload --------------------------------------------------------------------------------------


def test_upload_pipeline_creates_the_pipeline_and_a_first_version_named_after_it(
    kfp_server, client, package
):
    """Section 2.1: `upload` also creates a version whose name is the pipeline's name."""
    pipeline = client.upload_pipeline(str(package), pipeline_name=PIPELINE, description="d")
    assert (pipeline.name, pipeline.display_name, pipeline.description) == (PIPELINE, PIPELINE, "d")
    assert pipeline.namespace is None

    versions = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    assert [v.name for v in versions] == [PIPELINE]
    assert versions[0].pipeline_spec["pipelineInfo"]["name"] == PIPELINE
    assert [p.name for p in kfp_server.pipelines] == [PIPELINE]
    upload = next(r for r in kfp_server.requests if r.path.endswith("/upload"))
    assert upload.query["name"] == [PIPELINE]


def test_upload_pipeline_version_adds_a_named_version(kfp_server, client, package, tmp_path):
    pipeline = client.upload_pipeline(str(package), pipeline_name=PIPELINE)
    changed = compile_pipeline(tmp_path / "changed.yaml", default=5)

    version = client.upload_pipeline_version(
        str(changed), "main-abc123", pipeline_id=pipeline.pipeline_id, description="vd"
    )

    assert (version.name, version.display_name, version.description) == (
        "main-abc123",
        "main-abc123",
        "vd",
    )
    assert version.pipeline_id == pipeline.pipeline_id
    root_inputs = version.pipeline_spec["root"]["inputDefinitions"]["parameters"]
    assert root_inputs["x"]["defaultValue"] == 5
    fetched = client.get_pipeline_version(pipeline.pipeline_id, version.pipeline_version_id)
    assert fetched.pipeline_spec == version.pipeline_spec
    latest = client.list_pipeline_versions(pipeline.pipeline_id, sort_by="created_at desc")
    assert [v.name for v in latest.pipeline_versions] == ["main-abc123", PIPELINE]


def test_duplicate_uploads_are_409_with_the_upload_error_body(client, package):
    """Section 2.2: the upload endpoints' 409 is `{"error_message", "error_details"}`."""
    from kfp_server_api import ApiException

    pipeline = client.upload_pipeline(str(package), pipeline_name=PIPELINE)
    with pytest.raises(ApiException) as duplicate_pipeline:
        client.upload_pipeline(str(package), pipeline_name=PIPELINE)
    assert duplicate_pipeline.value.status == 409
    assert json.loads(duplicate_pipeline.value.body) == UPLOAD_CONFLICT

    client.upload_pipeline_version(str(package), "v1", pipeline_id=pipeline.pipeline_id)
    for taken in ("v1", PIPELINE):  # the first version holds the pipeline's own name
        with pytest.raises(ApiException) as duplicate_version:
            client.upload_pipeline_version(str(package), taken, pipeline_id=pipeline.pipeline_id)
        assert duplicate_version.value.status == 409
        assert json.loads(duplicate_version.value.body) == {
            "error_message": "Failed to create a pipeline version",
            "error_details": "Failed to create a pipeline version",
        }


def test_duplicate_json_creates_are_409_with_a_grpc_status_body(kfp_server, client):
    """Section 2.2: JSON endpoints answer `{"code": 6, "message", "details": [Status]}`."""
    from kfp_server_api import ApiException, V2beta1Experiment, V2beta1Pipeline

    client.pipelines.pipeline_service_create_pipeline(V2beta1Pipeline(name="p1"))
    with pytest.raises(ApiException) as duplicate_pipeline:
        client.pipelines.pipeline_service_create_pipeline(V2beta1Pipeline(name="p1"))
    assert duplicate_pipeline.value.status == 409
    body = json.loads(duplicate_pipeline.value.body)
    assert body["code"] == 6
    assert "The name p1 already exist. Please specify a new name" in body["message"]
    assert body["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.Status",
            "code": 6,
            "message": "Failed to create a new pipeline. The name p1 already exist. "
            "Please specify a new name",
        }
    ]

    experiment = V2beta1Experiment(display_name="proj/exp")
    client.experiments.experiment_service_create_experiment(experiment)
    with pytest.raises(ApiException) as duplicate_experiment:
        client.experiments.experiment_service_create_experiment(experiment)
    assert duplicate_experiment.value.status == 409
    assert json.loads(duplicate_experiment.value.body) == {
        "code": 6,
        "message": "Failed to create a experiment: Already exist error: Failed to create a new "
        "experiment. The name proj/exp already exists. Please specify a new name",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.Status",
                "code": 6,
                "message": "Failed to create a new experiment. The name proj/exp already exists. "
                "Please specify a new name",
            }
        ],
    }


def test_create_pipeline_makes_no_phantom_version(kfp_server, client, package):
    from kfp_server_api import V2beta1Pipeline

    pipeline = client.pipelines.pipeline_service_create_pipeline(
        V2beta1Pipeline(name=PIPELINE, display_name="proj/demo")
    )
    assert client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions is None
    version = client.upload_pipeline_version(str(package), "v1", pipeline_id=pipeline.pipeline_id)
    assert [v.name for v in kfp_server.versions] == ["v1"]
    assert version.display_name == "v1"


def test_bad_pipeline_info_name_is_400(client, tmp_path):
    """Section 3: every upload checks `pipelineInfo.name` against ^[a-z0-9][a-z0-9-]{0,127}$."""
    from kfp_server_api import ApiException

    bad = compile_pipeline(tmp_path / "bad.yaml", name="Bad_Name")
    with pytest.raises(ApiException) as rejected:
        client.upload_pipeline(str(bad), pipeline_name="fine")
    assert rejected.value.status == 400
    assert json.loads(rejected.value.body)["error_message"] == (
        "pipeline's name must contain only lowercase alphanumeric characters or '-' and must "
        "start with alphanumeric characters"
    )


def test_filename_must_end_in_yaml_yml_or_json(kfp_server, package):
    """Section 0.2: other names are rejected unless the bytes are a zip or tar.gz."""
    spec = package.read_bytes()
    rejected = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/pipelines/upload",
        query={"name": PIPELINE},
        files={"uploadfile": ("pipeline.txt", spec)},
    )
    assert rejected.status == 400
    assert rejected.json["error_message"] == "Failed to read a pipeline spec file"
    assert not kfp_server.pipelines

    accepted = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/pipelines/upload",
        query={"name": PIPELINE},
        files={"uploadfile": ("pipeline.yml", spec)},
    )
    assert accepted.status == 200
    version = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/pipelines/upload_version",
        query={"name": "v2", "pipelineid": accepted.json["pipeline_id"]},
        files={"uploadfile": ("pipeline", spec)},
    )
    assert (version.status, version.json["error_message"]) == (
        400,
        "Failed to create a pipeline version",
    )


def test_upload_metadata_is_read_from_the_query_not_the_form(kfp_server, package):
    """Section 0.1: without `name` in the query the pipeline is named after the file."""
    response = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/pipelines/upload",
        files={"uploadfile": ("demo.yaml", package.read_bytes())},
    )
    assert response.json["name"] == "demo.yaml"
    missing_file = raw(kfp_server, "POST", "/apis/v2beta1/pipelines/upload", query={"name": "x"})
    assert (missing_file.status, missing_file.json["error_message"]) == (
        400,
        "Failed to read pipeline from file",
    )


def test_name_length_limits(kfp_server, package):
    """Section 3: pipeline names up to 128 bytes, version names up to 127 (text/plain 400)."""
    spec = {"uploadfile": ("p.yaml", package.read_bytes())}
    upload = "/apis/v2beta1/pipelines/upload"
    too_long = raw(kfp_server, "POST", upload, query={"name": "p" * 129}, files=spec)
    assert too_long.status == 400
    assert too_long.headers["Content-Type"].startswith("text/plain")
    assert too_long.text == "Invalid input error: Pipeline.Name length cannot exceed 128\n"
    longest = raw(kfp_server, "POST", upload, query={"name": "é" * 64}, files=spec)
    assert longest.status == 200

    upload_version = "/apis/v2beta1/pipelines/upload_version"
    query = {"pipelineid": longest.json["pipeline_id"]}
    version = raw(
        kfp_server, "POST", upload_version, query={**query, "name": "v" * 128}, files=spec
    )
    assert version.text == "Invalid input error: PipelineVersion.Name length cannot exceed 127\n"
    ok = raw(kfp_server, "POST", upload_version, query={**query, "name": "v" * 127}, files=spec)
    assert ok.status == 200

    json_endpoint = create_pipeline(kfp_server, "p" * 129)
    assert json_endpoint.status == 500  # the API converter's quirk (server/api_converter.go)
    assert json_endpoint.json["details"][0]["message"] == "Internal Server Error"


def test_kubernetes_store_takes_only_dns_1123_names(
    kfp_server_factory, kfp_client_factory, package
):
    """Section 3: on the Kubernetes-native store names become custom-resource names."""
    from kfp_server_api import ApiException

    server = kfp_server_factory(pipeline_store="kubernetes")
    client = kfp_client_factory(server)
    assert client.get_kfp_healthz().pipeline_store == "kubernetes"
    with pytest.raises(ApiException) as bad_pipeline:
        client.upload_pipeline(str(package), pipeline_name="Proj/Demo")
    assert bad_pipeline.value.status == 400
    assert json.loads(bad_pipeline.value.body)["error_message"].startswith(
        'Invalid pipeline name "Proj/Demo"'
    )
    pipeline = client.upload_pipeline(str(package), pipeline_name="proj-demo")
    with pytest.raises(ApiException) as bad_version:
        client.upload_pipeline_version(str(package), "feature/x", pipeline_id=pipeline.pipeline_id)
    assert bad_version.value.status == 400
    longest = client.upload_pipeline(str(package), pipeline_name="p" * 128)
    with pytest.raises(ApiException) as too_long:  # 128 + "-" + 127 > 253
        client.upload_pipeline_version(str(package), "v" * 127, pipeline_id=longest.pipeline_id)
    assert "253-character naming limit" in json.loads(too_long.value.body)["error_message"]
    version = client.upload_pipeline_version(
        str(package), "feature-x-0123abc", pipeline_id=pipeline.pipeline_id
    )
    assert version.name == "feature-x-0123abc"


def test_concurrent_uploads_of_one_name_create_it_once(kfp_server, client, package):
    """Racing CI jobs: the server serves them in parallel and exactly one upload wins."""
    from concurrent.futures import ThreadPoolExecutor

    from kfp_server_api import ApiException

    kfp_server.set_latency(0.05)  # every request in flight at once, as with --jobs 8

    def upload(_: int) -> int:
        try:
            client.upload_pipeline(str(package), pipeline_name=PIPELINE)
        except ApiException as error:
            return error.status
        return 200

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(upload, range(8)))
    assert statuses == [200] + [409] * 7
    assert [(p.name, len(kfp_server.store.versions_of(p.uuid))) for p in kfp_server.pipelines] == [
        (PIPELINE, 1)
    ]


# -- listing -------------------------------------------------------------------------------------


def test_list_pagination_follows_next_page_token(kfp_server, client):
    """Section 1.4: page_size 20 by default, clamped to 200, opaque next_page_token."""
    for index in range(25):
        assert create_pipeline(kfp_server, f"p{index:02d}").status == 200

    first = client.list_pipelines(page_size=10)
    second = client.list_pipelines(page_size=10, page_token=first.next_page_token)
    third = client.list_pipelines(page_size=10, page_token=second.next_page_token)
    names = [p.name for page in (first, second, third) for p in page.pipelines]
    assert names == [f"p{index:02d}" for index in range(25)]  # created_at ascending
    assert (first.total_size, third.total_size, third.next_page_token) == (25, 25, None)

    default = raw(kfp_server, "GET", "/apis/v2beta1/pipelines")
    assert len(default.json["pipelines"]) == 20

    for index in range(25, 205):
        create_pipeline(kfp_server, f"p{index:03d}")
    clamped = client.list_pipelines(page_size=500)
    assert (len(clamped.pipelines), clamped.total_size) == (200, 205)
    negative = raw(kfp_server, "GET", "/apis/v2beta1/pipelines", query={"page_size": -1})
    assert negative.status == 400


def test_sort_by_and_token_consistency(kfp_server, client):
    from kfp_server_api import ApiException

    for name in ("b", "c", "a"):
        create_pipeline(kfp_server, name)
    assert [p.name for p in client.list_pipelines(sort_by="name desc").pipelines] == ["c", "b", "a"]

    page = client.list_pipelines(page_size=1, sort_by="name")
    assert page.pipelines[0].name == "a"
    same_sort = client.list_pipelines(page_size=1, sort_by="name", page_token=page.next_page_token)
    assert same_sort.pipelines[0].name == "b"
    with pytest.raises(ApiException) as mismatch:
        client.list_pipelines(page_size=1, sort_by="created_at", page_token=page.next_page_token)
    assert mismatch.value.status == 400
    with pytest.raises(ApiException) as bad_field:
        client.list_pipelines(sort_by="colour")
    assert bad_field.value.status == 400


@pytest.mark.parametrize("spelling", ["string_value", "stringValue"])
@pytest.mark.parametrize("operation", [1, "EQUALS"])
def test_filter_by_name_in_both_key_spellings(kfp_server, client, spelling, operation):
    create_pipeline(kfp_server, "proj-a", display_name="shared title")
    create_pipeline(kfp_server, "proj-b", display_name="shared title")

    found = client.list_pipelines(filter=name_filter("proj-b", spelling=spelling, op=operation))
    assert [p.name for p in found.pipelines] == ["proj-b"]
    by_title = client.list_pipelines(
        filter=name_filter("shared title", key="display_name", spelling=spelling)
    )
    assert by_title.total_size == 2  # display_name is not unique


def test_filter_is_url_decoded_twice(kfp_server, client):
    """Section 1.4: a `+` in the value becomes a space unless the JSON is encoded first."""
    from kfp_server_api import ApiException

    create_pipeline(kfp_server, "a b")
    create_pipeline(kfp_server, "a+b")
    plain = client.list_pipelines(filter=name_filter("a+b"))
    assert [p.name for p in plain.pipelines] == ["a b"]
    pre_encoded = client.list_pipelines(filter=urllib.parse.quote(name_filter("a+b")))
    assert [p.name for p in pre_encoded.pipelines] == ["a+b"]
    with pytest.raises(ApiException) as bare_percent:
        client.list_pipelines(filter=name_filter("100%"))
    assert bare_percent.value.status == 400
    with pytest.raises(ApiException) as unknown_key:
        client.list_pipelines(filter=name_filter("x", key="colour"))
    assert unknown_key.value.status == 400


def test_get_pipeline_id_and_get_by_unique_name(kfp_server, client):
    created = create_pipeline(kfp_server, "proj-a", display_name="proj/a").json
    assert client.get_pipeline_id("proj/a") == created["pipeline_id"]  # filters on display_name

    by_name = raw(kfp_server, "GET", "/apis/v2beta1/pipelines/names/proj-a")
    assert by_name.json["pipeline_id"] == created["pipeline_id"]
    missing = raw(kfp_server, "GET", "/apis/v2beta1/pipelines/names/nope", query={"namespace": ""})
    assert missing.status == 404
    assert missing.json["code"] == 5
    assert missing.json["details"][0]["message"] == "Namespace/Pipeline /nope not found"


def test_experiments_get_or_create_and_list(kfp_server, client):
    experiment = client.create_experiment("proj/exp", description="d")
    again = client.create_experiment("proj/exp")
    assert again.experiment_id == experiment.experiment_id
    assert (
        client.get_experiment(experiment_name="proj/exp").experiment_id == experiment.experiment_id
    )
    names = [e.display_name for e in client.list_experiments().experiments]
    assert names == ["Default", "proj/exp"]  # single-user servers create "Default" at start-up
    fetched = raw(kfp_server, "GET", f"/apis/v2beta1/experiments/{experiment.experiment_id}")
    assert fetched.json["storage_state"] == "AVAILABLE"
    assert fetched.json["last_run_created_at"] == "1970-01-01T00:00:00Z"


def test_archived_experiments_keep_their_name_and_the_default_cannot_be_deleted(client):
    """Section 2.1: experiment names are unique per namespace, archived ones included."""
    from kfp_server_api import ApiException, V2beta1Experiment

    experiment = client.create_experiment("proj/exp")
    client.archive_experiment(experiment.experiment_id)
    assert client.get_experiment(experiment.experiment_id).storage_state == "ARCHIVED"
    with pytest.raises(ApiException) as taken:
        client.experiments.experiment_service_create_experiment(
            V2beta1Experiment(display_name="proj/exp")
        )
    assert taken.value.status == 409
    client.unarchive_experiment(experiment.experiment_id)
    assert client.get_experiment(experiment.experiment_id).storage_state == "AVAILABLE"

    default = client.get_experiment(experiment_name="Default")
    with pytest.raises(ApiException) as protected:
        client.delete_experiment(default.experiment_id)
    assert protected.value.status == 409  # codes.Aborted
    client.delete_experiment(experiment.experiment_id)
    with pytest.raises(ApiException) as gone:
        client.get_experiment(experiment.experiment_id)
    assert gone.value.status == 404


# -- namespaces, auth, faults ---------------------------------------------------------------------


def test_multi_user_requires_and_scopes_namespaces(
    kfp_server_multi_user, kfp_client_factory, package
):
    from kfp_server_api import ApiException

    server = kfp_server_multi_user
    client = kfp_client_factory(server)
    spec = {"uploadfile": ("p.yaml", package.read_bytes())}

    missing = raw(server, "POST", "/apis/v2beta1/pipelines/upload", query={"name": "p"}, files=spec)
    assert missing.status == 400
    assert missing.text == "Invalid input error: Namespace is required for pipeline operations\n"
    with pytest.raises(ApiException) as list_without:
        client.list_pipelines()
    assert list_without.value.status == 400
    with pytest.raises(ApiException) as experiment_without:
        client.create_experiment("e", namespace="")
    assert experiment_without.value.status == 400

    in_a = client.upload_pipeline(str(package), pipeline_name=PIPELINE, namespace="team-a")
    in_b = client.upload_pipeline(str(package), pipeline_name=PIPELINE, namespace="team-b")
    assert in_a.namespace == "team-a" and in_a.pipeline_id != in_b.pipeline_id
    listed = client.list_pipelines(namespace="team-a")
    assert [p.pipeline_id for p in listed.pipelines] == [in_a.pipeline_id]
    experiment = client.create_experiment("proj/exp", namespace="team-a")
    assert experiment.namespace == "team-a"
    assert [e.display_name for e in client.list_experiments(namespace="team-a").experiments] == [
        "proj/exp"
    ]


def test_single_user_mode_ignores_namespaces(kfp_server, client, package):
    pipeline = client.upload_pipeline(str(package), pipeline_name=PIPELINE, namespace="team-a")
    assert pipeline.namespace is None
    assert kfp_server.pipelines[0].namespace == ""


def test_bearer_token_front_door(kfp_server_factory, kfp_client_factory):
    from kfp_server_api import ApiException

    server = kfp_server_factory(token="s3cret")
    assert raw(server, "GET", "/apis/v2beta1/healthz").status == 401
    wrong = raw(server, "GET", "/apis/v2beta1/healthz", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 403

    # namespace= skips the constructor's healthz, which would retry 5 x 5 s on a 401.
    anonymous = kfp_client_factory(server, namespace="any")
    with pytest.raises(ApiException) as unauthenticated:
        anonymous.list_pipelines()
    assert unauthenticated.value.status == 401
    with pytest.raises(ApiException) as forbidden:
        kfp_client_factory(server, token="nope", namespace="any").list_pipelines()
    assert forbidden.value.status == 403

    client = kfp_client_factory(server, token="s3cret")
    assert client.get_kfp_healthz().multi_user is False
    assert client.list_pipelines().total_size is None
    assert all("s3cret" not in json.dumps(dict(r.headers)) for r in server.requests)
    assert server.requests[-1].headers["authorization"] == "<redacted>"


def test_fail_next_injects_503s_in_each_endpoints_error_shape(kfp_server, client, package):
    from kfp_server_api import ApiException

    kfp_server.fail_next(2)
    for _ in range(2):
        with pytest.raises(ApiException) as unavailable:
            client.list_pipelines()
        assert unavailable.value.status == 503
        assert json.loads(unavailable.value.body)["code"] == 14
    assert client.list_pipelines().pipelines is None

    kfp_server.fail_next(1, match="/upload$")
    client.list_pipelines()  # does not match: served normally
    with pytest.raises(ApiException) as upload_unavailable:
        client.upload_pipeline(str(package), pipeline_name=PIPELINE)
    assert upload_unavailable.value.status == 503
    assert set(json.loads(upload_unavailable.value.body)) == {"error_message", "error_details"}
    assert client.upload_pipeline(str(package), pipeline_name=PIPELINE).name == PIPELINE
    assert [r.status for r in kfp_server.requests][-3:] == [200, 503, 200]


def test_unknown_paths_and_methods_answer_like_grpc_gateway(kfp_server):
    assert raw(kfp_server, "GET", "/apis/v2beta1/nothing").json == {
        "code": 5,
        "message": "Not Found",
    }
    wrong_method = raw(kfp_server, "PUT", "/apis/v2beta1/experiments")
    assert (wrong_method.status, wrong_method.json["code"]) == (501, 12)


# -- URL-based creates ---------------------------------------------------------------------------

SPEC_URL = "https://storage.googleapis.com/acme-pipelines/demo.yaml"


def test_create_pipeline_and_version_from_an_allowed_url(kfp_server, client, package):
    from kfp_server_api import (
        V2beta1CreatePipelineAndVersionRequest,
        V2beta1Pipeline,
        V2beta1PipelineVersion,
        V2beta1Url,
    )

    kfp_server.serve_package_url(SPEC_URL, package.read_bytes())
    request = V2beta1CreatePipelineAndVersionRequest(
        pipeline=V2beta1Pipeline(name=PIPELINE),
        pipeline_version=V2beta1PipelineVersion(package_url=V2beta1Url(pipeline_url=SPEC_URL)),
    )
    pipeline = client.pipelines.pipeline_service_create_pipeline_and_version(request)

    (version,) = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    assert (pipeline.name, version.name) == (PIPELINE, PIPELINE)
    assert version.package_url.pipeline_url == SPEC_URL

    second = client.pipelines.pipeline_service_create_pipeline_version(
        pipeline.pipeline_id,
        V2beta1PipelineVersion(
            pipeline_id=pipeline.pipeline_id,
            name="v2",
            package_url=V2beta1Url(pipeline_url=SPEC_URL),
        ),
    )
    assert (second.name, second.package_url.pipeline_url) == ("v2", SPEC_URL)


@pytest.mark.parametrize(
    "url",
    [
        "http://storage.googleapis.com/acme-pipelines/demo.yaml",  # https only
        "https://storage.googleapis.com:8443/acme-pipelines/demo.yaml",  # default port only
        "https://127.0.0.1/demo.yaml",  # not on the allowlist
        "https://github.com/acme/never-served.yaml",  # allowed, but offline: DNS fails
    ],
)
def test_package_urls_are_validated_like_the_real_server(kfp_server, package, url):
    kfp_server.serve_package_url(url, package.read_bytes())
    if "never-served" in url:
        kfp_server.backend.package_urls.pop(url)
    response = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/pipelines/create",
        body={
            "pipeline": {"name": "p"},
            "pipeline_version": {"package_url": {"pipeline_url": url}},
        },
    )
    assert response.status == 400
    assert response.json["details"][0]["message"] == "Pipeline URL validation failed"
    assert not kfp_server.pipelines


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": "p", "colour": "red"},
        {"name": "p", "tags": {"team": 1}},
        ["not", "an", "object"],
    ],
    ids=["wrong-type", "unknown-field", "tag-not-a-string", "not-an-object"],
)
def test_malformed_json_bodies_are_400(kfp_server, body):
    response = raw(kfp_server, "POST", "/apis/v2beta1/pipelines", body=body)
    assert (response.status, response.json["code"]) == (400, 3)
    assert not kfp_server.pipelines


# -- deletes and runs ----------------------------------------------------------------------------


def test_delete_needs_versions_gone_first(kfp_server, client, package):
    from kfp_server_api import ApiException

    pipeline = client.upload_pipeline(str(package), pipeline_name=PIPELINE)
    with pytest.raises(ApiException) as has_versions:
        client.delete_pipeline(pipeline.pipeline_id)
    assert has_versions.value.status == 400
    (version,) = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    client.delete_pipeline_version(pipeline.pipeline_id, version.pipeline_version_id)
    client.delete_pipeline(pipeline.pipeline_id)
    with pytest.raises(ApiException) as gone:
        client.get_pipeline(pipeline.pipeline_id)
    assert gone.value.status == 404


def test_runs_of_an_uploaded_version_are_recorded_pending(kfp_server, client, package):
    pipeline = client.upload_pipeline(str(package), pipeline_name=PIPELINE)
    (version,) = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    experiment = client.create_experiment("proj/exp")

    run = client.run_pipeline(
        experiment_id=experiment.experiment_id,
        job_name="smoke",
        pipeline_id=pipeline.pipeline_id,
        version_id=version.pipeline_version_id,
        params={"x": 3},
    )

    fetched = client.get_run(run.run_id)
    assert (fetched.state, fetched.display_name) == ("PENDING", "smoke")
    assert fetched.runtime_config.parameters == {"x": 3}
    assert fetched.pipeline_version_reference.pipeline_version_id == version.pipeline_version_id
    assert client.get_experiment(experiment.experiment_id).last_run_created_at == run.created_at
    unknown = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/runs",
        body={
            "display_name": "r",
            "pipeline_version_reference": {"pipeline_version_id": "nope"},
        },
    )
    assert unknown.status == 500  # CreateRun wraps a missing version as an internal error

    inline = client.run_pipeline(
        experiment_id=experiment.experiment_id,
        job_name="inline",
        pipeline_package_path=str(package),
    )
    fetched_inline = client.get_run(inline.run_id)
    assert fetched_inline.pipeline_version_reference is None
    assert fetched_inline.pipeline_spec["pipelineInfo"]["name"] == PIPELINE
    broken = raw(
        kfp_server,
        "POST",
        "/apis/v2beta1/runs",
        body={"display_name": "r", "pipeline_spec": {"pipelineInfo": {"name": "x"}}},
    )
    assert broken.status == 500  # no root component: not a pipeline spec


# -- command line --------------------------------------------------------------------------------


def test_command_line_serves_until_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.kfp_api", "--multi-user", "--token", "s3cr3t"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(
            url + "/apis/v2beta1/healthz", headers={"Authorization": "Bearer s3cr3t"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["multi_user"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "s3cr3t" not in url + stdout + stderr
