# Do not edit: the template owns this file (make template-update brings its changes).
"""A ``kfp.Client`` made safe for CI, and ``connect()``, the factory every command uses.

``kfp.Client`` is the right client (it is what users' notebooks use, and its generated APIs are
the server's own OpenAPI client), but used naively in CI it:

- calls healthz in its constructor and retries 5 x 5 s on errors (25 s before any message);
- reads ``~/.config/kfp/context.json`` (a stale namespace, cookie or header on a runner silently
  changes behaviour) and may even write it;
- has no request timeout (a black-holed host hangs the job) and no retries.

So ``connect()`` builds a client that skips the constructor's healthz and the context file, adds
a default timeout, and then runs one preflight healthz of its own with a short timeout (see
``KfpApi.preflight``). Credentials come only from KFP_TOKEN, KF_PIPELINES_SA_TOKEN_PATH or
KFP_COOKIES and are never part of a message::

    api = connect(environment)          # environment from scripts.repo.environments
    api.client                          # the configured kfp.Client (no context file, timeouts)
    api.namespace                       # the namespace to send (None in single-user mode)
    api.call("start a run", api.client.run_pipeline, ...)   # retries + error translation
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from scripts.core.errors import ConfigError
from scripts.core.retry import RetryPolicy
from scripts.repo.environments import ENVIRONMENTS_FILE, Environment, is_http_url, override_message
from scripts.targets.kfp.api import DEFAULT_RETRY, KfpApi
from scripts.targets.kfp.auth import Auth

# (connect, read) seconds. Uploads of large specs can take a while; connecting should not.
DEFAULT_TIMEOUT = (10.0, 120.0)


def _client_class() -> type:
    """A ``kfp.Client`` that does no I/O of its own in the constructor.

    Built lazily so that importing this module does not import kfp (``--help`` stays fast).
    """
    import kfp

    class IsolatedClient(kfp.Client):
        def __init__(self, *args: Any, namespace: str | None = None, **kwargs: Any):
            self._isolated_namespace = namespace or ""
            self._preflight: Any = None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # "only works with KFP v2..."
                super().__init__(*args, **kwargs)

        def _load_context_setting_or_default(self) -> None:
            # Never ~/.config/kfp/context.json: a stale file on a runner must not decide the
            # namespace, cookies or auth header.
            self._context_setting = {"namespace": self._isolated_namespace}

        def set_user_namespace(self, namespace: str) -> None:
            self._context_setting["namespace"] = namespace  # in memory only, no file write

        def get_kfp_healthz(self, sleep_duration: int = 5) -> Any:
            # The constructor calls this and would retry 5 x 5 s; connect() runs its own
            # preflight and stores the answer here, so later callers get it for free.
            if self._preflight is None:
                import kfp_server_api

                return kfp_server_api.V2beta1GetHealthzResponse(multi_user=False)
            return self._preflight

    return IsolatedClient


def _install_transport_defaults(client: Any, timeout: tuple[float, float]) -> None:
    """One retry policy (ours) and a default timeout for every request of this client.

    The generated REST layer passes ``timeout=None`` (wait forever) unless a call gives
    ``_request_timeout``, and urllib3 would retry connection errors three more times on its own.
    """
    api_client = client._pipelines_api.api_client
    rest = api_client.rest_client
    rest.pool_manager.connection_pool_kw["retries"] = False
    original = rest.request

    def request_with_timeout(*args: Any, _request_timeout: Any = None, **kwargs: Any) -> Any:
        return original(*args, _request_timeout=_request_timeout or timeout, **kwargs)

    rest.request = request_with_timeout


def connect(
    environment: Environment,
    *,
    environ: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    preflight: bool = True,
) -> KfpApi:
    """The client factory: a KfpApi for ``environment`` (``scripts.repo.environments.Environment``),
    authenticated from the environment variables, preflighted unless ``preflight=False``."""
    host = environment.kfp_host.rstrip("/")
    if not is_http_url(host):
        raise _host_error(environment, host)
    auth = Auth.from_environ(environ)
    credentials = None
    if auth.token_path:
        from kfp.client import ServiceAccountTokenVolumeCredentials

        credentials = ServiceAccountTokenVolumeCredentials(path=auth.token_path)
    client = _client_class()(
        host=host,
        namespace=environment.namespace,
        existing_token=auth.token,
        cookies=auth.cookies,
        credentials=credentials,
    )
    _install_transport_defaults(client, timeout)
    api = KfpApi(client, host=host, namespace=environment.namespace, auth=auth, retry=retry)
    if preflight:
        api.preflight()
    return api


def _host_error(environment: Environment, host: str) -> ConfigError:
    """A host that is no http(s) URL, blamed where it came from: the variable or the file
    (``load_environment`` checks both already; this guards an Environment made another way)."""
    if "kfp_host" in environment.from_variables:
        return ConfigError(override_message("kfp_host", host))
    return ConfigError(
        f"environments.{environment.name}.kfp_host {host!r} is not an http(s) URL — set it to "
        "the KFP API address, e.g. https://kfp.example.com",
        path=ENVIRONMENTS_FILE,
    )
