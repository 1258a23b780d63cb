"""Component images: plan, build, push and pin, through the Docker Engine (``docker`` SDK).

Data flows one way. ``plan_images`` reads the component folders (content-hash tags, see
``image_context``) and asks the registry, through the engine, which tags it already has;
nothing is written until the plan is complete, and ``--dry-run`` stops there. ``apply_plan``
then builds what is missing, pushes it and pins ``component.yaml`` to the pushed digest. One
component's failed build does not stop the others; each failure keeps the tail of its log.

The registry is reached through the engine (distribution inspect, push) rather than over HTTP
from here, so the engine's own settings (insecure registries, mirrors, proxies, stored logins)
apply exactly as they do for ``docker push``.
"""

from __future__ import annotations

import os
import re
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.errors import CheckFailed, ConfigError, Problem, RemoteError, UsageError
from scripts.image_context import DOCKERFILE, context_hash, context_paths
from scripts.image_pin import SPEC_FILE, check_pinnable, pin_image
from scripts.repo import COMPONENT_NAME, Repo

LOG_TAIL_LINES = 20
# Lets anyone trace an image in the registry back to the context hash it was built from.
CONTEXT_LABEL = "kfp-monorepo.context-hash"
# What docker accepts as a repository name: lowercase path components, optional host[:port].
REPOSITORY = re.compile(
    r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$"
)

# "dockerfile parse error line 2: unknown instruction: COPPY": worth a file:line annotation.
DOCKERFILE_PARSE_ERROR = re.compile(r"parse error (?:on )?line (\d+)")

AUTH_REFUSAL = re.compile(r"unauthori[sz]ed|denied|credentials|authenticat", re.IGNORECASE)

LogSink = Callable[[str, str], None]  # (component name, one line of build or push output)


@dataclass(frozen=True)
class Component:
    """A container component: ``components/<name>/`` with a component.yaml and a Dockerfile."""

    name: str
    folder: Path
    path: str  # repo-relative folder

    @property
    def spec(self) -> Path:
        return self.folder / SPEC_FILE


@dataclass
class ImagePlan:
    """What to do for one component, decided before anything is built or written."""

    component: Component
    repository: str  # <registry>/<name>
    tag: str  # the context hash
    paths: list[str] = field(default_factory=list)  # the context the tag was hashed from
    remote_digest: str | None = None  # set when the registry already has repository:tag
    local: bool = False  # the engine already has repository:tag (built earlier, not pushed)

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"

    @property
    def action(self) -> str:
        if self.remote_digest:
            return "exists"
        return "cached" if self.local else "build"


@dataclass
class ImageResult:
    """The outcome for one component, as shown in the table and in --format json."""

    plan: ImagePlan
    status: str  # exists, cached, built, pushed, failed; "would build" etc. under --dry-run
    digest: str | None = None
    pinned: str | None = None  # the reference component.yaml now holds (None: not pinned)
    pin_changed: bool = False  # True when pinning rewrote component.yaml
    error: str | None = None
    error_path: str | None = None  # the file to fix: the Dockerfile, or component.yaml
    error_line: int | None = None
    log_tail: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.plan.component.name,
            "path": self.plan.component.path,
            "image": self.plan.reference,
            "tag": self.plan.tag,
            "status": self.status,
            "digest": self.digest,
            "pinned": self.pinned,
            "pin_changed": self.pin_changed,
            "error": self.error,
            "log_tail": self.log_tail,
        }


class EngineUnavailable(RemoteError):
    pass


class RegistryUnavailable(RemoteError):
    pass


# --- selection -------------------------------------------------------------------------------


def container_components(repo: Repo) -> list[Component]:
    """Every component that CI builds: a folder with a component.yaml and a Dockerfile."""
    return [
        Component(name=folder.name, folder=folder, path=repo.relative(folder))
        for folder in repo.component_dirs()
        if (folder / DOCKERFILE).is_file()
    ]


