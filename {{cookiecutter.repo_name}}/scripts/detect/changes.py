# Do not edit: the template owns this file (make template-update brings its changes).
"""The affected set of a change: pipelines (with reasons), deleted pipelines, projects, components.

``find_changes(repo, base=..., head=...)`` is the one entry point; ``changed``, ``compile
--changed`` and ``images --changed`` all call it. It never imports kfp or any pipeline module:
the code at HEAD is read from git and parsed with ``ast`` (``scripts/detect/imports.py``).

What a change affects:

- a pipeline module ``pipelines/<project>/<pipeline>.py`` that was added, modified or renamed
  to (a renamed pipeline counts as new; its old path is listed as deleted);
- every pipeline that imports a changed or deleted repo module, at any depth (dynamic imports
  with literal names included), or loads a changed component folder
  (``scripts/detect/dependents.py``);
- a changed data file (any non-Python file but a manifest): every pipeline whose module, or a
  repo module it imports at any depth, names it by a literal path, relative to the module's
  folder or the repo root (``scripts/detect/literals.py``); one under ``pipelines/<project>/``
  that no pipeline names marks every pipeline of that project (``data_files.py``);
- a repo-wide input (``REPO_WIDE_INPUTS``): every pipeline, and ``all`` is true;
- a project manifest ``projects/<project>.yml``: the project (its experiments and owners to
  sync), not its pipelines;
- any file under ``components/<name>/``: the pipelines that load the component, and, for a
  container component (one with a Dockerfile), the component (its image to rebuild); a
  third-party ``component.yaml`` alone has no image;
- anything else (README, docs, tests): nothing, unless a pipeline names it.

``warnings`` lists the reads in pipeline code whose file cannot be resolved
(``scripts/detect/reads.py``): a change to the file they read would mark no pipeline.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scripts.core.errors import Problem
from scripts.core.report import Document
from scripts.detect.base import choose_base
from scripts.detect.data_files import (
    data_names,
    is_data_file,
    may_be_read,
    project_file_reasons,
    read_warnings,
)
from scripts.detect.dependents import SearchInput, find_dependents, node_of
from scripts.detect.git import (
    FileChange,
    TreeEntry,
    changed_files,
    list_tree,
    merge_base,
    read_blobs,
    resolve_commit,
)
from scripts.detect.imports import FileIndex
from scripts.detect.report import change_document
from scripts.repo.model import Pipeline, Repo, pipeline_from_path

# Repo-wide inputs: a change to any of these can change every compiled pipeline.
# - root dependency declarations and lock files: they pin kfp and what components import;
# - the compile logic: how a module is loaded and which function is the pipeline
#   (build/discovery.py), how specs are compiled and named (build/compile.py, cli/compile.py),
#   and the names and the pipeline/helper rule themselves (core/naming.py, repo/model.py).
# Not here: the rest of scripts/ (detection, publishing, images, CODEOWNERS): changing them does
# not change a compiled spec; environments.yml: where specs go, not what they are.
REPO_WIDE_PATTERNS = (
    "pyproject.toml",
    "requirements*.txt",
    "constraints*.txt",
    "*.lock",  # uv.lock, poetry.lock, pdm.lock, Pipfile.lock, ...
    "Pipfile",
)
COMPILE_LOGIC = (
    "scripts/build/compile.py",
    "scripts/build/discovery.py",
    "scripts/build/reproducible.py",
    "scripts/cli/compile.py",
    "scripts/core/naming.py",
    "scripts/repo/model.py",
)
# Python files never imported by pipelines: not searched for dependents (the CI tooling, tests,
# and the code inside component images, which runs in containers, not at compile time).
NOT_PIPELINE_CODE = ("scripts/", "tests/", "components/", "benchmarks/")
MANIFEST_SUFFIXES = (".yml", ".yaml")
DOCKERFILE = "Dockerfile"  # a component with one is a container component: an image to build
VERBS = {"A": "added", "C": "added", "D": "deleted", "M": "changed", "T": "changed"}


@dataclass(frozen=True, order=True)
class AffectedPipeline(Pipeline):
    """A pipeline of the repo (compile takes it as one), with why the change affects it."""

    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class DeletedPipeline(Pipeline):
    """A pipeline the change removes (never published), and its new path when renamed."""

    renamed_to: str | None = None


@dataclass(frozen=True)
class ChangeSet:
    """What a change affects. ``base`` is the commit the diff starts from (the merge base of
    the base reference and HEAD), None when there was nothing to compare with."""

    base: str | None
    head: str
    base_ref: str
    base_why: str
    all: bool = False
    all_reasons: tuple[str, ...] = ()
    pipelines: tuple[AffectedPipeline, ...] = ()
    deleted_pipelines: tuple[DeletedPipeline, ...] = ()
    projects: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    files: tuple[FileChange, ...] = field(default=(), repr=False)
    warnings: tuple[Problem, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.pipelines or self.deleted_pipelines or self.projects or self.components)

    def document(self) -> Document:
        return change_document(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "base_ref": self.base_ref,
            "base_reason": self.base_why,
            "all": self.all,
            "all_reasons": list(self.all_reasons),
            "pipelines": [
                {
                    "project": p.project,
                    "pipeline": p.name,
                    "path": p.path,
                    "reasons": list(p.reasons),
                }
                for p in self.pipelines
            ],
            "deleted_pipelines": [
                {
                    "project": d.project,
                    "pipeline": d.name,
                    "path": d.path,
                    "renamed_to": d.renamed_to,
                }
                for d in self.deleted_pipelines
            ],
            "projects": list(self.projects),
            "components": list(self.components),
            "changed_files": len(self.files),
            "warnings": [
                {"path": w.path, "line": w.line, "message": w.message} for w in self.warnings
            ],
        }


def find_changes(
    repo: Repo, *, base: str, head: str = "HEAD", env: Mapping[str, str] | None = None
) -> ChangeSet:
    """What changed between the merge base of ``base`` and ``head``, and what that affects.

    ``base`` is a git reference or ``"auto"`` (``scripts/detect/base.py``, reading the Actions
    context from ``env``, default ``os.environ``). Git problems (unknown reference, shallow
    clone) raise ConfigError.
    """
    root = repo.root
    head_sha = resolve_commit(root, head)
    choice = choose_base(root, base, env)
    tree = list_tree(root, head_sha)
    if choice.ref is None:
        return _everything(tree, head_sha, base, choice.why)
    base_sha = merge_base(root, choice.ref, head_sha)
    changes = changed_files(root, base_sha, head_sha)
    return _affected(repo, tree, changes, ChangeSet(base_sha, head_sha, base, choice.why))


def _everything(tree: list[TreeEntry], head: str, base_ref: str, why: str) -> ChangeSet:
    """No base to compare with (a new branch): every pipeline, project and component."""
    paths = {entry.path for entry in tree}
    return ChangeSet(
        base=None,
        head=head,
        base_ref=base_ref,
        base_why=why,
        all=True,
        all_reasons=(why,),
        pipelines=tuple(_pipeline(path, (why,)) for path in _pipeline_paths(paths)),
        projects=tuple(sorted(_project_of_manifest(p) for p in paths if _project_of_manifest(p))),
        components=tuple(sorted(_components_at(paths))),
    )


def _affected(
    repo: Repo, tree: list[TreeEntry], changes: list[FileChange], start: ChangeSet
) -> ChangeSet:
    at_head = {entry.path: entry for entry in tree}
    touched = [(c.path, c) for c in changes] + [(c.old_path, c) for c in changes if c.old_path]
    repo_wide = sorted(
        f"{describe(path, change)} (a repo-wide input: every pipeline counts)"
        for path, change in touched
        if is_repo_wide(path)
    )
    deleted = sorted(
        (
            DeletedPipeline(
                path=p.path,
                project=p.project,
                name=p.name,
                renamed_to=change.path if change.status == "R" else None,
            )
            for path, change in touched
            if path not in at_head and (p := pipeline_from_path(path)) is not None
        ),
        key=lambda d: d.path,
    )
    projects = sorted(
        {name for path, _ in touched if (name := _project_of_manifest(path)) and path in at_head}
    )
    components = sorted(_component_names(path for path, _ in touched) & _components_at(at_head))
    code = {path: entry.object_id for path, entry in at_head.items() if _is_pipeline_code(path)}
    known = FileIndex([*at_head, *(path for path, _ in touched)])
    pipeline_paths = _pipeline_paths(at_head)
    search = None
    if repo_wide:
        pipelines = [_pipeline(path, tuple(repo_wide)) for path in pipeline_paths]
    else:
        changed_nodes = _changed_nodes(touched)
        search = _search_input(repo, code, known, touched, read=bool(changed_nodes))
        pipelines = _dependent_pipelines(search, pipeline_paths, changed_nodes)
    data_changed = not repo_wide and any(is_data_file(path) for path, _ in touched)
    warnings = read_warnings(
        repo.root, code, (path for path, _ in touched), search, known, all_code=data_changed
    )
    return ChangeSet(
        base=start.base,
        head=start.head,
        base_ref=start.base_ref,
        base_why=start.base_why,
        all=bool(repo_wide),
        all_reasons=tuple(repo_wide),
        pipelines=tuple(pipelines),
        deleted_pipelines=tuple(deleted),
        projects=tuple(projects),
        components=tuple(components),
        files=tuple(changes),
        warnings=warnings,
    )


def _changed_nodes(touched: list[tuple[str, FileChange]]) -> dict[str, list[str]]:
    """What the change touched that something may refer to, with its files' descriptions."""
    changed_nodes: dict[str, list[str]] = {}
    for path, change in touched:
        if _may_be_referenced(path):
            changed_nodes.setdefault(node_of(path), []).append(describe(path, change))
    return changed_nodes


