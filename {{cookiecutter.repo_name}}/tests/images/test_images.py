"""``images`` against a real Docker Engine and a real registry (tests/helpers/docker_services.py).

Images are ``FROM scratch`` with COPY steps only: nothing can be pulled from Docker Hub here.
Every test pushes under its own registry path, so the session's registry never leaks state
from one test into another.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.cli import main as cli
from tests.helpers.docker_services import free_port, registry_manifest_digest

SPEC = """\
# {name}: a test component. This comment must survive pinning.
name: {name}
implementation:
  container:
    image: "example.invalid/{name}:dev"  # replaced by the pinned digest
    command: [cat, /hello.txt]
"""


def write_component(root: Path, name: str, *, dockerfile: str | None = None) -> Path:
    folder = root / "components" / name
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "tests").mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile or "FROM scratch\nCOPY src/hello.txt /\n")
    (folder / "src" / "hello.txt").write_text(f"hello from {name}\n")
    (folder / "tests" / f"test_{name.replace('-', '_')}.py").write_text("")
    (folder / "component.yaml").write_text(SPEC.format(name=name))
    return folder


@pytest.fixture
def components_repo(monorepo, monkeypatch):
    """The monorepo copy with two buildable components, alpha and beta."""
    for variable in ("REGISTRY_USERNAME", "REGISTRY_PASSWORD", "GITHUB_ACTIONS", "IMAGE_REGISTRY"):
        monkeypatch.delenv(variable, raising=False)
    write_component(monorepo.path, "alpha")
    write_component(monorepo.path, "beta")
    monorepo.commit("components")
    return monorepo


@pytest.fixture
def image_repo(components_repo, docker_env, registry, monkeypatch, request):
    """``components_repo`` with the test engine and a registry path of this test's own."""
    prefix = f"{registry}/t-{request.node.name.replace('_', '-').lower()[:40].strip('-')}"
    monkeypatch.setenv("IMAGE_REGISTRY", prefix)
    components_repo.prefix = prefix
    return components_repo


def images(repo, *args: str) -> int:
    return cli.main(["images", "--repo", str(repo.path), "--env", "dev", *args])


def run_json(repo, capsys, *args: str) -> tuple[int, dict, str]:
    code = images(repo, *args, "--format", "json")
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def engine():
    import docker

    return docker.from_env()


def repository_tags(client, repository: str) -> set[str]:
    """The engine's tags of ``repository`` (one image can carry tags of other repositories)."""
    return {
        tag
        for image in client.images.list(name=repository)
        for tag in image.tags
        if tag.rpartition(":")[0] == repository
    }


def test_build_push_pin_then_find_the_image_in_the_registry_by_digest(image_repo, capsys):
    spec = image_repo.path / "components/alpha/component.yaml"
    original = spec.read_text()

    code, result, err = run_json(image_repo, capsys, "alpha", "--push", "--pin")

    assert code == 0, err
    (item,) = result["components"]
    assert item["status"] == "pushed" and item["pin_changed"] is True
    assert "[alpha] Step 2/3 : COPY src/hello.txt /" in err  # the build log streamed
    registry, _, path = image_repo.prefix.partition("/")
    repository = f"{path}/alpha"
    digest = item["digest"]
    assert registry_manifest_digest(registry, repository, item["tag"]) == digest
    assert registry_manifest_digest(registry, repository, digest) == digest
    pinned = f"{image_repo.prefix}/alpha@{digest}"
    assert item["pinned"] == pinned
    old, new = original.splitlines(keepends=True), spec.read_text().splitlines(keepends=True)
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        (
            '    image: "example.invalid/alpha:dev"  # replaced by the pinned digest\n',
            f"    image: {pinned}  # replaced by the pinned digest\n",
        )
    ]