def select_components(repo: Repo, names: list[str]) -> list[Component]:
    """The named container components; an unknown name or one without a Dockerfile is an
    error rather than an empty build."""
    buildable = {c.name: c for c in container_components(repo)}
    chosen = []
    for name in names:
        if name in buildable:
            chosen.append(buildable[name])
        elif (repo.components_dir / name / SPEC_FILE).is_file():
            raise UsageError(
                f"components/{name} has no {DOCKERFILE}: its image is not built here — add a "
                "Dockerfile, or leave it out"
            )
        else:
            known = ", ".join(sorted(buildable)) or "none"
            raise UsageError(f"no component {name!r} — container components in this repo: {known}")
    return sorted(set(chosen), key=lambda c: c.name)


def changed_components(repo: Repo, base: str) -> list[Component]:
    """The container components change detection reports as affected since ``base``."""
    from scripts import changed

    names = set(changed.find_changes(repo, base=base).components)
    # A deleted component is reported as changed but has nothing left to build.
    return [c for c in container_components(repo) if c.name in names]


def preflight_problems(components: list[Component], *, pin: bool) -> list[Problem]:
    """What would stop a component's run, found from the files alone before the engine is
    asked anything: a folder name that cannot name an image, and with ``--pin`` a spec whose
    image line cannot be rewritten (else the image is pushed and then the pin fails)."""
    problems: list[Problem] = []
    for component in components:
        if not COMPONENT_NAME.match(component.name):
            problems.append(
                Problem(
                    component.path,
                    None,
                    f"{component.name!r} cannot name an image — rename the folder with "
                    "lowercase letters, digits and inner hyphens",
                )
            )
        elif pin:
            try:
                check_pinnable(component.spec, display_path=f"{component.path}/{SPEC_FILE}")
            except CheckFailed as failure:
                problems += failure.problems()
    return problems


# --- configuration ---------------------------------------------------------------------------


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
    from scripts.environments import ENVIRONMENTS_FILE

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


# --- the engine ------------------------------------------------------------------------------


def _reason(error: BaseException) -> str:
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
                inner = _reason(arg)
                if inner:
                    return inner
        seen = seen.__cause__ or seen.__context__
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


def _sdk_failures() -> tuple[type[Exception], ...]:
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
            f"cannot reach the Docker Engine at {host} ({_reason(error)}) — start Docker or "
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
    except _sdk_failures() as error:
        registry = reference.split("/", 1)[0]
        # The engine reports most registry refusals as a 500 with the registry's words in it.
        status = getattr(error, "status_code", None)
        refused = status in (401, 403) or AUTH_REFUSAL.search(_reason(error))
        hint = (
            "check REGISTRY_USERNAME / REGISTRY_PASSWORD (or docker login)"
            if refused
            else "check that the registry is up and IMAGE_REGISTRY / image_registry is right"
        )
        raise RegistryUnavailable(
            f"cannot query the registry {registry} ({_reason(error)}) — {hint}"
        ) from None
    return data["Descriptor"]["digest"]


def local_image_exists(client: Any, reference: str) -> bool:
    import docker

    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        return False
    return True


# --- plan ------------------------------------------------------------------------------------


def plan_images(
    client: Any,
    components: list[Component],
    registry: str,
    *,
    auth: dict[str, str] | None,
    registry_required: bool,
    warn: Callable[[str], None],
) -> list[ImagePlan]:
    """Hash every context and ask the registry which tags it has; writes nothing.

    Without --push the registry is only a shortcut (skip building what CI already built), so
    an unreachable registry is a warning there; with --push it is an error before any build.
    """
    plans = []
    for component in components:
        paths = context_paths(component.folder, component.path)
        plans.append(
            ImagePlan(
                component=component,
                repository=f"{registry}/{component.name}",
                tag=context_hash(component.folder, paths, component.path),
                paths=paths,
            )
        )
    registry_ok = True
    for plan in plans:
        if registry_ok:
            try:
                plan.remote_digest = remote_digest(client, plan.reference, auth)
            except RegistryUnavailable as error:
                if registry_required:
                    raise
                warn(f"{error.message}; building without the registry check")
                registry_ok = False
        if not plan.remote_digest:
            plan.local = local_image_exists(client, plan.reference)
    return plans


# --- apply -----------------------------------------------------------------------------------


