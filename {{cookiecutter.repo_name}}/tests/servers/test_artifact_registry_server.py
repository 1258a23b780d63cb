"""The Artifact Registry test server through the real `kfp.registry.RegistryClient` (and raw
requests where the client has no call: paging, view=FULL, force): uploads and tags, metadata,
deletes, downloads, the error shapes, auth, denial and injected failures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from kfp.registry import ApiAuth, RegistryClient

from tests.servers.artifact_registry import ArtifactRegistryServer
from tests.servers.registry_fixtures import PROJECT, REPOSITORY
from tests.servers.schedule_helpers import compile_pipeline

PACKAGE = "acme-train"


def write_spec(folder: Path, build: int = 1, *, name: str = PACKAGE) -> Path:
    """A small pipeline spec; a different `build` gives different bytes (a new version)."""
    spec = {
        "pipelineInfo": {"name": name, "description": f"build {build}"},
        "root": {"dag": {"tasks": {}}},
        "schemaVersion": "2.1.0",
        "sdkVersion": "kfp-2.17.0",
    }
    path = folder / f"{name}-{build}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def api_error(call: Callable[[], Any]) -> tuple[int, str, str]:
    """(code, status, message) of the Google JSON error a client call raised."""
    with pytest.raises(requests.HTTPError) as caught:
        call()
    response = caught.value.response
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == response.status_code
    return error["code"], error["status"], error["message"]


@pytest.fixture
def client(artifact_registry_url: str) -> RegistryClient:
    return RegistryClient(host=artifact_registry_url)


@pytest.fixture
def stored(artifact_registry: ArtifactRegistryServer) -> Callable[..., Any]:
    """The server's state of the fixture's repository: stored("tags", package) etc."""
    return lambda what, *args: getattr(artifact_registry, what)(PROJECT, REPOSITORY, *args)


# -- upload ------------------------------------------------------------------------------------


def test_an_upload_stores_a_digest_version_with_its_tags(
    artifact_registry, client, stored, tmp_path
):
    spec = write_spec(tmp_path)
    assert client.upload_pipeline(str(spec), tags=["latest", "v1"]) == (PACKAGE, digest(spec))
    assert stored("versions", PACKAGE) == [digest(spec)]
    assert stored("tags", PACKAGE) == {"latest": digest(spec), "v1": digest(spec)}
    assert stored("content", PACKAGE, "v1") == spec.read_bytes()
    assert [(r.method, r.path, r.status) for r in artifact_registry.requests] == [
        ("POST", f"/{PROJECT}/{REPOSITORY}", 200)
    ]


def test_a_compiled_pipeline_is_its_pipelines_package(client, stored, tmp_path):
    spec = compile_pipeline(tmp_path / "compiled.yaml", name="acme-score")
    assert client.upload_pipeline(str(spec)) == ("acme-score", digest(spec))
    assert stored("packages") == ["acme-score"]


def test_a_json_spec_is_a_pipeline_spec_too(client, tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"pipelineInfo": {"name": "acme-json"}, "root": {}}))
    assert client.upload_pipeline(str(spec)) == ("acme-json", digest(spec))


def test_uploading_the_same_bytes_again_keeps_one_version(client, stored, tmp_path):
    spec = write_spec(tmp_path)
    first = client.upload_pipeline(str(spec), tags="v1")
    assert client.upload_pipeline(str(spec), tags="latest") == first
    assert [v["name"] for v in client.list_versions(PACKAGE)] == [
        f"packages/{PACKAGE}/versions/{digest(spec)}"
    ]
    assert stored("tags", PACKAGE) == {"latest": digest(spec), "v1": digest(spec)}


def test_an_upload_moves_a_tag_it_names_to_the_new_version(client, stored, tmp_path):
    old, new = write_spec(tmp_path, 1), write_spec(tmp_path, 2)
    client.upload_pipeline(str(old), tags="latest,v1")
    client.upload_pipeline(str(new), tags="latest")
    assert stored("tags", PACKAGE) == {"latest": digest(new), "v1": digest(old)}
    assert client.get_tag(PACKAGE, "latest")["version"].endswith(digest(new))
    assert stored("versions", PACKAGE) == [digest(old), digest(new)]


@pytest.mark.parametrize("name", ["Acme-Train", "acme_train", "-acme", "a" * 129])
def test_a_package_name_off_the_rule_is_invalid_argument(artifact_registry, client, tmp_path, name):
    spec = write_spec(tmp_path, name=name)
    code, status, message = api_error(lambda: client.upload_pipeline(str(spec)))
    assert (code, status) == (400, "INVALID_ARGUMENT")
    assert "package name" in message
    assert artifact_registry.packages(PROJECT, REPOSITORY) == []


@pytest.mark.parametrize("content", [b"just: a mapping\n", b"- a\n- list\n", b"{not yaml", b""])
def test_a_file_that_is_no_pipeline_spec_is_invalid_argument(client, stored, tmp_path, content):
    path = tmp_path / "file.yaml"
    path.write_bytes(content)
    assert api_error(lambda: client.upload_pipeline(str(path)))[:2] == (400, "INVALID_ARGUMENT")
    assert stored("packages") == []


@pytest.mark.parametrize("tag", ["sha256:abc", "has space", "a/b", "x" * 129])
def test_an_invalid_tag_refuses_the_whole_upload(client, stored, tmp_path, tag):
    spec = write_spec(tmp_path)
    call = lambda: client.upload_pipeline(str(spec), tags=["latest", tag])  # noqa: E731
    assert api_error(call)[:2] == (400, "INVALID_ARGUMENT")
    assert stored("packages") == []


def test_an_upload_to_a_repository_never_added_is_not_found(artifact_registry, tmp_path):
    client = RegistryClient(host=artifact_registry.host_url(PROJECT, "missing"))
    code, status, message = api_error(lambda: client.upload_pipeline(str(write_spec(tmp_path))))
    assert (code, status) == (404, "NOT_FOUND")
    assert f"projects/{PROJECT}/locations/us-central1/repositories/missing" in message


# -- download ----------------------------------------------------------------------------------


def test_a_download_by_tag_or_by_version_returns_the_uploaded_bytes(client, tmp_path):
    old, new = write_spec(tmp_path, 1), write_spec(tmp_path, 2)
    client.upload_pipeline(str(old))
    client.upload_pipeline(str(new), tags="latest")
    by_tag = client.download_pipeline(PACKAGE, tag="latest", file_name=str(tmp_path / "t.yaml"))
    by_version = client.download_pipeline(
        PACKAGE, version=digest(old), file_name=str(tmp_path / "v.yaml")
    )
    assert Path(by_tag).read_bytes() == new.read_bytes()
    assert Path(by_version).read_bytes() == old.read_bytes()


# -- metadata ----------------------------------------------------------------------------------


def test_packages_list_get_and_delete(artifact_registry, client, stored, tmp_path):
    artifact_registry.clock.set(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))
    client.upload_pipeline(str(write_spec(tmp_path, 1)))
    artifact_registry.clock.advance(dt.timedelta(minutes=5, microseconds=250))
    client.upload_pipeline(str(write_spec(tmp_path, 2)))
    client.upload_pipeline(str(write_spec(tmp_path, 1, name="acme-score")))
    package = {
        "name": f"packages/{PACKAGE}",
        "createTime": "2026-03-02T12:00:00Z",
        "updateTime": "2026-03-02T12:05:00.000250Z",
    }
    assert client.get_package(PACKAGE) == package
    assert [p["name"] for p in client.list_packages()] == [
        "packages/acme-score",
        f"packages/{PACKAGE}",
    ]
    assert client.delete_package(PACKAGE) is True
    assert stored("packages") == ["acme-score"]
    assert stored("versions", PACKAGE) == []


def test_an_empty_list_leaves_the_field_out(artifact_registry_url, client):
    assert client.list_packages() == {}  # the client's default for a missing field
    assert requests.get(f"{artifact_registry_url}/packages").json() == {}


def test_versions_get_and_list_with_related_tags_in_the_full_view(
    artifact_registry, artifact_registry_url, client, tmp_path
):
    artifact_registry.clock.set(dt.datetime(2026, 3, 2, 12, 0))
    spec = write_spec(tmp_path)
    client.upload_pipeline(str(spec), tags="v1,latest")
    name = f"packages/{PACKAGE}/versions/{digest(spec)}"
    basic = {
        "name": name,
        "createTime": "2026-03-02T12:00:00Z",
        "updateTime": "2026-03-02T12:00:00Z",
    }
    assert client.get_version(PACKAGE, digest(spec)) == basic
    assert client.list_versions(PACKAGE) == [basic]
    full = requests.get(f"{artifact_registry_url}/{name}", params={"view": "FULL"}).json()
    assert full["relatedTags"] == [
        {"name": f"packages/{PACKAGE}/tags/latest", "version": name},
        {"name": f"packages/{PACKAGE}/tags/v1", "version": name},
    ]


def test_tags_create_get_list_update_and_delete(client, stored, tmp_path):
    old, new = write_spec(tmp_path, 1), write_spec(tmp_path, 2)
    client.upload_pipeline(str(old))
    client.upload_pipeline(str(new))
    created = client.create_tag(PACKAGE, digest(old), "stable")
    assert created == {
        "name": f"packages/{PACKAGE}/tags/stable",
        "version": f"packages/{PACKAGE}/versions/{digest(old)}",
    }
    assert client.get_tag(PACKAGE, "stable") == created
    assert client.list_tags(PACKAGE) == [created]
    moved = client.update_tag(PACKAGE, digest(new), "stable")
    assert moved["version"] == f"packages/{PACKAGE}/versions/{digest(new)}"
    assert stored("tags", PACKAGE) == {"stable": digest(new)}
    assert client.delete_tag(PACKAGE, "stable") == {}
    assert stored("tags", PACKAGE) == {}


def test_creating_a_tag_that_exists_is_already_exists(client, tmp_path):
    spec = write_spec(tmp_path)
    client.upload_pipeline(str(spec), tags="stable")
    code, status, _ = api_error(lambda: client.create_tag(PACKAGE, digest(spec), "stable"))
    assert (code, status) == (409, "ALREADY_EXISTS")


def test_an_update_mask_other_than_version_is_invalid(artifact_registry_url, client, tmp_path):
    spec = write_spec(tmp_path)
    client.upload_pipeline(str(spec), tags="stable")
    response = requests.patch(
        f"{artifact_registry_url}/packages/{PACKAGE}/tags/stable",
        params={"updateMask": "name"},
        json={"version": f"packages/{PACKAGE}/versions/{digest(spec)}"},
    )
    assert (response.status_code, response.json()["error"]["status"]) == (400, "INVALID_ARGUMENT")


def test_a_tagged_version_is_deleted_only_with_force_which_deletes_its_tags(
    artifact_registry_url, client, stored, tmp_path
):
    tagged, untagged = write_spec(tmp_path, 1), write_spec(tmp_path, 2)
    client.upload_pipeline(str(tagged), tags="latest")
    client.upload_pipeline(str(untagged))
    code, status, message = api_error(lambda: client.delete_version(PACKAGE, digest(tagged)))
    assert (code, status) == (400, "FAILED_PRECONDITION")
    assert "latest" in message
    assert client.delete_version(PACKAGE, digest(untagged)) is True

    url = f"{artifact_registry_url}/packages/{PACKAGE}/versions/{digest(tagged)}"
    operation = requests.delete(url, params={"force": "true"}).json()
    assert operation["done"] is True
    assert operation["name"].startswith(f"projects/{PROJECT}/locations/us-central1/operations/")
    assert stored("versions", PACKAGE) == []
    assert stored("tags", PACKAGE) == {}
    assert stored("packages") == [PACKAGE]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_package("nope"),
        lambda c: c.list_versions("nope"),
        lambda c: c.get_version(PACKAGE, "sha256:" + "0" * 64),
        lambda c: c.get_tag(PACKAGE, "nope"),
        lambda c: c.delete_tag(PACKAGE, "nope"),
        lambda c: c.update_tag(PACKAGE, "sha256:" + "0" * 64, "latest"),
        lambda c: c.create_tag(PACKAGE, "sha256:" + "0" * 64, "new"),
        lambda c: c.download_pipeline(PACKAGE, tag="nope"),
    ],
)
def test_what_does_not_exist_is_not_found(client, tmp_path, call):
    client.upload_pipeline(str(write_spec(tmp_path)), tags="latest")
    assert api_error(lambda: call(client))[:2] == (404, "NOT_FOUND")


# -- paging ------------------------------------------------------------------------------------


def test_lists_page_with_opaque_tokens(artifact_registry, artifact_registry_url, tmp_path):
    for build in range(5):
        artifact_registry.upload(PROJECT, REPOSITORY, write_spec(tmp_path, build).read_bytes())
    url = f"{artifact_registry_url}/packages/{PACKAGE}/versions"
    pages, token = [], None
    for _ in range(5):  # bounded: a token that never ends must fail, not hang
        body = requests.get(url, params={"pageSize": 2, "pageToken": token}).json()
        pages.append([version["name"].rsplit("/", 1)[1] for version in body["versions"]])
        token = body.get("nextPageToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    served = [name for page in pages for name in page]
    assert served == sorted(artifact_registry.versions(PROJECT, REPOSITORY, PACKAGE))

    first = requests.get(url, params={"pageSize": 2}).json()
    other_list = requests.get(
        f"{artifact_registry_url}/packages", params={"pageToken": first["nextPageToken"]}
    )
    assert (other_list.status_code, other_list.json()["error"]["status"]) == (
        400,
        "INVALID_ARGUMENT",
    )
    for bad in ({"pageToken": "garbage"}, {"pageSize": -1}, {"pageSize": "two"}):
        assert requests.get(url, params=bad).status_code == 400


def test_the_default_page_size_applies_without_page_size(trust_test_ca, tmp_path):
    with ArtifactRegistryServer(trust_test_ca, default_page_size=2) as server:
        host = server.add_repository(PROJECT, REPOSITORY)
        for build in range(3):
            server.upload(PROJECT, REPOSITORY, write_spec(tmp_path, build).read_bytes(), ["t"])
        body = requests.get(f"{host}/packages/{PACKAGE}/versions").json()
        assert len(body["versions"]) == 2 and "nextPageToken" in body


# -- auth, denial, failures --------------------------------------------------------------------


def test_a_required_token_is_unauthenticated_without_it(
    artifact_registry, artifact_registry_url, client, tmp_path
):
    artifact_registry.require_token = "t0k3n"
    spec = write_spec(tmp_path)
    assert api_error(lambda: client.upload_pipeline(str(spec)))[:2] == (401, "UNAUTHENTICATED")
    wrong = RegistryClient(host=artifact_registry_url, auth=ApiAuth("other"))
    assert api_error(lambda: wrong.upload_pipeline(str(spec)))[:2] == (401, "UNAUTHENTICATED")
    right = RegistryClient(host=artifact_registry_url, auth=ApiAuth("t0k3n"))
    assert right.upload_pipeline(str(spec)) == (PACKAGE, digest(spec))
    assert [r.bearer for r in artifact_registry.requests] == [False, True, True]
    assert [r.status for r in artifact_registry.requests] == [401, 401, 200]


def test_deny_answers_permission_denied_naming_the_permission(
    artifact_registry, client, stored, tmp_path
):
    artifact_registry.deny()
    code, status, message = api_error(lambda: client.upload_pipeline(str(write_spec(tmp_path))))
    assert (code, status) == (403, "PERMISSION_DENIED")
    assert message == (
        "Permission 'artifactregistry.repositories.uploadArtifacts' denied on resource "
        f"'//artifactregistry.googleapis.com/projects/{PROJECT}/locations/us-central1/"
        f"repositories/{REPOSITORY}' (or it may not exist)."
    )
    assert "artifactregistry.packages.get" in api_error(lambda: client.get_package(PACKAGE))[2]
    assert stored("packages") == []


def test_deny_can_refuse_one_permission_with_a_given_message(artifact_registry, client, tmp_path):
    spec = write_spec(tmp_path)
    client.upload_pipeline(str(spec), tags="latest")
    artifact_registry.deny(
        message="no uploads", permission=("artifactregistry.repositories.uploadArtifacts")
    )
    assert api_error(lambda: client.upload_pipeline(str(spec))) == (
        403,
        "PERMISSION_DENIED",
        "no uploads",
    )
    assert client.get_tag(PACKAGE, "latest")["version"].endswith(digest(spec))
    artifact_registry.allow()
    assert client.upload_pipeline(str(spec)) == (PACKAGE, digest(spec))


@pytest.mark.parametrize(("code", "status"), [(429, "RESOURCE_EXHAUSTED"), (503, "UNAVAILABLE")])
def test_injected_failures_answer_the_next_requests_and_change_nothing(
    artifact_registry, client, stored, tmp_path, code, status
):
    spec = write_spec(tmp_path)
    artifact_registry.fail_next(code, count=2)
    for _ in range(2):
        assert api_error(lambda: client.upload_pipeline(str(spec), tags="latest"))[:2] == (
            code,
            status,
        )
    assert stored("packages") == []
    assert client.upload_pipeline(str(spec), tags="latest") == (PACKAGE, digest(spec))
    assert [r.status for r in artifact_registry.requests] == [code, code, 200]