def test_a_second_run_with_nothing_changed_builds_nothing(image_repo, capsys):
    client = engine()
    code, first, err = run_json(image_repo, capsys, "alpha", "beta", "--push", "--pin")
    assert code == 0, err
    assert [c["status"] for c in first["components"]] == ["pushed", "pushed"]
    # Forget the local images: only the registry can tell the second run they exist.
    for item in first["components"]:
        client.images.remove(item["image"], force=True)
    images_before = {image.id for image in client.images.list(all=True)}

    code, second, err = run_json(image_repo, capsys, "alpha", "beta", "--push", "--pin")

    assert code == 0, err
    assert [c["status"] for c in second["components"]] == ["exists", "exists"]
    assert [c["pin_changed"] for c in second["components"]] == [False, False]
    assert [c["digest"] for c in second["components"]] == [c["digest"] for c in first["components"]]
    assert "Step 1/3" not in err
    assert {image.id for image in client.images.list(all=True)} == images_before
    for item in second["components"]:
        assert repository_tags(client, item["image"].rsplit(":", 1)[0]) == set()


def test_a_dockerfile_syntax_error_points_at_its_line(image_repo, capsys):
    write_component(image_repo.path, "alpha", dockerfile="FROM scratch\nCOPPY src/ /\n")
    assert images(image_repo, "alpha") == 1
    problems = [line for line in capsys.readouterr().err.splitlines() if "Dockerfile:" in line]
    assert problems == [
        "components/alpha/Dockerfile:2: build failed: dockerfile parse error line 2: unknown "
        "instruction: COPPY"
    ]


def test_without_push_a_local_image_with_the_tag_is_not_rebuilt(image_repo, capsys):
    code, first, err = run_json(image_repo, capsys, "beta")
    assert code == 0, err
    assert first["components"][0]["status"] == "built"
    code, second, err = run_json(image_repo, capsys, "beta")
    assert code == 0, err
    assert second["components"][0]["status"] == "cached" and "Step 1/3" not in err


def test_a_changed_file_changes_the_tag_and_a_pin_does_not(image_repo, capsys):
    code, first, _ = run_json(image_repo, capsys, "alpha", "--push", "--pin")
    assert code == 0
    tag = first["components"][0]["tag"]
    image_repo.commit("pinned")  # the pin rewrote component.yaml
    (image_repo.path / "components/alpha/tests/test_alpha.py").write_text("# more tests\n")

    code, unchanged, _ = run_json(image_repo, capsys, "alpha", "--push", "--dry-run")
    assert code == 0
    assert unchanged["components"][0]["tag"] == tag
    assert unchanged["components"][0]["status"] == "exists"

    (image_repo.path / "components/alpha/src/hello.txt").write_text("hello again\n")
    code, changed, _ = run_json(image_repo, capsys, "alpha", "--push", "--pin", "--dry-run")
    assert code == 0
    (item,) = changed["components"]
    assert item["tag"] != tag and item["status"] == "would build + push + pin"
    assert item["image"] == f"{image_repo.prefix}/alpha:{item['tag']}"


def test_a_dockerfile_error_shows_the_log_tail_and_the_other_component_still_builds(
    image_repo, capsys
):
    write_component(image_repo.path, "alpha", dockerfile="FROM scratch\nCOPY src/missing.txt /\n")
    code = images(image_repo, "alpha", "beta")
    captured = capsys.readouterr()

    assert code == 1
    lines = captured.err.splitlines()
    tail_start = lines.index("--- last lines of the build log of alpha:")
    assert any("COPY src/missing.txt" in line for line in lines[tail_start:])
    problem = [line for line in lines if line.startswith("components/alpha/Dockerfile: ")]
    assert len(problem) == 1 and "build failed:" in problem[0], captured.err
    assert "missing.txt" in problem[0]
    rows = [line.split()[:2] for line in captured.out.splitlines()[2:-1]]
    assert rows == [["alpha", "failed"], ["beta", "built"]]
    beta = f"{image_repo.prefix}/beta"
    assert len(repository_tags(engine(), beta)) == 1