class StepFailed(Exception):
    """A build or push failed; carries the reason, the tail of the output and, for a Dockerfile
    the engine could not parse, the line to fix."""

    def __init__(self, reason: str, tail: list[str], line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.tail = tail
        self.line = line


def build_image(client: Any, plan: ImagePlan, log: LogSink) -> None:
    """Build ``plan.reference`` from exactly the files the tag was hashed from."""
    from docker.utils.build import create_archive

    folder = plan.component.folder
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)

    def emit(text: str) -> None:
        for line in text.splitlines():
            if not line.strip():
                continue
            tail.append(line)
            log(plan.component.name, line)

    archive = create_archive(root=str(folder), files=plan.paths)
    error = None
    try:
        stream = client.api.build(
            fileobj=archive,
            custom_context=True,
            tag=plan.reference,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
            labels={CONTEXT_LABEL: plan.tag},
        )
        for chunk in stream:
            if "stream" in chunk:
                emit(chunk["stream"])
            if "error" in chunk or "errorDetail" in chunk:
                error = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error")
                emit(error)
    except _sdk_failures() as failure:  # rejected before the build started
        error = _reason(failure)
        emit(error)
    finally:
        archive.close()
    if error:
        reason = error.strip().splitlines()[0] if error.strip() else "the engine gave no reason"
        parse_error = DOCKERFILE_PARSE_ERROR.search(reason)
        line = int(parse_error.group(1)) if parse_error else None
        raise StepFailed(f"build failed: {reason}", list(tail), line)


def push_image(client: Any, plan: ImagePlan, auth: dict[str, str] | None, log: LogSink) -> str:
    """Push ``plan.reference``; returns the manifest digest the registry stored."""
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    digest = None
    try:
        stream = client.api.push(
            plan.repository, tag=plan.tag, stream=True, decode=True, auth_config=auth
        )
        for chunk in stream:
            if "error" in chunk or "errorDetail" in chunk:
                reason = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error")
                raise StepFailed(f"push failed: {reason}", [*tail, reason])
            digest = (chunk.get("aux") or {}).get("Digest") or digest
            status = chunk.get("status")
            if status and chunk.get("id") is None:  # per-layer progress is noise in a CI log
                tail.append(status)
                log(plan.component.name, status)
    except _sdk_failures() as failure:
        raise StepFailed(f"push failed: {_reason(failure)}", list(tail)) from None
    return digest or remote_digest(client, plan.reference, auth) or ""


def apply_plan(
    client: Any,
    plans: list[ImagePlan],
    repo: Repo,
    *,
    push: bool,
    pin: bool,
    auth: dict[str, str] | None,
    log: LogSink,
) -> list[ImageResult]:
    """Build, push and pin each planned image; a failure is recorded and the next one goes on."""
    results = []
    for plan in plans:
        result = ImageResult(plan=plan, status=plan.action, digest=plan.remote_digest)
        try:
            if plan.action == "build":
                build_image(client, plan, log)
                result.status = "built"
            if push and not plan.remote_digest:
                result.digest = push_image(client, plan, auth, log)
                result.status = "pushed"
        except StepFailed as failure:
            result.status, result.error, result.log_tail = "failed", failure.reason, failure.tail
            result.error_path = f"{plan.component.path}/{DOCKERFILE}"
            result.error_line = failure.line
        if pin and result.digest and result.status != "failed":
            reference = f"{plan.repository}@{result.digest}"
            spec = plan.component.spec
            try:
                result.pin_changed = pin_image(spec, reference, display_path=repo.relative(spec))
                result.pinned = reference
            except CheckFailed as failure:
                result.status, result.error = "failed", failure.message
                result.error_path, result.error_line = failure.path, failure.line
        results.append(result)
    return results


def dry_run_results(plans: list[ImagePlan], *, push: bool, pin: bool) -> list[ImageResult]:
    """What apply_plan would do, without doing it."""
    results = []
    for plan in plans:
        steps = {"build": ["build"], "cached": [], "exists": []}[plan.action]
        if push and not plan.remote_digest:
            steps.append("push")
        if pin and (push or plan.remote_digest):
            steps.append("pin")
        status = f"would {' + '.join(steps)}" if steps else plan.action
        results.append(ImageResult(plan=plan, status=status, digest=plan.remote_digest))
    return results
