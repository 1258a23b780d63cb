# Do not edit: the template owns this file (make template-update brings its changes).
"""The publish plan: what to upload and which experiments to ensure, computed with no network.

``build_plan`` turns what ``compile`` built (``compile.json``), the manifests and the chosen
version name into targets; ``apply.py`` then carries them out against a target's API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts.build.index import CompileIndex
from scripts.repo.manifests import Project


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
    projects: Sequence[Project],
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
    namespace_of = _namespace_resolver(by_name, environment, default_namespace)
    pipelines = _pipeline_targets(index, build_dir, namespace_of)
    touched = sorted({t.project for t in pipelines} | index.projects)
    experiments = _experiment_targets(touched, by_name, namespace_of)
    return Plan(version, tuple(pipelines), tuple(experiments), tuple(touched))


def _namespace_resolver(
    by_name: Mapping[str, Project], environment: str, default_namespace: str | None
) -> Callable[[str], str | None]:
    """Project name -> its namespace in ``environment``: the manifest's override, else the
    environment's default (also for a project without a manifest)."""

    def namespace_of(project: str) -> str | None:
        manifest = by_name.get(project)
        if manifest is None:
            return default_namespace
        return manifest.namespace_for(environment, default_namespace)

    return namespace_of


def _pipeline_targets(
    index: CompileIndex, build_dir: Path, namespace_of: Callable[[str], str | None]
) -> list[PipelineTarget]:
    """Every pipeline of compile.json sorted by source, the failed compiles included (with no
    package) so that publish reports them as failed instead of silently skipping them."""
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
    return pipelines


def _experiment_targets(
    touched: Sequence[str],
    by_name: Mapping[str, Project],
    namespace_of: Callable[[str], str | None],
) -> list[ExperimentTarget]:
    """The manifest experiments of the touched projects, sorted by KFP name; a project with
    no manifest has none to ensure."""
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
    return experiments
