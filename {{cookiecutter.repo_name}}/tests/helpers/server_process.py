"""A real server that is a program of its own, started on this machine for the test session.

The integrations' tests talk to the real thing: ``mlflow server`` (tests/integrations/mlflow/)
and ``haupt sandbox`` (tests/integrations/polyaxon/). Each pins libraries this project also
pins, so each lives in a virtualenv of its own, and both are found, started, awaited and
stopped the same way; that way is here, and each server module keeps only its command line,
its readiness check and what its tests need to know about it.

- Found: its ``..._BIN`` variable when set (it must then name an executable), else
  ``.venv-<name>/bin/<executable>`` in this repository (a make target creates it), else, for a
  program whose PATH copy can serve, on PATH (``ServerProgram.find``).
- Missing: the tests that need it are skipped; when the environment promises it
  (``REQUIRE_<NAME>=1``, set in CI) they fail instead, so CI can never go green by skipping them
  (``ServerProgram.unavailable``).
- Started in a session of its own (``stop`` then ends its whole process group: workers and all)
  on a port the caller picks with ``free_port``, with its output in a log file; ready once its
  check passes. Dying first, or not answering in time, is a ``ServiceError`` that carries the
  log's tail, and fails the tests that need it (``start_server``, ``session_server``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.helpers.docker_services import ServiceError, stop, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 180.0  # seconds; these run database migrations, slow on a loaded CI machine
ANSWER_TIMEOUT = 2.0  # seconds for one readiness request


@dataclass(frozen=True)
class ServerProgram:
    """Where a server program is found, and what its tests say when it is not."""

    name: str  # the integration, e.g. "mlflow": .venv-mlflow, REQUIRE_MLFLOW
    executable: str  # e.g. "mlflow"
    binary_variable: str  # names the executable, e.g. "MLFLOW_SERVER_BIN"
    make_target: str  # creates the virtualenv, e.g. "mlflow-server"
    description: str  # what a skip says is missing, e.g. "MLflow server"
    on_path: bool = False  # whether a copy on PATH can serve (mlflow's there usually cannot)

    @property
    def venv(self) -> str:
        """This repository's virtualenv of the program."""
        return f".venv-{self.name}"

    @property
    def require_variable(self) -> str:
        """Set to "1" where the server is promised (CI): missing, it fails the tests."""
        return f"REQUIRE_{self.name.upper()}"

    def find(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The executable: ``$binary_variable``, this repo's virtualenv, or (``on_path``) PATH."""
        environ = os.environ if environ is None else environ
        configured = environ.get(self.binary_variable)
        if configured:
            return configured if os.access(configured, os.X_OK) else None
        local = REPO_ROOT / self.venv / "bin" / self.executable
        if os.access(local, os.X_OK):
            return str(local)
        return shutil.which(self.executable) if self.on_path else None

    def required(self) -> bool:
        return os.environ.get(self.require_variable) == "1"

    def unavailable(self, reason: str) -> NoReturn:
        """Skip, or fail when the environment promises the server (``REQUIRE_...=1`` in CI)."""
        if self.required():
            pytest.fail(f"{self.require_variable}=1 but {reason}", pytrace=False)
        pytest.skip(reason)

    def missing_reason(self) -> str:
        """Why ``find`` found nothing, and how to fix it."""
        configured = os.environ.get(self.binary_variable)
        if configured:
            return f"{self.binary_variable}={configured} is not an executable file"
        return (
            f"no {self.description} (set {self.binary_variable}, or run "
            f"`make {self.make_target}` to create {self.venv})"
        )


def isolated_environ(home: Path) -> dict[str, str]:
    """The base of a server's environment: this PATH, a HOME of its own (so it never reads or
    writes the user's dot-folders) and a UTF-8 locale; nothing else leaks in."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8"}


def http_answers(request: str | urllib.request.Request) -> bool:
    """True when ``request`` (a URL or a prepared request) gets a 2xx answer."""
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT):
            return True
    except (OSError, urllib.error.URLError):
        return False


def start_server(
    command: list[str],
    *,
    name: str,
    log: Path,
    environ: Mapping[str, str],
    ready: Callable[[], bool],
    cwd: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> subprocess.Popen:
    """Run ``command`` in a session of its own, its output to ``log``, until ``ready()``;
    stopped again (and the ServiceError raised) when it dies or does not get ready in time."""
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(environ),
            cwd=cwd,
            start_new_session=True,  # stop() ends the group: uvicorn's workers and all
        )
    try:
        wait_until(ready, process, name=name, log=log, timeout=timeout)
    except BaseException:
        stop(process)
        raise
    return process


@contextlib.contextmanager
def session_server(
    program: ServerProgram,
    tmp_path_factory: pytest.TempPathFactory,
    start: Callable[[str, Path], tuple[subprocess.Popen, Any]],
) -> Iterator[Any]:
    """The body of a session fixture: find ``program`` (or skip / fail), ``start(executable,
    folder)`` it in a fresh folder under the session's temporary root, yield what ``start``
    describes it with, and stop it at the end. A start that fails fails the tests, log and all.
    """
    executable = program.find()
    if executable is None:
        program.unavailable(program.missing_reason())
    root = tmp_path_factory.getbasetemp()
    folder = Path(tempfile.mkdtemp(prefix=f"{program.name}-", dir=root))
    try:
        process, server = start(executable, folder)
    except ServiceError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        stop(process)
