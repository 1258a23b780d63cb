"""``validate``: every check of the repo's declarative files, all problems in one pass.

Runs on every pull request before anything is compiled or published, so it reads files only
(no git, no kfp, no network) and reports every problem at once rather than the first: fixing a
manifest should take one CI round trip, not one per typo. Warnings (such as a component image
not pinned by digest yet) are reported but do not fail the check.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

from scripts.component_spec import component_problems
from scripts.environments import environments_problems
from scripts.errors import Problem
from scripts.manifests import manifest_problems
from scripts.repo import Repo

# Checks owned by other modules that report warnings: (module, function, message). A function
# takes the Repo and returns Problems (or names of components, which get the message here).
# They are looked up at run time so validate works whether or not the module exists; the same
# warning found twice is reported once.
WARNING_CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "scripts.image_pin",
        "unpinned_components",
        "the image is not pinned by digest — CI pins it on merge (python -m scripts images "
        "--pin); pin it yourself to test the exact image",
    ),
)


@dataclass
class ValidationReport:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        def row(problem: Problem) -> dict:
            return {"path": problem.path, "line": problem.line, "message": problem.message}

        return {
            "ok": not self.errors,
            "checked": self.checked,
            "errors": [row(p) for p in self.errors],
            "warnings": [row(p) for p in self.warnings],
        }


def validate_repo(repo: Repo) -> ValidationReport:
    """Check manifests (and their cross-checks), environments.yml and every component.yaml."""
    errors = manifest_problems(repo) + environments_problems(repo.root) + component_problems(repo)
    return ValidationReport(
        errors=sorted(set(errors), key=_order),
        warnings=sorted(set(warning_problems(repo)), key=_order),
        checked={
            "manifests": len(repo.manifest_paths()),
            "components": len(repo.component_dirs()),
        },
    )


def _order(problem: Problem) -> tuple:
    return (problem.path, problem.line or 0, problem.message)


def warning_problems(repo: Repo) -> list[Problem]:
    """Warnings from the checks in WARNING_CHECKS whose module exists in this repo."""
    warnings: list[Problem] = []
    for module_name, function_name, message in WARNING_CHECKS:
        check = _optional_check(module_name, function_name)
        if check is None:
            continue
        for found in check(repo):
            if isinstance(found, Problem):
                warnings.append(Problem(found.path, found.line, found.message, "warning"))
            else:  # a component name or path
                name = str(found).rstrip("/").rsplit("/", 1)[-1]
                warnings.append(
                    Problem(f"components/{name}/component.yaml", None, message, "warning")
                )
    return warnings


def _optional_check(module_name: str, function_name: str) -> Callable | None:
    """The function, or None when its module is not part of this repo. An ImportError inside
    an existing module is a bug and propagates."""
    if importlib.util.find_spec(module_name) is None:
        return None
    return getattr(importlib.import_module(module_name), function_name, None)
