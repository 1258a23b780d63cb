"""Pytest fixtures for TLS test servers (registered from tests/conftest.py).

- `test_ca`: the throwaway CA and 127.0.0.1 certificate of this session (`TlsFiles`).
- `trust_test_ca`: the clients of this test trust that CA, as a user trusts a private CA:
  `REQUESTS_CA_BUNDLE` (requests) and `SSL_CERT_FILE` (urllib, the ssl module's default).
"""

from __future__ import annotations

import pytest

from tests.servers.tls import TlsFiles, make_tls_files


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust_test_ca(test_ca: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> TlsFiles:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(test_ca.ca_cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_cert))
    return test_ca