def test_push_to_a_registry_that_needs_a_login(
    components_repo, docker_env, auth_registry, capsys, monkeypatch
):
    address, username, password = auth_registry
    monkeypatch.setenv("IMAGE_REGISTRY", f"{address}/ml")

    code = images(components_repo, "alpha", "--push")
    captured = capsys.readouterr()
    assert code == 1
    (line,) = captured.err.splitlines()
    assert line.startswith(f"cannot query the registry {address} (")
    assert line.endswith("check REGISTRY_USERNAME / REGISTRY_PASSWORD (or docker login)")

    monkeypatch.setenv("REGISTRY_USERNAME", username)
    monkeypatch.setenv("REGISTRY_PASSWORD", password)
    code = images(components_repo, "alpha", "--push", "--pin", "--format", "json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (item,) = json.loads(captured.out)["components"]
    assert item["status"] == "pushed"
    assert password not in captured.out + captured.err
    found = registry_manifest_digest(address, "ml/alpha", item["tag"], login=(username, password))
    assert found == item["digest"]


def test_a_missing_credential_helper_is_one_line_not_an_internal_error(
    image_repo, capsys, monkeypatch, tmp_path
):
    # A config.json from Docker Desktop names a helper this machine lacks; the SDK raised a
    # DockerException that is no APIError, and printed a UserWarning.
    config = tmp_path / "helper-config"
    config.mkdir()
    (config / "config.json").write_text('{"credsStore": "no-such-helper", "auths": {}}')
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    code = images(image_repo, "alpha", "--push")
    captured = capsys.readouterr()
    assert code == 1
    (line,) = captured.err.splitlines()
    assert line.startswith("cannot query the registry 127.0.0.1:")
    assert "docker-credential-no-such-helper not installed" in line
    assert line.endswith("check REGISTRY_USERNAME / REGISTRY_PASSWORD (or docker login)")

    code = images(image_repo, "alpha")  # without --push the build sends the stored logins
    captured = capsys.readouterr()
    assert code == 1
    problems = [line for line in captured.err.splitlines() if line.startswith("components/")]
    assert len(problems) == 1 and "docker-credential-no-such-helper" in problems[0]
    assert "internal error" not in captured.err and "UserWarning" not in captured.err


def test_an_unreachable_engine_is_one_clear_line(components_repo, capsys, monkeypatch, tmp_path):
    socket = tmp_path / "no-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    code = images(components_repo, "alpha")
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"cannot reach the Docker Engine at unix://{socket} (No such file or directory) — "
        "start Docker or set DOCKER_HOST to a running engine"
    ]


def test_an_unreachable_registry_is_one_clear_line_before_anything_is_built(
    image_repo, capsys, monkeypatch
):
    nowhere = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("IMAGE_REGISTRY", f"{nowhere}/ml")
    code = images(image_repo, "alpha", "--push")
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"cannot query the registry {nowhere} (")
    assert "connection refused" in line
    assert line.endswith(
        "check that the registry is up and IMAGE_REGISTRY / image_registry is right"
    )
    assert repository_tags(engine(), f"{nowhere}/ml/alpha") == set()


def test_without_push_an_unreachable_registry_is_a_warning_and_the_build_goes_on(
    image_repo, capsys, monkeypatch
):
    monkeypatch.setenv("IMAGE_REGISTRY", f"127.0.0.1:{free_port()}/ml")
    code, result, err = run_json(image_repo, capsys, "alpha")
    assert code == 0
    assert result["components"][0]["status"] == "built"
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "building without the registry check" in warnings[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["alpha", "--pin"], "--pin needs --push", id="pin-without-push"),
        pytest.param([], "say what to build", id="nothing-selected"),
        pytest.param(["--all", "alpha"], "say what to build", id="two-selections"),
        pytest.param(["--changed"], "--changed needs --base REF", id="changed-without-base"),
        pytest.param(["--base", "main", "alpha"], "--base only goes with --changed", id="base"),
        pytest.param(["gamma"], "no component 'gamma'", id="unknown-name"),
    ],
)
def test_usage_errors_exit_2_with_one_line(components_repo, capsys, args, message):
    code = images(components_repo, *args)
    captured = capsys.readouterr()
    assert code == 2
    (line,) = captured.err.splitlines()
    assert message in line