def _search_input(
    repo: Repo,
    code: dict[str, str],
    known: FileIndex,
    touched: list[tuple[str, FileChange]],
    *,
    read: bool,
) -> SearchInput:
    """The pipeline code at HEAD (``code``: path -> blob id) to search, read only when the
    change touched something it may refer to; ``known``: every file a reference may name."""
    blobs = read_blobs(repo.root, list(code.values()) if read else [])
    return SearchInput(
        buffer=blobs.data,
        spans={path: blobs.spans[object_id] for path, object_id in code.items()} if read else {},
        known_files=known,
        components_package=repo.settings.components_package,
        data_names=data_names(path for path, _ in touched),
    )


def _dependent_pipelines(
    search: SearchInput, pipeline_paths: list[str], changed_nodes: dict[str, list[str]]
) -> list[AffectedPipeline]:
    """The pipelines depending on the changed nodes (node -> its files' descriptions), with
    the reasons, including the project rule for data files in a project folder."""
    origins = find_dependents(changed_nodes, search)
    data = {node: texts for node, texts in changed_nodes.items() if is_data_file(node)}
    by_project = project_file_reasons(data, origins, pipeline_paths)
    affected = []
    for path in pipeline_paths:
        reasons = [
            _reason(origin, changed_nodes[origin], chain)
            for origin, chain in origins.get(path, {}).items()
        ] + by_project.get(path, [])
        if reasons:
            own = [r for r in reasons if r.startswith(f"{path} ")]
            affected.append(_pipeline(path, (*own, *sorted(set(reasons) - set(own)))))
    return affected


