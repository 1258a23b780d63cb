"""A real Docker Engine and a real registry for the tests, set up once per test session.

Image building is tested against the real thing. The engine is, in this order:

1. one that already runs and answers a ping through the docker SDK: ``DOCKER_HOST`` when it is
   set, else the default socket ``unix:///var/run/docker.sock`` (on GitHub's ubuntu runners the
   job's user is in the ``docker`` group and the daemon runs: nothing to start). Images the
   session builds there (all tagged ``127.0.0.1:<port>/...``) are removed when it ends;
2. else, as root, a dockerd of our own (Debian's ``docker.io``) without networking
   (``--bridge=none``, no iptables), with the ``vfs`` storage driver, which needs no kernel
   overlay support; it reads no host configuration (``--config-file`` points at an empty file)
   and keeps every file under its own temporary folder, so it never touches another engine.

The registry (the CNCF distribution registry, plain HTTP on 127.0.0.1) is Debian's
``docker-registry`` binary when it is installed, else the ``registry:2`` image run as a container
on the engine (pulled when missing; ``DOCKER_TEST_REGISTRY_IMAGE`` names another image and then
wins over the binary). The engine must run on this machine: the tests and the engine both reach
the registry at 127.0.0.1. Nothing can be pulled where the tests run offline, so test images are
``FROM scratch`` with COPY steps only.

When a part is missing the tests that need it are skipped; with ``REQUIRE_DOCKER=1`` (set in CI)
they fail instead, so CI can never go green by skipping them. Every test that uses these
fixtures gets the ``docker`` marker (``pytest -m docker`` selects exactly them).

Fixtures:
- ``docker_engine`` (session): the engine's ``DOCKER_HOST`` URL, e.g. ``unix:///.../docker.sock``.
- ``registry`` (session): ``127.0.0.1:<port>`` of an empty registry (no auth, plain HTTP; the
  engine treats 127.0.0.0/8 registries as insecure by default, so push works without TLS).
- ``auth_registry`` (session): ``(address, username, password)`` of a registry that needs
  that login (htpasswd), to test that credentials reach it.
- ``docker_env`` (per test): sets ``DOCKER_HOST`` and an empty ``DOCKER_CONFIG`` for the test, so
  code under test that calls ``docker.from_env()`` reaches the test engine with no stored logins.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 90.0  # seconds; vfs start is fast, but a loaded CI machine can be slow
STOP_TIMEOUT = 20.0
PING_TIMEOUT = 5  # seconds; an engine that answers does so at once
LOG_TAIL_LINES = 40
# Where Debian installs the daemons; PATH of a non-login shell may lack /usr/sbin.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])
DEFAULT_ENGINE = "unix:///var/run/docker.sock"
REGISTRY_IMAGE_VARIABLE = "DOCKER_TEST_REGISTRY_IMAGE"
DEFAULT_REGISTRY_IMAGE = "registry:2"
REGISTRY_CONFIG = "/etc/docker/registry/config.yml"  # where the registry image reads it
REGISTRY_PORT = 5000  # the registry's port inside its container, when the port is published
TEST_LABEL = "kfp-monorepo.tests"  # on the containers the fixtures start
TEST_IMAGE_PREFIX = "127.0.0.1:"  # every image a test builds is named after a test registry
DOCKER_FIXTURES = frozenset({"docker_engine", "docker_env", "registry", "auth_registry"})


class ServiceError(RuntimeError):
    """A daemon did not come up; the message carries the tail of its log."""


def docker_required() -> bool:
    return os.environ.get("REQUIRE_DOCKER") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail when the environment promises Docker (REQUIRE_DOCKER=1 in CI)."""
    if docker_required():
        pytest.fail(f"REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a Docker fixture ``docker``, so CI can run them in the job
    that has Docker (``-m docker``) and leave them out elsewhere."""
    for item in items:
        if DOCKER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)


def find_binary(name: str) -> str | None:
    return shutil.which(name, path=SEARCH_PATH)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over the engine's unix socket, with only the standard library."""

    def __init__(self, socket_path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def engine_answers(socket_path: Path) -> bool:
    """True once ``GET /_ping`` on the engine's socket says OK."""
    connection = _UnixConnection(str(socket_path), timeout=2.0)
    try:
        connection.request("GET", "/_ping")
        response = connection.getresponse()
        return response.status == 200 and response.read() == b"OK"
    except OSError:
        return False
    finally:
        connection.close()


def registry_answers(address: str, *, auth: bool = False) -> bool:
    """True once the registry's API root ``GET /v2/`` answers: 200, or 401 when it asks for
    credentials (which is how a registry with auth says it is up)."""
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=2.0) as response:
            return response.status == 200
    except urllib.error.HTTPError as error:
        return auth and error.code == 401
    except OSError:
        return False


def wait_until(ready, process, *, name: str, log: Path | Callable[[], str], timeout: float) -> None:
    """Poll ``ready()`` until it holds; fail early if the process died, late on timeout.
    ``process`` has ``poll()`` and ``returncode`` (a Popen, or a container's stand-in);
    ``log`` is its log file, or a function that returns the log's tail."""
    deadline = time.monotonic() + timeout
    delay = 0.05

    def tail() -> str:
        return log() if callable(log) else log_tail(log)

    while not ready():
        if process.poll() is not None:
            raise ServiceError(
                f"{name} exited with code {process.returncode} while starting; its log:\n{tail()}"
            )
        if time.monotonic() > deadline:
            raise ServiceError(f"{name} did not answer within {timeout:.0f}s; its log:\n{tail()}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the daemon's process group, then SIGKILL it if it does not stop in time.

    Each daemon runs in its own session, so the group holds exactly what we started (dockerd
    starts its own containerd, which must not outlive it).
    """
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers in the group, if any
    if process.poll() is None:
        process.wait(timeout=STOP_TIMEOUT)


def start_process(command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as log_file:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


# -- the engine ----------------------------------------------------------------------------


def _engine_client(url: str):
    """A docker SDK client for ``url``; raises when nothing answers there."""
    import docker

    return docker.DockerClient(base_url=url, version="auto", timeout=PING_TIMEOUT)


def running_engine(environ: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """``(url, "")`` of a running engine that answers a ping: ``DOCKER_HOST`` when set, else
    the default socket. ``(None, why)`` when it does not answer."""
    import requests
    from docker.errors import DockerException

    environ = os.environ if environ is None else environ
    url = environ.get("DOCKER_HOST") or DEFAULT_ENGINE
    try:
        client = _engine_client(url)
        try:
            client.ping()
        finally:
            client.close()
    except (DockerException, requests.RequestException, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"no Docker Engine answers at {url} ({reason})"
    return url, ""


def start_engine(dockerd: str, folder: Path) -> tuple[subprocess.Popen, str]:
    """Start dockerd with all its state in ``folder``; returns the process and DOCKER_HOST."""
    config = folder / "daemon.json"
    config.write_text("{}\n", encoding="utf-8")
    sock = folder / "docker.sock"
    log = folder / "dockerd.log"
    process = start_process(
        [
            dockerd,
            "--config-file",
            str(config),
            "--storage-driver=vfs",
            "--iptables=false",
            "--ip6tables=false",
            "--bridge=none",
            "--data-root",
            str(folder / "data"),
            "--exec-root",
            str(folder / "exec"),
            "--pidfile",
            str(folder / "dockerd.pid"),
            "-H",
            f"unix://{sock}",
        ],
        log,
    )
    try:
        wait_until(
            lambda: engine_answers(sock),
            process,
            name="dockerd",
            log=log,
            timeout=STARTUP_TIMEOUT,
        )
    except BaseException:
        stop(process)
        raise
    return process, f"unix://{sock}"


@contextlib.contextmanager
def _removing_test_images(url: str) -> Iterator[None]:
    """On an engine that is not ours: remove, at the end, the images the session built (new
    since the start, and every tag of theirs names a 127.0.0.1 registry)."""
    client = _engine_client(url)
    before = {image.id for image in client.images.list(all=True)}
    try:
        yield
    finally:
        for image in client.images.list():
            tags = image.tags
            if (
                image.id not in before
                and tags
                and all(t.startswith(TEST_IMAGE_PREFIX) for t in tags)
            ):
                with contextlib.suppress(Exception):  # in use, or gone already: leave it
                    client.images.remove(image.id, force=True)
        client.close()


@contextlib.contextmanager
def _own_engine(why_no_engine: str) -> Iterator[str]:
    """A dockerd of our own for the session, removed with all its files at the end."""
    dockerd = find_binary("dockerd")
    if dockerd is None:
        unavailable(
            f"{why_no_engine}, and dockerd is not installed to start one (start Docker, or on "
            "Debian: apt-get install docker.io)"
        )
    if os.geteuid() != 0:
        unavailable(
            f"{why_no_engine}, and a dockerd of our own needs root (start Docker and give this "
            "user its socket, or run the Docker tests as root)"
        )
    folder = _service_folder("dk-")
    try:
        try:
            process, url = start_engine(dockerd, folder)
        except ServiceError as error:
            pytest.fail(str(error), pytrace=False)
        try:
            yield url
        finally:
            stop(process)
    finally:
        # vfs keeps full copies of every layer: do not leave them behind in /tmp.
        shutil.rmtree(folder, ignore_errors=True)


def _service_folder(prefix: str) -> Path:
    # Short, under /tmp: unix socket paths (dockerd's and containerd's) must stay < 108 bytes.
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def _require_sdk() -> None:
    try:
        import docker  # noqa: F401  (the SDK the code under test drives)
    except ImportError:
        unavailable("the docker Python SDK is not installed (pip install docker)")


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[str]:
    """The session's Docker Engine: a running one, else our own; yields its DOCKER_HOST URL."""
    _require_sdk()
    url, why_not = running_engine()
    if url is not None:
        with _removing_test_images(url):
            yield url
        return
    with _own_engine(why_not) as url:
        yield url


# -- the registry --------------------------------------------------------------------------


def registry_settings(listen: str, storage: str, htpasswd: str | None = None) -> str:
    """The registry's config.yml: listening on ``listen``, storing under ``storage``; with
    ``htpasswd`` (a path) every request needs HTTP basic credentials from that bcrypt file."""
    settings: dict = {
        "version": 0.1,
        "log": {"level": "info"},
        "storage": {"filesystem": {"rootdirectory": storage}, "delete": {"enabled": True}},
        "http": {"addr": listen},
    }
    if htpasswd is not None:
        settings["auth"] = {"htpasswd": {"realm": "test-registry", "path": htpasswd}}
    return json.dumps(settings, indent=2)  # JSON is YAML, and json.dumps quotes paths safely


def start_registry(
    binary: str, folder: Path, *, htpasswd: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Start a registry on a free 127.0.0.1 port with storage in ``folder``; with ``htpasswd``
    every request needs HTTP basic credentials from that (bcrypt) file."""
    address = f"127.0.0.1:{free_port()}"
    config = folder / "config.yml"
    config.write_text(
        registry_settings(address, str(folder / "data"), str(htpasswd) if htpasswd else None),
        encoding="utf-8",
    )
    log = folder / "registry.log"
    process = start_process([binary, "serve", str(config)], log)
    try:
        wait_until(
            lambda: registry_answers(address, auth=htpasswd is not None),
            process,
            name="docker-registry",
            log=log,
            timeout=STARTUP_TIMEOUT,
        )
    except BaseException:
        stop(process)
        raise
    return process, address


class _ContainerProcess:
    """What ``wait_until`` needs of a process (``poll()``, ``returncode``), for a container."""

    def __init__(self, container):
        self.container = container
        self.returncode: int | None = None

    def poll(self) -> int | None:
        self.container.reload()
        if self.container.status in ("exited", "dead"):
            self.returncode = self.container.attrs["State"]["ExitCode"]
        return self.returncode

    def log_tail(self) -> str:
        with contextlib.suppress(Exception):
            text = self.container.logs().decode("utf-8", errors="replace")
            return "\n".join(text.splitlines()[-LOG_TAIL_LINES:]) or "(empty log)"
        return "(no log)"


def _tar(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name.lstrip("/"))
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _registry_image(client, image: str, *, chosen: bool) -> None:
    """The registry image on the engine: there already, or pulled. ``chosen``: named by
    DOCKER_TEST_REGISTRY_IMAGE (else the default, used for want of the docker-registry binary)."""
    from docker.errors import DockerException, ImageNotFound

    try:
        client.images.get(image)
        return
    except ImageNotFound:
        pass
    try:
        client.images.pull(image)
    except DockerException as error:
        why = (
            f"{REGISTRY_IMAGE_VARIABLE}={image}, which the engine cannot pull"
            if chosen
            else f"docker-registry is not installed and the engine cannot pull {image}"
        )
        unavailable(
            f"{why} ({error}) — install docker-registry (Debian), or set "
            f"{REGISTRY_IMAGE_VARIABLE} to a registry image the engine has"
        )


def start_registry_container(client, image: str, *, htpasswd_line: str | None = None):
    """Run the registry image on the engine, reachable at a free 127.0.0.1 port: the port is
    published when the engine has a bridge network, else (an engine started with
    ``--bridge=none``) the container shares the host's network. Returns (container, address)."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    htpasswd = "/etc/docker/registry/htpasswd" if htpasswd_line is not None else None
    if client.networks.list(names=["bridge"]):
        listen, network = (
            f":{REGISTRY_PORT}",
            {"ports": {f"{REGISTRY_PORT}/tcp": ("127.0.0.1", port)}},
        )
    else:
        listen, network = address, {"network_mode": "host"}
    files = {REGISTRY_CONFIG: registry_settings(listen, "/var/lib/registry", htpasswd)}
    if htpasswd is not None:
        files[htpasswd] = htpasswd_line + "\n"
    container = client.containers.create(
        image, command=[REGISTRY_CONFIG], labels={TEST_LABEL: "registry"}, **network
    )
    process = _ContainerProcess(container)
    try:
        container.put_archive("/", _tar(files))
        container.start()
        wait_until(
            lambda: registry_answers(address, auth=htpasswd is not None),
            process,
            name=f"the registry container ({image})",
            log=process.log_tail,
            timeout=STARTUP_TIMEOUT,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            container.remove(force=True)
        raise
    return container, address


@contextlib.contextmanager
def _registry_process(binary: str, htpasswd_line: str | None) -> Iterator[str]:
    folder = _service_folder("reg-")
    try:
        htpasswd = None
        if htpasswd_line is not None:
            htpasswd = folder / "htpasswd"
            htpasswd.write_text(htpasswd_line + "\n", encoding="utf-8")
        try:
            process, address = start_registry(binary, folder, htpasswd=htpasswd)
        except ServiceError as error:
            pytest.fail(str(error), pytrace=False)
        try:
            yield address
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _registry_container(
    engine_url: str, image: str | None, htpasswd_line: str | None
) -> Iterator[str]:
    client = _engine_client(engine_url)
    chosen, image = image is not None, image or DEFAULT_REGISTRY_IMAGE
    try:
        _registry_image(client, image, chosen=chosen)
        try:
            container, address = start_registry_container(
                client, image, htpasswd_line=htpasswd_line
            )
        except ServiceError as error:
            pytest.fail(str(error), pytrace=False)
        try:
            yield address
        finally:
            with contextlib.suppress(Exception):
                container.remove(force=True)  # and its storage with it
    finally:
        client.close()


@contextlib.contextmanager
def _running_registry(
    request: pytest.FixtureRequest, *, htpasswd_line: str | None = None
) -> Iterator[str]:
    """A registry of its own, gone on exit; yields its address. With ``htpasswd_line``
    (``user:bcrypt-hash``) it needs that login. The docker-registry binary when installed,
    else the registry image on the session's engine."""
    _require_sdk()
    image = os.environ.get(REGISTRY_IMAGE_VARIABLE)
    binary = None if image else find_binary("docker-registry")
    if binary is not None:
        with _registry_process(binary, htpasswd_line) as address:
            yield address
        return
    engine_url = request.getfixturevalue("docker_engine")
    with _registry_container(engine_url, image, htpasswd_line) as address:
        yield address


@pytest.fixture(scope="session")
def registry(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty registry for the session; yields ``127.0.0.1:<port>``."""
    with _running_registry(request) as address:
        yield address


@pytest.fixture(scope="session")
def auth_registry(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    """A registry that needs a login; yields ``(address, username, password)``."""
    try:
        import bcrypt  # the only hash the registry's htpasswd accepts
    except ImportError:
        unavailable("bcrypt is not installed (pip install -e '.[dev]')")
    username, password = "ci-bot", "s3cret-registry-password"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    with _running_registry(request, htpasswd_line=f"{username}:{hashed}") as address:
        yield address, username, password


@pytest.fixture
def docker_env(
    docker_engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point ``docker.from_env()`` at the test engine, with no stored registry logins."""
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_HOST", docker_engine)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    for variable in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
        monkeypatch.delenv(variable, raising=False)
    yield docker_engine


def registry_manifest_digest(
    address: str, repository: str, reference: str, *, login: tuple[str, str] | None = None
) -> str | None:
    """The digest the registry reports for ``repository:reference`` (a tag or a digest),
    read straight from the registry HTTP API v2; None when it has no such manifest.
    ``login`` is (username, password) for a registry that needs one."""
    headers = {
        "Accept": ", ".join(
            [
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.docker.distribution.manifest.list.v2+json",
                "application/vnd.oci.image.index.v1+json",
            ]
        )
    }
    if login is not None:
        token = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(
        f"http://{address}/v2/{repository}/manifests/{reference}",
        method="HEAD",
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=10.0) as response:
            return response.headers.get("Docker-Content-Digest")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
