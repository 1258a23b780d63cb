"""A real Docker Engine and a real registry on this machine, started once per test session.

Image building is tested against the real thing: Debian's ``docker.io`` (dockerd) and
``docker-registry`` (the CNCF distribution registry). Nothing can be pulled from Docker Hub in
tests, so test images are ``FROM scratch`` with COPY steps only.

The engine runs without networking (``--bridge=none``, no iptables) and with the ``vfs`` storage
driver, which needs no kernel overlay support; it reads no host configuration
(``--config-file`` points at an empty file) and keeps every file under its own temporary folder,
so it never touches a Docker Engine the machine may already run.

When the binaries (or root, which dockerd needs) are missing the tests are skipped; with
``REQUIRE_DOCKER=1`` (set in CI) they fail instead, so CI can never go green by skipping them.

Fixtures:
- ``docker_engine`` (session): the ``DOCKER_HOST`` URL, ``unix:///.../docker.sock``.
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
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 90.0  # seconds; vfs start is fast, but a loaded CI machine can be slow
STOP_TIMEOUT = 20.0
LOG_TAIL_LINES = 40
# Where Debian installs the daemons; PATH of a non-login shell may lack /usr/sbin.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])


class ServiceError(RuntimeError):
    """A daemon did not come up; the message carries the tail of its log."""


def docker_required() -> bool:
    return os.environ.get("REQUIRE_DOCKER") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail when the environment promises Docker (REQUIRE_DOCKER=1 in CI)."""
    if docker_required():
        pytest.fail(f"REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


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


def wait_until(ready, process: subprocess.Popen, *, name: str, log: Path, timeout: float) -> None:
    """Poll ``ready()`` until it holds; fail early if the process died, late on timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not ready():
        if process.poll() is not None:
            raise ServiceError(
                f"{name} exited with code {process.returncode} while starting; its log:\n"
                f"{log_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise ServiceError(
                f"{name} did not answer within {timeout:.0f}s; its log:\n{log_tail(log)}"
            )
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


def start_registry(
    binary: str, folder: Path, *, htpasswd: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Start a registry on a free 127.0.0.1 port with storage in ``folder``; with ``htpasswd``
    every request needs HTTP basic credentials from that (bcrypt) file."""
    address = f"127.0.0.1:{free_port()}"
    config = folder / "config.yml"
    settings: dict = {
        "version": 0.1,
        "log": {"level": "info"},
        "storage": {
            "filesystem": {"rootdirectory": str(folder / "data")},
            "delete": {"enabled": True},
        },
        "http": {"addr": address},
    }
    if htpasswd is not None:
        settings["auth"] = {"htpasswd": {"realm": "test-registry", "path": str(htpasswd)}}
    # JSON is YAML, and json.dumps quotes the paths safely.
    config.write_text(json.dumps(settings, indent=2), encoding="utf-8")
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


def _service_folder(prefix: str) -> Path:
    # Short, under /tmp: unix socket paths (dockerd's and containerd's) must stay < 108 bytes.
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def _check_prerequisites(binary_name: str) -> str:
    try:
        import docker  # noqa: F401  (the SDK the code under test drives)
    except ImportError:
        unavailable("the docker Python SDK is not installed (pip install docker)")
    binary = find_binary(binary_name)
    if binary is None:
        unavailable(
            f"{binary_name} is not installed (Debian: apt-get install docker.io docker-registry)"
        )
    return binary


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[str]:
    """A Docker Engine of our own for the session; yields its DOCKER_HOST URL."""
    dockerd = _check_prerequisites("dockerd")
    if os.geteuid() != 0:
        unavailable("dockerd needs root to run (run the Docker tests as root, as CI does)")
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


@contextlib.contextmanager
def _running_registry(binary: str, *, htpasswd_line: str | None = None) -> Iterator[str]:
    """A registry in a folder of its own, stopped and removed on exit; yields its address.
    With ``htpasswd_line`` (``user:bcrypt-hash``) it needs that login."""
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


@pytest.fixture(scope="session")
def registry() -> Iterator[str]:
    """An empty registry for the session; yields ``127.0.0.1:<port>``."""
    with _running_registry(_check_prerequisites("docker-registry")) as address:
        yield address


@pytest.fixture(scope="session")
def auth_registry() -> Iterator[tuple[str, str, str]]:
    """A registry that needs a login; yields ``(address, username, password)``."""
    binary = _check_prerequisites("docker-registry")
    try:
        import bcrypt  # the only hash the registry's htpasswd accepts
    except ImportError:
        unavailable("bcrypt is not installed (pip install -e '.[dev]')")
    username, password = "ci-bot", "s3cret-registry-password"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    with _running_registry(binary, htpasswd_line=f"{username}:{hashed}") as address:
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
