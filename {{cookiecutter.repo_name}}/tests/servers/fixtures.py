"""Pytest fixtures for the KFP API test server (registered from tests/conftest.py).

- `kfp_server`: a fresh single-user server, no auth, stopped after the test.
- `kfp_server_multi_user`: the same in multi-user mode (namespace required on pipeline calls).
- `kfp_server_factory(**options)`: any other `KfpApiServer` configuration (token, latency...).
- `kfp_client_factory(server, token=None, namespace=None)`: a real `kfp.Client` for a server,
  with `~/.config/kfp/context.json` pointed at an empty temporary home so a developer's or
  runner's context file cannot change what the client sends.
- `schedule_package` / `strict_schedule_package`: compiled pipelines for run and schedule tests
  (`x: int = 1`; a required `rows: int` and an optional `label: str`), compiled once a session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.kfp_api import KfpApiServer
from tests.servers.schedule_helpers import compile_pipeline


@pytest.fixture
def kfp_server_factory() -> Iterator[Callable[..., KfpApiServer]]:
    started: list[KfpApiServer] = []

    def start(**options: Any) -> KfpApiServer:
        server = KfpApiServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def kfp_server(kfp_server_factory: Callable[..., KfpApiServer]) -> KfpApiServer:
    return kfp_server_factory()


@pytest.fixture
def kfp_server_multi_user(kfp_server_factory: Callable[..., KfpApiServer]) -> KfpApiServer:
    return kfp_server_factory(multi_user=True)


@pytest.fixture
def isolated_kfp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME, and kfp.Client's context-file path (fixed at import) moved into it."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    import kfp

    monkeypatch.setattr(
        kfp.Client, "_LOCAL_KFP_CONTEXT", str(home / ".config" / "kfp" / "context.json")
    )
    return home


@pytest.fixture
def kfp_client_factory(isolated_kfp_home: Path) -> Callable[..., Any]:
    def make(server: KfpApiServer, token: str | None = None, namespace: str | None = None) -> Any:
        import kfp

        options: dict[str, Any] = {"host": server.url, "existing_token": token}
        if namespace is not None:
            options["namespace"] = namespace
        return kfp.Client(**options)

    return make


@pytest.fixture(scope="session")
def schedule_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_pipeline(tmp_path_factory.mktemp("schedule") / "job.yaml")


@pytest.fixture(scope="session")
def strict_schedule_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_pipeline(tmp_path_factory.mktemp("schedule") / "strict.yaml", strict=True)
