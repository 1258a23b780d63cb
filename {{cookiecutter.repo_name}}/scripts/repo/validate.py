# Do not edit: the template owns this file (make template-update brings its changes).
"""``validate``: every check of the repo's declarative files, all problems in one pass.

Runs on every pull request before anything is compiled or published, so it reads files only
(no git, no kfp, no network) and reports every problem at once rather than the first: fixing a
manifest should take one CI round trip, not one per typo. Warnings (such as a component image
not pinned by digest yet) are reported but do not fail the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scripts.core.errors import Problem
from scripts.repo.components import component_problems, unpinned_components
from scripts.repo.environments import environments_problems
from scripts.repo.manifests import manifest_problems
from scripts.repo.model import Repo
from scripts.repo.settings import settings_problems


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
    """Check manifests (and their cross-checks), environments.yml, every component.yaml and the
    ``[tool.kfp-monorepo]`` settings of pyproject.toml."""
    errors = [
        *manifest_problems(repo),
        *environments_problems(repo.root),
        *component_problems(repo),
        *settings_problems(repo),
    ]
    return ValidationReport(
        errors=sorted(set(errors), key=_order),
        warnings=sorted(set(unpinned_components(repo)), key=_order),
        checked={
            "manifests": len(repo.manifest_paths()),
            "components": len(repo.component_dirs()),
        },
    )


def _order(problem: Problem) -> tuple:
    return (problem.path, problem.line or 0, problem.message)
