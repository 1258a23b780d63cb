# Do not edit: the template owns this file (make template-update brings its changes).
"""The environments (dev, prod, ...) from ``environments.yml``, with run-time overrides.

Publishing, image building and Polyaxon sync all start here: which host, which namespace, which
registry, and which target runs the pipelines: ``target: kfp`` (the default; a KFP API at
``kfp_host``) or ``target: vertex`` (Vertex AI Pipelines in ``project``/``region``, templates in
the Artifact Registry repository ``registry``). Environment variables override the file so CI
(and a developer pointing at a test server) never needs to edit it: KFP_HOST, KFP_NAMESPACE,
IMAGE_REGISTRY, POLYAXON_HOST, POLYAXON_OWNER, VERTEX_API_ENDPOINT (the Vertex AI API's
``host[:port]``, e.g. a private endpoint) and KFP_REGISTRY_HOST (``registry_endpoint``: the URL
the registry client uses instead of ``registry``; templates are still referenced by
``registry``, the URL Vertex AI reads them from). An override is checked by the rule the file's
value has, and a bad one is blamed on its variable (``KFP_HOST '127.0.0.1:9' is not an http(s)
URL (from $KFP_HOST) — ...``), never on a line of environments.yml it did not come from.
``Environment.from_variables`` remembers which settings a variable gave, for the messages of
later checks (``client.connect``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scripts.core.cron import cron_problem, timezone_problem
from scripts.core.errors import ConfigError, Problem
from scripts.core.yaml_io import YamlError, load_yaml_mapping

ENVIRONMENTS_FILE = "environments.yml"
OVERRIDES = {
    "kfp_host": "KFP_HOST",
    "namespace": "KFP_NAMESPACE",
    "image_registry": "IMAGE_REGISTRY",
    "polyaxon_host": "POLYAXON_HOST",
    "polyaxon_owner": "POLYAXON_OWNER",
    "registry_endpoint": "KFP_REGISTRY_HOST",
    "api_endpoint": "VERTEX_API_ENDPOINT",
}
TARGETS = ("kfp", "vertex")
URL_SETTINGS = ("registry", "registry_endpoint")  # compared and joined without a trailing "/"
# What each target needs besides the common settings (the schema says the same; tests keep them
# in step). A Vertex environment's kfp_host is unused.
REQUIRED_SETTINGS = {
    "kfp": ("kfp_host",),
    "vertex": ("project", "region", "registry", "pipeline_root", "service_account"),
}
# The rules of schemas/environments.schema.json (tests keep them in step) and, for the registry,
# Docker's repository grammar as `images` checks it (scripts/images/engine.py, REPOSITORY).
NAMESPACE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
API_ENDPOINT = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
REGISTRY_PATH = re.compile(
    r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$"
)


def is_http_url(value: str) -> bool:
    """An http(s) URL with a host name, as kfp_host and polyaxon_host must be."""
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


# What an overriding variable's value must be: the check, what it is not, and how to fix it.
OVERRIDE_RULES: dict[str, tuple[Callable[[str], bool], str, str]] = {
    "kfp_host": (
        is_http_url,
        "an http(s) URL",
        "set it to the KFP API address, e.g. https://kfp.example.com",
    ),
    "namespace": (
        lambda value: bool(NAMESPACE.match(value)),
        "a Kubernetes namespace name",
        "use lowercase letters, digits and inner hyphens, at most 63 characters, e.g. team-a",
    ),
    "image_registry": (
        lambda value: bool(REGISTRY_PATH.match(value.rstrip("/"))),
        "a registry path",
        "write host[:port]/path in lowercase, without a scheme or tag, e.g. ghcr.io/acme/ml",
    ),
    "polyaxon_host": (
        is_http_url,
        "an http(s) URL",
        "set it to the Polyaxon API address, e.g. https://polyaxon.example.com",
    ),
    "polyaxon_owner": (
        lambda value: bool(value.strip()),
        "an organisation name",
        "set it to the Polyaxon organisation ('default' on Polyaxon CE), or unset it",
    ),
    "registry_endpoint": (
        lambda value: value.startswith("https://") and is_http_url(value),
        "an https URL",
        "set it to the full URL the registry client should use for the repository, e.g. "
        "https://europe-west4-kfp.pkg.dev/acme-ml-prod/pipelines",
    ),
    "api_endpoint": (
        lambda value: bool(API_ENDPOINT.match(value)),
        "a host[:port]",
        "set it to the Vertex AI API's host[:port] without a scheme, e.g. "
        "europe-west4-aiplatform.googleapis.com",
    ),
}


class EnvironmentVariablesError(ConfigError):
    """Overriding variables with bad values, one problem each, blamed on the variable (the file
    is not where the fix goes)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self._problems = problems

    def problems(self) -> list[Problem]:
        return list(self._problems)


