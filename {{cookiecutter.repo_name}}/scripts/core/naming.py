# Do not edit: the template owns this file (make template-update brings its changes).
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
| owner | ``OWNER``: what CODEOWNERS accepts, a GitHub ``@user`` or ``@org/team`` |
|  | (``OWNER_HANDLE``) or the email of a GitHub account (``OWNER_EMAIL``); compared by |
|  | ``owner_key``, ignoring case as GitHub does |
| KFP experiment names alike | equal ``collation_key``: one name to KFP's database (it |
|  | ignores case, accents and Unicode form), so one manifest may not list both |
| GitHub repository | ``GITHUB_REPOSITORY``: ``OWNER/NAME`` |
| image reference | ``IMAGE_REFERENCE``: ``[registry[:port]/]path[:tag][@digest]`` |
| Artifact Registry package | the KFP pipeline name (``REGISTRY_PACKAGE``, the same rule) |
| Artifact Registry tag | the version name (``REGISTRY_TAG``); PR versions also ``pr-<N>-<sha8>`` |
| Vertex AI experiment | ``<project>-<experiment>`` lowercased, spaces and ``_`` -> ``-`` |
|  | (``VERTEX_EXPERIMENT``); a manifest name that cannot map is an error |
| Vertex AI label | ``LABEL_VALUE``: lowercase letters, digits, ``_`` and ``-``, at most 63 |
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from scripts.core.errors import UsageError

PROJECT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$")
# Pipeline module stems become part of the KFP name, which the server checks against
# KFP_PIPELINE_NAME once "_" is turned into "-".
PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
COMPONENT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
# The server checks every uploaded spec's pipelineInfo.name against this; the compiler does not
# check a name passed as pipeline_name=, so compile does.
KFP_PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
# Artifact Registry (KFP format) takes the package name from pipelineInfo.name; Vertex AI
# Pipelines accepts templates whose name follows its pipeline-name rule, which is KFP's.
REGISTRY_PACKAGE = KFP_PIPELINE_NAME
REGISTRY_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
VERTEX_EXPERIMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
VERSION_NAME_MAX = 63  # characters of a generated version name: a DNS-1123 label
VERSION_NAME_MAX_BYTES = 127  # the server's limit on any version name (its column size)
KFP_EXPERIMENT_MAX_BYTES = 128  # the server's limit on an experiment's display name
# GitHub users are "@login", teams "@org/team" (logins: alphanumerics and single inner hyphens).
_GITHUB_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
OWNER_HANDLE = re.compile(rf"^@{_GITHUB_LOGIN}(?:/[A-Za-z0-9][A-Za-z0-9_.-]{{0,99}})?$")
# CODEOWNERS also takes the email address of a GitHub account: the HTML form's email rule
# without "#" (which starts a CODEOWNERS comment) and with a dotted domain.
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
OWNER_EMAIL = re.compile(
    rf"^[A-Za-z0-9.!$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+$"
)
# Every owner form; schemas/project.schema.json's owners[].github pattern is this pattern.
OWNER = re.compile(f"^(?:{OWNER_HANDLE.pattern[1:-1]}|{OWNER_EMAIL.pattern[1:-1]})$")
GITHUB_REPOSITORY = re.compile(rf"^{_GITHUB_LOGIN}/(?!\.\.?$)[A-Za-z0-9_.-]{{1,100}}$")
# A container image reference as Docker parses it (distribution/reference): an optional
# registry host[:port], lowercase path components, then an optional tag and digest.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REGISTRY = rf"{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*(?::[0-9]{{1,5}})?/"
IMAGE_REFERENCE = re.compile(
    rf"^(?:{_REGISTRY})?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


def kfp_pipeline_name(project: str, pipeline: str) -> str:
    return f"{project}-{pipeline.replace('_', '-')}"


def kfp_experiment_name(project: str, experiment: str) -> str:
    return f"{project}/{experiment}"


def registry_package_problem(name: str) -> str | None:
    """Why ``name`` cannot be an Artifact Registry KFP package (None when it can)."""
    if REGISTRY_PACKAGE.match(name):
        return None
    return (
        f"{name!r} cannot be an Artifact Registry package name: it must be 1 to 128 lowercase "
        "letters, digits and hyphens, starting with a letter or digit — rename the project or "
        "pipeline module (the package is the compiled pipelineInfo.name)"
    )


def vertex_experiment_name(project: str, experiment: str) -> str:
    """The Vertex AI experiment of a manifest experiment: ``<project>-<experiment>``, lowercased,
    each run of spaces, ``_`` and ``-`` one ``-``. A UsageError when the result breaks Vertex's
    rule (other characters, or too long): the manifest name cannot map."""
    name = re.sub(r"[\s_-]+", "-", f"{project}-{experiment}".lower()).strip("-")
    if not VERTEX_EXPERIMENT.match(name):
        raise UsageError(
            f"experiment {experiment!r} of project {project} cannot be a Vertex AI experiment: "
            f"{name!r} must be 1 to 128 lowercase letters, digits and hyphens — rename it using "
            "letters, digits, spaces, '_' or '-'"
        )
    return name


def label_value(text: str) -> str:
    """``text`` as a Google Cloud label value: lowercase, other characters -> ``_``, at most 63
    (labels find our runs and schedules again; they need not be read back exactly)."""
    return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:63]


def owner_key(owner: str) -> str:
    """What GitHub compares owners by: handles and emails ignore case ("@Acme/ML" is "@acme/ml")."""
    return owner.casefold()


def unique_owners(owners: Iterable[str]) -> tuple[str, ...]:
    """``owners`` without repeats as GitHub compares them (``owner_key``), first spelling kept."""
    unique: dict[str, str] = {}
    for owner in owners:
        unique.setdefault(owner_key(owner), owner)
    return tuple(unique.values())


def collation_key(name: str) -> str:
    """What KFP's database compares a name by: two names with equal keys are one name.

    KFP keeps experiments (and recurring runs) in MySQL, whose default collations compare text
    ignoring case and accents (MySQL 8's ``utf8mb4_0900_ai_ci``: "Sneakers" = "sneakers",
    "Café" = "Cafe"), and compare characters, not code points (a composed "é" equals "e" plus
    a combining accent). Two such names in one manifest would be one row in KFP: the second
    create answers 409 and lookups by name find either. The key approximates that collation:
    compatibility-decompose (NFKD: "ﬁ" -> "fi", fullwidth -> ASCII), drop the combining marks
    (the accents), recompose (NFKC) and casefold ("ß" -> "ss"). It is stricter than
    PostgreSQL's default, which is what keeps names portable between the two.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFKC", base).casefold()


def repeated_name_message(what: str, name: str, first: str, first_line: int) -> str:
    """The problem of ``name`` listed after ``first`` (at ``first_line``) with an equal
    ``collation_key``: the same text twice, or one name to KFP's database. Names that print
    alike (the same text in other Unicode code points) are shown escaped."""
    if name == first:
        return f"{what} {name!r} is listed twice (first at line {first_line}) — keep one"
    alike = unicodedata.normalize("NFC", name) == unicodedata.normalize("NFC", first)
    shown, first_shown = (ascii(name), ascii(first)) if alike else (repr(name), repr(first))
    return (
        f"{what} {shown} repeats {first_shown} (first at line {first_line}) for KFP, whose "
        "database ignores case, accents and Unicode form — rename or remove one"
    )


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
