"""The publish plan: what to upload and which experiments to ensure, computed with no network.

``build_plan`` turns what ``compile`` built (``compile.json``), the manifests and the chosen
version name into targets; ``apply.py`` then carries them out against a target's API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.build.index import CompileIndex


@dataclass(frozen=True)
class PipelineTarget:
    selector: str
    project: str
    name: str
    display_name: str
    source: str
    package: Path | None  # the compiled spec; None when compile failed
    namespace: str | None
    compile_error: str = ""
    compile_line: int | None = None


@dataclass(frozen=True)
class ExperimentTarget:
    project: str
    name: str  # "<project>/<experiment>"
    description: str
    namespace: str | None


@dataclass(frozen=True)
class Plan:
    version: str
    pipelines: tuple[PipelineTarget, ...]
    experiments: tuple[ExperimentTarget, ...]
    projects: tuple[str, ...]  # the projects this publish touches (for sync steps)


def build_plan(
    index: CompileIndex,
    build_dir: Path,
    projects: Sequence[Any],
    *,
    environment: str,
    default_namespace: str | None,
    version: str,
) -> Plan:
    """What to publish: every pipeline in compile.json (failed compiles included, so they show
    up as failed), and the experiments of the projects those pipelines belong to plus the
    projects compile.json lists as changed (a manifest edit alone syncs its experiments).

    ``projects`` are ``scripts.repo.manifests.Project`` values.
    """
    by_name = {project.name: project for project in projects}

    def namespace_of(project: str) -> str | None:
        manifest = by_name.get(project)
        if manifest is None:
            return default_namespace
        return manifest.namespace_for(environment, default_namespace)

    pipelines = [
        PipelineTarget(
            selector=item.selector,
            project=item.project,
            name=item.name,
            display_name=item.display_name,
            source=item.source,
            package=Path(build_dir) / item.output,
            namespace=namespace_of(item.project),
        )
        for item in index.compiled
    ]
    pipelines += [
        PipelineTarget(
            selector=item.selector,
            project=item.project,
            name="",
            display_name=item.selector,
            source=item.source,
            package=None,
            namespace=namespace_of(item.project),
            compile_error=item.message,
            compile_line=item.line,
        )
        for item in index.failed
    ]
    pipelines.sort(key=lambda target: target.source)
    touched = sorted({t.project for t in pipelines} | index.projects)
    experiments = [
        ExperimentTarget(
            project=name,
            name=f"{name}/{experiment.name}",
            description=experiment.description,
            namespace=namespace_of(name),
        )
        for name in touched
        if name in by_name
        for experiment in by_name[name].experiments
    ]
    experiments.sort(key=lambda target: target.name)
    return Plan(version, tuple(pipelines), tuple(experiments), tuple(touched))
