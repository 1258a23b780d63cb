# Do not edit: the template owns this file (make template-update brings its changes).
"""What to build: the container components selected, their content-hash tags, and what the
registry already has. Nothing is written until the plan is complete; ``--dry-run`` stops here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.core.errors import CheckFailed, Problem, UsageError
from scripts.core.naming import COMPONENT_NAME
from scripts.images.context import DOCKERFILE, context_hash, context_paths
from scripts.images.engine import RegistryUnavailable, local_image_exists, remote_digest
from scripts.images.pin import check_pinnable
from scripts.repo.components import SPEC_FILE
from scripts.repo.model import Repo


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
    """The container components change detection reports as affected since ``base``.

    Detection lists only container components (a component.yaml and a Dockerfile at HEAD), the
    same rule as ``container_components``: a third-party component.yaml has no image, and a
    deleted component has nothing left to build. Filtering by the checkout as well keeps the
    two in step should the working tree differ from HEAD."""
    from scripts.detect import changes as changed

    names = set(changed.find_changes(repo, base=base).components)
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