def override_message(key: str, value: str) -> str:
    """The one line for a bad override: ``KFP_HOST 'x' is not an http(s) URL (from $KFP_HOST)
    — set it ...``."""
    variable = OVERRIDES[key]
    _, what, fix = OVERRIDE_RULES[key]
    return f"{variable} {value!r} is not {what} (from ${variable}) — {fix}"


@dataclass(frozen=True)
class Environment:
    name: str
    kfp_host: str = ""  # target kfp only
    # Which service runs this environment's pipelines (scripts/targets/select.py): kfp | vertex.
    target: str = "kfp"
    # Target vertex: the Google Cloud project and region of Vertex AI Pipelines, the Artifact
    # Registry (KFP format) repository URL for templates, the pipeline root, the service account
    # the runs run as, and (rarely) other endpoints for the clients: the Vertex AI API's
    # host[:port] and the URL of the registry (a private endpoint); Vertex AI itself still reads
    # templates from ``registry``.
    project: str | None = None
    region: str | None = None
    registry: str | None = None
    registry_endpoint: str | None = None
    pipeline_root: str | None = None
    service_account: str | None = None
    api_endpoint: str | None = None
    namespace: str | None = None
    image_registry: str | None = None
    polyaxon_host: str | None = None
    polyaxon_owner: str | None = None
    # MLflow's tracking server (scripts/integrations/mlflow/). MLFLOW_TRACKING_URI overrides it
    # there only: MLflow also takes "databricks" or "file:" URIs, so a value meant for another
    # tool must not stop commands that have nothing to do with MLflow.
    mlflow_tracking_uri: str | None = None
    # The KFP cluster's cron time zone (its cronScheduleTimezone): schedules' crons are read in it.
    timezone: str = "UTC"
    # When monitor.yml checks this environment (UTC, as GitHub runs schedules): --since auto.
    monitor_cron: str | None = None
    # The settings an environment variable gave (keys of OVERRIDES), so that a problem with one
    # of them is blamed on the variable and not on environments.yml.
    from_variables: frozenset[str] = frozenset()

    @property
    def address(self) -> str:
        """Where this environment's pipelines live, for reports: the KFP host, or the Vertex
        AI project and region."""
        if self.target == "vertex":
            return f"vertex-ai://{self.project}/{self.region}"
        return self.kfp_host


# What an environment reads from its entry in the file: every field but these two.
FILE_SETTINGS = frozenset(Environment.__dataclass_fields__) - {"name", "from_variables"}


