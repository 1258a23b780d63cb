"""The KFP environments (dev, prod, ...) from ``environments.yml``, with run-time overrides.

Publishing, image building and Polyaxon sync all start here: which host, which namespace, which
registry. Environment variables override the file so CI (and a developer pointing at a test
server) never needs to edit it: KFP_HOST, KFP_NAMESPACE, IMAGE_REGISTRY, POLYAXON_HOST,
POLYAXON_OWNER.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scripts.core.errors import ConfigError, Problem
from scripts.core.yaml_io import YamlError, load_yaml_mapping

ENVIRONMENTS_FILE = "environments.yml"
OVERRIDES = {
    "kfp_host": "KFP_HOST",
    "namespace": "KFP_NAMESPACE",
    "image_registry": "IMAGE_REGISTRY",
    "polyaxon_host": "POLYAXON_HOST",
    "polyaxon_owner": "POLYAXON_OWNER",
}


@dataclass(frozen=True)
class Environment:
    name: str
    kfp_host: str
    namespace: str | None = None
    image_registry: str | None = None
    polyaxon_host: str | None = None
    polyaxon_owner: str | None = None


def load_environment(root: Path, name: str, environ: dict[str, str] | None = None) -> Environment:
    """The named environment with overrides applied; a missing one is a ConfigError (exit 2)."""
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
    settings = dict(environments[name] or {})
    for key, variable in OVERRIDES.items():
        if environ.get(variable):
            settings[key] = environ[variable]
    host = str(settings.get("kfp_host") or "")
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        where = "KFP_HOST" if environ.get("KFP_HOST") else f"environments.{name}.kfp_host"
        raise ConfigError(
            f"{where} {host!r} is not an http(s) URL — set it to the KFP API address, "
            "e.g. https://kfp.example.com",
            path=ENVIRONMENTS_FILE,
            line=document.line_of(("environments", name, "kfp_host")),
        )
    known = {field for field in Environment.__dataclass_fields__ if field != "name"}
    return Environment(
        name=name,
        kfp_host=host.rstrip("/"),
        **{
            key: (str(value) if value is not None else None)
            for key, value in settings.items()
            if key in known and key != "kfp_host"
        },
    )


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
    return schema_problems(document, load_schema(root, "environments.schema.json"))
