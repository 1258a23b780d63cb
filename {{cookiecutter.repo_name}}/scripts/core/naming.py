"""Every name rule and limit of the monorepo and of KFP, in one place.

The README's "Names" table says the same in prose. Each limit is the one the KFP API server
enforces (or a stricter one we choose so names stay valid everywhere they appear):

| thing | rule |
|---|---|
| project | ``PROJECT_NAME``: lowercase DNS label of at most 50 characters, the manifest's stem |
| pipeline module | ``PIPELINE_NAME``: its stem; ``_``-prefixed modules are helpers |
| component folder | ``COMPONENT_NAME``: lowercase letters, digits and inner hyphens |
| KFP pipeline name | ``<project>-<pipeline>`` (``_`` -> ``-``), matching ``KFP_PIPELINE_NAME`` |
| KFP version name | ``<branch-slug>-<sha8>``, at most ``VERSION_NAME_MAX`` characters (a DNS-1123 |
|  | label); a name given by hand may use up to ``VERSION_NAME_MAX_BYTES`` bytes |
| KFP experiment | ``<project>/<experiment>``, at most ``KFP_EXPERIMENT_MAX_BYTES`` bytes |
| owner | ``OWNER_HANDLE``: a GitHub ``@user`` or ``@org/team`` |
"""

from __future__ import annotations

import re

from scripts.core.errors import UsageError

PROJECT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$")
# Pipeline module stems become part of the KFP name, which the server checks against
# KFP_PIPELINE_NAME once "_" is turned into "-".
PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
COMPONENT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
# The server checks every uploaded spec's pipelineInfo.name against this; the compiler does not
# check a name passed as pipeline_name=, so compile does.
KFP_PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
VERSION_NAME_MAX = 63  # characters of a generated version name: a DNS-1123 label
VERSION_NAME_MAX_BYTES = 127  # the server's limit on any version name (its column size)
KFP_EXPERIMENT_MAX_BYTES = 128  # the server's limit on an experiment's display name
# GitHub users are "@login", teams "@org/team" (logins: alphanumerics and single inner hyphens).
OWNER_HANDLE = re.compile(
    r"^@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?$"
)


def kfp_pipeline_name(project: str, pipeline: str) -> str:
    return f"{project}-{pipeline.replace('_', '-')}"


def kfp_experiment_name(project: str, experiment: str) -> str:
    return f"{project}/{experiment}"


def slugify_branch(branch: str) -> str:
    """Lowercase; every run of characters outside [a-z0-9] becomes one '-'; trimmed."""
    return re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")


def version_name(branch: str, sha: str) -> str:
    """``<branch-slug>-<sha8>``, cut to a valid DNS-1123 label of at most 63 characters."""
    sha8 = sha[:8].lower()
    if not re.fullmatch(r"[0-9a-f]{8}", sha8):
        raise UsageError(f"{sha!r} is not a git commit SHA — pass the full or 8-character SHA")
    slug = slugify_branch(branch)[: VERSION_NAME_MAX - len(sha8) - 1].rstrip("-")
    return f"{slug}-{sha8}" if slug else sha8


def check_version_name(name: str) -> str:
    """A version name given with ``--version``: not empty, within the server's limit."""
    if not name.strip():
        raise UsageError("--version must not be empty")
    if len(name.encode("utf-8")) > VERSION_NAME_MAX_BYTES:
        raise UsageError(
            f"--version {name!r} is over {VERSION_NAME_MAX_BYTES} bytes, KFP's limit — shorten it"
        )
    return name