def load_environment(
    root: Path, name: str, environ: Mapping[str, str] | None = None
) -> Environment:
    """The named environment with overrides applied; a missing one is a ConfigError (exit 2),
    and so is an overriding variable with a bad value (every one of them, each blamed on its
    variable)."""
    environ = os.environ if environ is None else environ
    document = load_yaml_mapping(root / ENVIRONMENTS_FILE, display_path=ENVIRONMENTS_FILE)
    environments = document.value.get("environments")
    if not isinstance(environments, dict) or not environments:
        raise ConfigError(
            "no 'environments:' mapping — add one with at least a dev entry",
            path=ENVIRONMENTS_FILE,
            line=document.line_of(()),
        )
    if name not in environments:
        raise ConfigError(
            f"no environment {name!r} — use one of {', '.join(sorted(environments))} or add it",
            path=ENVIRONMENTS_FILE,
            line=document.line_of(("environments",)),
        )
    overrides = _checked_overrides(environ)
    settings = {**dict(environments[name] or {}), **overrides}
    target = str(settings.get("target") or "kfp")
    if target not in TARGETS:
        raise ConfigError(
            f"environments.{name}.target {target!r} is not a target — use kfp or vertex",
            path=ENVIRONMENTS_FILE,
            line=document.line_of(("environments", name, "target")),
        )
    for key in REQUIRED_SETTINGS[target]:
        if not str(settings.get(key) or "").strip():
            raise ConfigError(
                f"environments.{name} has target {target} but no {key} — add it (a {target} "
                f"environment needs {', '.join(REQUIRED_SETTINGS[target])})",
                path=ENVIRONMENTS_FILE,
                line=document.line_of(("environments", name)),
            )
    host = str(settings.get("kfp_host") or "")
    if target == "kfp" and not is_http_url(host):  # overrides were checked: this is the file's
        raise ConfigError(
            f"environments.{name}.kfp_host {host!r} is not an http(s) URL — set it to the KFP "
            "API address, e.g. https://kfp.example.com",
            path=ENVIRONMENTS_FILE,
            line=document.line_of(("environments", name, "kfp_host")),
        )
    return Environment(
        name=name,
        kfp_host=host.rstrip("/"),
        target=target,
        **{
            key: (str(value).rstrip("/") if key in URL_SETTINGS else str(value))
            if value is not None
            else None
            for key, value in settings.items()
            if key in FILE_SETTINGS and key not in ("kfp_host", "target")
        },
        from_variables=frozenset(overrides),
    )


def _checked_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings the environment variables give (an empty variable gives none); a bad value
    is an EnvironmentVariablesError listing every bad one."""
    overrides = {
        key: environ[variable] for key, variable in OVERRIDES.items() if environ.get(variable)
    }
    problems = [
        Problem("", None, override_message(key, value))
        for key, value in overrides.items()
        if not OVERRIDE_RULES[key][0](value)
    ]
    if problems:
        raise EnvironmentVariablesError(problems)
    return overrides


def environments_problems(root: Path) -> list[Problem]:
    """Every problem of environments.yml against ``schemas/environments.schema.json``.

    ``validate`` reports these for the whole file; ``load_environment`` stays lenient about the
    environments it is not asked for, so a broken prod entry does not stop a dev publish.
    """
    from scripts.repo.schemas import load_schema, schema_problems

    try:
        document = load_yaml_mapping(root / ENVIRONMENTS_FILE, display_path=ENVIRONMENTS_FILE)
    except YamlError as error:
        return error.problems()
    problems = schema_problems(document, load_schema(root, "environments.schema.json"))
    return problems + _timezone_problems(document)


def _timezone_problems(document) -> list[Problem]:
    """A ``timezone`` that names no IANA zone, a ``monitor_cron`` that is no cron (the schema
    lets any text through)."""
    environments = document.value.get("environments")
    problems = []
    for name, settings in (environments or {}).items() if isinstance(environments, dict) else ():
        settings = settings if isinstance(settings, dict) else {}
        zone, monitor_cron = settings.get("timezone"), settings.get("monitor_cron")
        if isinstance(zone, str) and (message := timezone_problem(zone)):
            line = document.line_of(("environments", name, "timezone"))
            problems.append(Problem(ENVIRONMENTS_FILE, line, message))
        if isinstance(monitor_cron, str) and (message := cron_problem(monitor_cron)):
            line = document.line_of(("environments", name, "monitor_cron"))
            problems.append(Problem(ENVIRONMENTS_FILE, line, f"monitor_cron: {message}"))
    return problems


def environment_names(root: Path) -> set[str] | None:
    """The environments defined in environments.yml; None when it cannot be read (that file's
    own problems are reported by its check, not repeated on every manifest)."""
    try:
        document = load_yaml_mapping(root / ENVIRONMENTS_FILE, display_path=ENVIRONMENTS_FILE)
    except YamlError:
        return None
    environments = document.value.get("environments")
    return set(environments) if isinstance(environments, dict) else None
