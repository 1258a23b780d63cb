# Do not edit: the template owns this file (make template-update brings its changes).
"""The Docker Engine and the registry behind it: connecting, credentials, and what a registry has.

The registry is reached through the engine (distribution inspect, push) rather than over HTTP
from here, so the engine's own settings (insecure registries, mirrors, proxies, stored logins)
apply exactly as they do for ``docker push``. Every failure is one line that names the fix.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Any

from scripts.core.errors import ConfigError, RemoteError
from scripts.repo.environments import ENVIRONMENTS_FILE

# What docker accepts as a repository name: lowercase path components, optional host[:port].
REPOSITORY = re.compile(
    r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$"
)

AUTH_REFUSAL = re.compile(r"unauthori[sz]ed|denied|credentials|authenticat", re.IGNORECASE)


class EngineUnavailable(RemoteError):
    pass


class RegistryUnavailable(RemoteError):
    pass


def registry_auth(environ: dict[str, str] | None = None) -> dict[str, str] | None:
    """Credentials from REGISTRY_USERNAME / REGISTRY_PASSWORD, or None to use the engine's
    stored logins (``docker login``). Never printed."""
    environ = os.environ if environ is None else environ
    username, password = environ.get("REGISTRY_USERNAME"), environ.get("REGISTRY_PASSWORD")
    if not username and not password:
        return None
    if not (username and password):
        raise ConfigError(
            "set both REGISTRY_USERNAME and REGISTRY_PASSWORD, or neither (to use docker login)"
        )
    return {"username": username, "password": password}


def check_registry(registry: str | None, env_name: str) -> str:
    """The registry prefix, checked once so every image reference built from it is valid."""
    from_variable = bool(os.environ.get("IMAGE_REGISTRY"))
    path = None if from_variable else ENVIRONMENTS_FILE
    if not registry:
        raise ConfigError(
            f"environment {env_name!r} has no image_registry — add one (host[:port]/path) or "
            "set IMAGE_REGISTRY",
            path=path,
        )
    registry = registry.rstrip("/")
    if not REPOSITORY.match(registry):
        where = "IMAGE_REGISTRY" if from_variable else f"environments.{env_name}.image_registry"
        raise ConfigError(
            f"{where} {registry!r} is not a registry path — write host[:port]/path in "
            "lowercase, without a scheme or tag",
            path=path,
        )
    return registry


def reason_of(error: BaseException) -> str:
    """The most specific one-line reason: the engine's own explanation (it names the registry
    error), else the innermost OS error (a missing socket, a refused connection)."""
    explanation = getattr(error, "explanation", None)
    if explanation:
        return str(explanation).strip().splitlines()[0][:300]
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        for arg in getattr(seen, "args", ()):
            if isinstance(arg, BaseException) and arg is not seen:
                inner = reason_of(arg)
                if inner:
                    return inner
        seen = seen.__cause__ or seen.__context__
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


def sdk_failures() -> tuple[type[Exception], ...]:
    """What the SDK raises for a refused request, and for a credential helper named in
    config.json that cannot run: wrapped in a DockerException on most calls, but a bare
    StoreError from the stored logins every build sends."""
    from docker.credentials.errors import StoreError
    from docker.errors import DockerException

    return (DockerException, StoreError)


def connect_engine() -> Any:
    """A ``docker.DockerClient`` from DOCKER_HOST (and friends) that has answered a ping."""
    import docker

    # The SDK also warns (a Python UserWarning on stderr) about a credential helper it cannot
    # run; the error that follows names it in one line, so the warning is only noise.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"docker\.credentials")
    host = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise EngineUnavailable(
            f"cannot reach the Docker Engine at {host} ({reason_of(error)}) — start Docker or "
            "set DOCKER_HOST to a running engine"
        ) from None
    return client


def remote_digest(client: Any, reference: str, auth: dict[str, str] | None) -> str | None:
    """The registry's manifest digest for ``reference`` (repository:tag), None if absent."""
    import docker

    try:
        data = client.api.inspect_distribution(reference, auth_config=auth)
    except docker.errors.NotFound:
        return None
    except sdk_failures() as error:
        registry = reference.split("/", 1)[0]
        # The engine reports most registry refusals as a 500 with the registry's words in it.
        status = getattr(error, "status_code", None)
        refused = status in (401, 403) or AUTH_REFUSAL.search(reason_of(error))
        hint = (
            "check REGISTRY_USERNAME / REGISTRY_PASSWORD (or docker login)"
            if refused
            else "check that the registry is up and IMAGE_REGISTRY / image_registry is right"
        )
        raise RegistryUnavailable(
            f"cannot query the registry {registry} ({reason_of(error)}) — {hint}"
        ) from None
    return data["Descriptor"]["digest"]


def local_image_exists(client: Any, reference: str) -> bool:
    import docker

    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        return False
    return True