def _reason(origin: str, descriptions: list[str], chain: tuple[tuple[str, str], ...]) -> str:
    what = (
        descriptions[0]
        if len(descriptions) == 1
        else (f"{origin} changed ({len(descriptions)} files)")
    )
    if not chain:
        return what
    links = [f"{kind} by {path}" for kind, path in chain]
    return f"{what} ({', which is '.join(links)})"


def describe(path: str, change: FileChange) -> str:
    """``path`` with what happened to it: added, changed, deleted, renamed."""
    if change.status == "R":
        if path == change.old_path:
            return f"{path} renamed to {change.path}"
        return f"{path} added (renamed from {change.old_path})"
    if change.status == "C" and path == change.path:
        return f"{path} added (copied from {change.old_path})"
    return f"{path} {VERBS.get(change.status, 'changed')}"


def is_repo_wide(path: str) -> bool:
    if path in COMPILE_LOGIC:
        return True
    return "/" not in path and any(fnmatch.fnmatchcase(path, p) for p in REPO_WIDE_PATTERNS)


def _is_pipeline_code(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path.endswith(".py")
        and not path.startswith(NOT_PIPELINE_CODE)
        and not name.startswith("test_")
        and name != "conftest.py"
    )


def _may_be_referenced(path: str) -> bool:
    """Changed files worth searching dependents of: modules, component folders, and data
    files a pipeline may name by a literal path. Manifests are not."""
    return path.endswith(".py") or path.startswith("components/") or may_be_read(path)


def _pipeline_paths(paths: Iterable[str]) -> list[str]:
    return sorted(path for path in paths if pipeline_from_path(path) is not None)


def _pipeline(path: str, reasons: tuple[str, ...]) -> AffectedPipeline:
    pipeline = pipeline_from_path(path)
    assert pipeline is not None  # callers pass pipeline paths only
    return AffectedPipeline(
        path=path, project=pipeline.project, name=pipeline.name, reasons=reasons
    )


def _project_of_manifest(path: str) -> str | None:
    folder, _, name = path.partition("/")
    if folder != "projects" or "/" in name or not name.endswith(MANIFEST_SUFFIXES):
        return None
    return name.rsplit(".", 1)[0]


def _component_names(paths: Iterable[str]) -> set[str]:
    """The component folders the paths are in."""
    names = set()
    for path in paths:
        parts = path.split("/")
        if len(parts) > 2 and parts[0] == "components":
            names.add(parts[1])
    return names


def _components_at(paths: Iterable[str]) -> set[str]:
    """Container components that exist: folders under components/ holding a component.yaml
    and a Dockerfile (images to build). A component.yaml alone is a third-party component:
    pipelines load it, but there is no image to rebuild (``scripts/images/plan.py`` agrees)."""
    files: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == "components":
            files.setdefault(parts[1], set()).add(parts[2])
    return {name for name, found in files.items() if {"component.yaml", DOCKERFILE} <= found}
