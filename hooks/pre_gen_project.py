"""Validate the answers before anything is generated.

Validation only: every rule is a small function returning an error message (what is wrong and
how to fix it) or None. Each problem is one line on stderr, ``ERROR: <what> — <how to fix>``;
a value derived from a bad answer (e.g. platform_team from github_org) is not reported again.
cookiecutter deletes the half-generated folder when this hook exits non-zero, so a bad answer
leaves nothing behind. (cookiecutter then logs its own "Stopping generation" report with a
traceback on stdout; a hook cannot change that.)

The answers arrive as JSON data (rendered with ``tojson`` into a raw string), never pasted into
code, so quotes, backslashes and braces in them cannot change what this file does.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from urllib.parse import urlsplit

# Rendered by cookiecutter. Importing this file unrendered (the unit tests do) leaves the
# placeholder in place; only main() parses it.
ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$")
# GitHub logins: alphanumerics and single inner hyphens, at most 39 characters.
GITHUB_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
# (Built by concatenation: this file is rendered by Jinja, so it must not contain two braces.)
# The team part as scripts/core/naming.py takes it (at most 100 characters), so the post-generation
# hook's CODEOWNERS accepts every handle this hook does.
TEAM_HANDLE = re.compile("^@" + GITHUB_LOGIN + r"/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ORG = re.compile("^" + GITHUB_LOGIN + "$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# A registry reference without tag or digest: host[:port] then lowercase path components.
REGISTRY = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
# Pipelines and tests import the package by name; longer names push imports past the line limit.
PACKAGE_NAME_MAX = 40
# Top-level names the generated repo (or Python) already uses: a package with one of these
# names would shadow it.
RESERVED_PACKAGE_NAMES = frozenset(
    {"scripts", "tests", "pipelines", "components", "projects", "schemas", "build", "kfp"}
) | frozenset(sys.stdlib_module_names)


def check_project_name(value: str) -> str | None:
    if not value.strip():
        return "project_name is empty — give the monorepo a title, e.g. 'Acme ML Pipelines'"
    return None


def check_repo_name(value: str) -> str | None:
    if not SLUG.match(value):
        return (
            f"repo_name {value!r} is not a valid slug — use lowercase letters, digits and single "
            "inner hyphens (at most 100 characters), e.g. 'acme-ml-pipelines'"
        )
    if "--" in value:
        return f"repo_name {value!r} has a double hyphen — use single hyphens between words"
    return None


def check_github_org(value: str) -> str | None:
    if not ORG.match(value):
        return (
            f"github_org {value!r} is not a GitHub organisation or user name — use letters, "
            "digits and single inner hyphens (at most 39 characters), e.g. 'acme'"
        )
    return None


def check_platform_team(value: str) -> str | None:
    if not TEAM_HANDLE.match(value):
        return (
            f"platform_team {value!r} is not an @org/team handle — write it as GitHub shows a "
            "team, e.g. '@acme/ml-platform'"
        )
    return None


def check_package_name(value: str) -> str | None:
    if not IDENTIFIER.match(value) or keyword.iskeyword(value):
        return (
            f"package_name {value!r} is not a valid Python package name — use lowercase "
            "letters, digits and underscores, starting with a letter, e.g. 'acme_components'"
        )
    if len(value) > PACKAGE_NAME_MAX:
        return (
            f"package_name {value!r} is longer than {PACKAGE_NAME_MAX} characters — shorten it "
            "(pipelines import it on every line), e.g. 'acme_components'"
        )
    if value in RESERVED_PACKAGE_NAMES:
        return (
            f"package_name {value!r} would shadow an existing module of the repo or of "
            "Python — choose another name, e.g. 'acme_components'"
        )
    return None


def check_python_version(value: str) -> str | None:
    if value not in PYTHON_VERSIONS:
        return (
            f"python_version {value!r} is not supported — choose one of "
            f"{', '.join(PYTHON_VERSIONS)}"
        )
    return None


def check_host(key: str, value: str) -> str | None:
    parts = urlsplit(value) if value.isprintable() and " " not in value else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        return (
            f"{key} {value!r} is not an http(s) URL — give the KFP API address, e.g. "
            "'https://kfp.example.com' (no query or fragment)"
        )
    return None


def check_image_registry(value: str) -> str | None:
    if not REGISTRY.match(value):
        return (
            f"image_registry {value!r} is not a registry reference — use host[:port]/path in "
            "lowercase with no tag or scheme, e.g. 'ghcr.io/acme/ml-pipelines'"
        )
    return None


GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
GCP_REGION = re.compile(r"^[a-z]+-[a-z]+[0-9]+$")


def check_target(key: str, value: str) -> str | None:
    if value not in ("kfp", "vertex"):
        return f"{key} {value!r} is not a target — answer kfp or vertex"
    return None


def check_gcp_project(value: str) -> str | None:
    if not GCP_PROJECT.match(value):
        return (
            f"gcp_project {value!r} is not a Google Cloud project ID — 6 to 30 lowercase letters, "
            "digits and hyphens, starting with a letter, e.g. 'acme-ml'"
        )
    return None


def check_gcp_region(value: str) -> str | None:
    if not GCP_REGION.match(value):
        return f"gcp_region {value!r} is not a Google Cloud region — e.g. 'europe-west4'"
    return None


def default_gcp_project(answers: dict) -> str:
    return answers["github_org"].lower() + "-ml"


def check_flag(key: str, value: object) -> str | None:
    if not isinstance(value, bool):
        return f"{key} {value!r} is not a yes/no answer — answer true or false"
    return None


# The defaults cookiecutter.json derives from other answers (the same expressions, in Python;
# tests/test_hooks.py checks that they agree). A derived value that is still its default and
# fails only because an answer it comes from failed is that answer's problem, reported once.
def default_platform_team(answers: dict) -> str:
    return "@" + answers["github_org"].lower() + "/ml-platform"


def default_package_name(answers: dict) -> str:
    return answers["github_org"].lower().replace("-", "_") + "_components"


def default_image_registry(answers: dict) -> str:
    return "ghcr.io/" + answers["github_org"].lower() + "/" + answers["repo_name"]


DERIVED_DEFAULTS = {
    "platform_team": (("github_org",), default_platform_team),
    "package_name": (("github_org",), default_package_name),
    "image_registry": (("github_org", "repo_name"), default_image_registry),
    "gcp_project": (("github_org",), default_gcp_project),
}


def problems_by_answer(answers: dict) -> dict[str, str | None]:
    """Each answer's problem (None when it is fine), in prompt order."""
    vertex = "vertex" in (answers["dev_target"], answers["prod_target"])
    return {
        "project_name": check_project_name(answers["project_name"]),
        "repo_name": check_repo_name(answers["repo_name"]),
        "github_org": check_github_org(answers["github_org"]),
        "platform_team": check_platform_team(answers["platform_team"]),
        "package_name": check_package_name(answers["package_name"]),
        "python_version": check_python_version(answers["python_version"]),
        "kfp_dev_host": check_host("kfp_dev_host", answers["kfp_dev_host"]),
        "kfp_prod_host": check_host("kfp_prod_host", answers["kfp_prod_host"]),
        "dev_target": check_target("dev_target", answers["dev_target"]),
        "prod_target": check_target("prod_target", answers["prod_target"]),
        # Asked of every bake, used only by a vertex environment: checked only then.
        "gcp_project": check_gcp_project(answers["gcp_project"]) if vertex else None,
        "gcp_region": check_gcp_region(answers["gcp_region"]) if vertex else None,
        "image_registry": check_image_registry(answers["image_registry"]),
        "include_polyaxon": check_flag("include_polyaxon", answers["include_polyaxon"]),
        "include_mlflow": check_flag("include_mlflow", answers["include_mlflow"]),
        "include_example_project": check_flag(
            "include_example_project", answers["include_example_project"]
        ),
    }


def follows_from_another(key: str, answers: dict, failed: set[str]) -> bool:
    """True when ``key`` still has the default derived from an answer that failed."""
    if key not in DERIVED_DEFAULTS:
        return False
    sources, derive = DERIVED_DEFAULTS[key]
    return bool(failed.intersection(sources)) and answers[key] == derive(answers)


def validate(answers: dict) -> list[str]:
    """The problems with the answers, in prompt order (empty when they are fine): one per
    root cause, so a bad github_org is not reported again through the values derived from it."""
    problems = {key: problem for key, problem in problems_by_answer(answers).items() if problem}
    failed = set(problems)
    return [
        problem
        for key, problem in problems.items()
        if not follows_from_another(key, answers, failed)
    ]


def main() -> int:
    problems = validate(json.loads(ANSWERS_JSON))
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
