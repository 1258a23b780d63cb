# Do not edit: the template owns this file (make template-update brings its changes).
"""Optional integrations beside KFP, one folder each, found here and nowhere else.

An integration is a subpackage of ``scripts/integrations/`` whose ``__init__.py`` defines
``INTEGRATION = Integration(...)``: the commands it adds to ``python -m scripts`` and the step
``publish`` runs after the KFP steps. A repo without an integration simply lacks its folder (the
template leaves out the ones not chosen, e.g. ``polyaxon/``): nothing else in ``scripts/`` names
it, and there is nothing to register by hand.

A sync step is ``function(context: SyncContext) -> list[SyncResult]``; it reports its own failures
as rows with status ``"failed"`` (publish then exits 1) rather than raising.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scripts.core.report import SyncResult

if TYPE_CHECKING:  # only for annotations: every command imports this module, keep it light
    from scripts.repo.environments import Environment
    from scripts.repo.manifests import Project
    from scripts.repo.model import Repo


@dataclass(frozen=True)
class Integration:
    """What an integration adds: commands (name users type -> module with ``HELP``,
    ``add_arguments`` and ``run``) and an optional publish step (``"module:function"``)."""

    name: str
    commands: dict[str, str] = field(default_factory=dict)
    sync_step: str | None = None


@dataclass(frozen=True)
class SyncContext:
    """What a sync step gets: the repo, the environment, the projects this publish touched."""

    repo: Repo
    environment: Environment
    projects: tuple[Project, ...]  # the touched projects
    dry_run: bool


def installed() -> list[Integration]:
    """The integrations present in this repo, by folder name."""
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.ispkg:
            package = importlib.import_module(f"{__name__}.{module.name}")
            found.append(package.INTEGRATION)
    return found


def integration_commands() -> dict[str, str]:
    """Every installed integration's commands, in folder order."""
    return {name: path for item in installed() for name, path in item.commands.items()}


def sync_steps() -> list[str]:
    return [item.sync_step for item in installed() if item.sync_step]


def run_sync_steps(context: SyncContext, steps: Sequence[str] | None = None) -> list[SyncResult]:
    """Run every installed integration's publish step (or ``steps``, ``"module:function"``
    names); a step whose module is not in this repo is skipped."""
    rows: list[SyncResult] = []
    for step in sync_steps() if steps is None else steps:
        module_name, _, function_name = step.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise  # the step exists but a dependency of it is missing: a real problem
            continue
        rows.extend(getattr(module, function_name)(context))
    return rows