def test_a_spec_pin_cannot_rewrite_stops_before_anything_is_built_or_pushed(
    components_repo, capsys, monkeypatch, tmp_path
):
    # It used to be found after the push, leaving a pushed image and an unpinned spec.
    spec = components_repo.path / "components/beta/component.yaml"
    spec.write_text("name: beta\nimplementation:\n  container:\n    command: [x]\n")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")  # never reached
    assert images(components_repo, "alpha", "beta", "--push", "--pin") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "components/beta/component.yaml: no implementation.container.image to pin — add the "
        "image line"
    ]


def test_a_folder_name_that_cannot_name_an_image_stops_the_run(
    components_repo, capsys, monkeypatch, tmp_path
):
    # It reached the engine: a misleading registry error, or an internal error (a space).
    write_component(components_repo.path, "weird name")
    write_component(components_repo.path, "Upper")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")  # never reached
    assert images(components_repo, "--all") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "components/Upper: 'Upper' cannot name an image — rename the folder with lowercase "
        "letters, digits and inner hyphens",
        "components/weird name: 'weird name' cannot name an image — rename the folder with "
        "lowercase letters, digits and inner hyphens",
    ]


def test_nothing_changed_is_the_same_json_document_with_no_components(components_repo, capsys):
    # The empty case printed a document without "dry_run", unlike every other run.
    code, result, err = run_json(components_repo, capsys, "--changed", "--base", "HEAD")
    assert code == 0, err
    assert set(result) == {"env", "registry", "dry_run", "components"}
    assert (result["dry_run"], result["components"]) == (False, [])


def test_a_component_without_a_dockerfile_is_not_buildable(components_repo, capsys):
    (components_repo.path / "components/beta/Dockerfile").unlink()
    assert images(components_repo, "beta") == 2
    assert capsys.readouterr().err.splitlines() == [
        "components/beta has no Dockerfile: its image is not built here — add a Dockerfile, or "
        "leave it out"
    ]


@pytest.mark.parametrize(
    "value", ["https://ghcr.io/acme", "GHCR.io/ML", "ghcr.io/acme:latest"], ids=str
)
def test_a_bad_registry_is_a_configuration_error(components_repo, capsys, monkeypatch, value):
    monkeypatch.setenv("IMAGE_REGISTRY", value)
    assert images(components_repo, "alpha") == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"IMAGE_REGISTRY {value!r} is not a registry path")


def test_half_set_credentials_are_a_configuration_error(components_repo, capsys, monkeypatch):
    monkeypatch.setenv("REGISTRY_USERNAME", "bot")
    assert images(components_repo, "alpha", "--push") == 2
    assert "set both REGISTRY_USERNAME and REGISTRY_PASSWORD" in capsys.readouterr().err


def test_changed_builds_only_the_components_changed_since_base(image_repo, capsys):
    image_repo.checkout("feature", create=True)
    (image_repo.path / "components/beta/src/hello.txt").write_text("beta, changed\n")
    image_repo.commit("change beta")

    code, result, err = run_json(image_repo, capsys, "--changed", "--base", "main", "--dry-run")

    assert code == 0, err
    assert [(c["name"], c["status"]) for c in result["components"]] == [("beta", "would build")]


def test_missing_docker_skips_unless_ci_requires_it(monkeypatch):
    from tests.helpers import docker_services

    monkeypatch.delenv("REQUIRE_DOCKER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no dockerd"):
        docker_services.unavailable("no dockerd")
    monkeypatch.setenv("REQUIRE_DOCKER", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_DOCKER=1 but no dockerd"):
        docker_services.unavailable("no dockerd")


def test_a_daemon_that_dies_while_starting_shows_its_log(tmp_path):
    from tests.helpers import docker_services

    fake = tmp_path / "dockerd"
    fake.write_text("#!/bin/sh\necho 'failed to mount overlay: permission denied' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(docker_services.ServiceError) as failure:
        docker_services.start_engine(str(fake), tmp_path)
    assert str(failure.value) == (
        "dockerd exited with code 3 while starting; its log:\n"
        "failed to mount overlay: permission denied"
    )
