# Do not edit: the template owns this file (make template-update brings its changes).
"""Project manifests (``projects/<name>.yml``): read, check, and turn into ``Project`` values.

A manifest is infrastructure as code for one ML project: its owners (CODEOWNERS), its KFP
experiments (publish), its namespaces, the components it owns and its Polyaxon project. Other
modules import only this small API:

- ``load_projects(repo)`` every project, sorted by name; invalid manifests raise ProblemsFound
- ``load_project(repo, name)`` one project; an unknown name is a UsageError
- ``Project`` / ``Experiment`` the values, and ``kfp_experiment_name(project, experiment)``
- ``manifest_problems(repo)`` every problem of every manifest and the cross-checks (validate)

Reading never imports jsonschema unless asked to check (``validate=True``, the default), so the
post-generation hook can render CODEOWNERS with only PyYAML installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from scripts.core.errors import CheckFailed, Problem, ProblemsFound, UsageError
from scripts.core.naming import (
    COMPONENT_NAME,
    KFP_EXPERIMENT_MAX_BYTES,
    OWNER,
    PROJECT_NAME,
    collation_key,
    kfp_experiment_name,
    owner_key,
    repeated_name_message,
    unique_owners,
)
from scripts.core.yaml_io import YamlDocument, YamlError, load_yaml_mapping
from scripts.repo.environments import ENVIRONMENTS_FILE, environment_names
from scripts.repo.model import Repo
from scripts.repo.schedules import (
    Notify,
    Schedule,
    notify_from_document,
    schedule_problems,
    schedules_from_document,
    webhook_secret_problems,
)

SCHEMA = "project.schema.json"


class Experiment(NamedTuple):
    """A KFP experiment of a project; in KFP it is named ``<project>/<name>``."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class Project:
    """One project as its manifest declares it (already checked when loaded with validate)."""

    name: str
    description: str
    experiments: tuple[Experiment, ...]
    owners: tuple[str, ...]  # "@user", "@org/team" or an email; manifest order, no repeats
    namespaces: Mapping[str, str] = field(default_factory=dict, hash=False)  # env -> namespace
    components: tuple[str, ...] = ()  # components/<name>/ folders the project owns
    polyaxon: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    schedules: tuple[Schedule, ...] = ()
    notify: Notify = field(default_factory=Notify)
    manifest_path: str = ""  # repo-relative, e.g. "projects/price-suggestion.yml"

    @property
    def pipelines_dir(self) -> str:
        """The repo-relative folder of the project's pipelines."""
        return f"pipelines/{self.name}"

    def kfp_experiment_names(self) -> list[str]:
        """The experiments as KFP names them, in manifest order."""
        return [kfp_experiment_name(self.name, e.name) for e in self.experiments]

    def namespace_for(self, environment: str, default: str | None = None) -> str | None:
        """The project's KFP namespace in ``environment``: its override, else ``default``
        (pass the environment's own namespace from environments.yml)."""
        return self.namespaces.get(environment, default)


def read_manifest(repo: Repo, path: Path) -> YamlDocument:
    """The strictly parsed manifest; bad YAML is a YamlError (one line, exit 1)."""
    return load_yaml_mapping(path, display_path=repo.relative(path))


def project_from_document(document: YamlDocument, *, stem: str) -> Project:
    """Build a Project from a manifest without jsonschema.

    Checks only what a consumer could trip over (shapes and types) and what would corrupt
    CODEOWNERS (names and handles); the full rules are ``manifest_document_problems``.
    """
    value = document.value

    def broken(key_path: tuple[Any, ...], what: str) -> CheckFailed:
        return CheckFailed(
            f"{what} — run `python -m scripts validate` to see every problem",
            path=document.path,
            line=document.line_of(key_path),
        )

    name = value.get("name")
    if not isinstance(name, str) or not PROJECT_NAME.match(name) or name != stem:
        raise broken(("name",), f"name must be the file name {stem!r} and a valid project name")
    experiments = value.get("experiments")
    if not isinstance(experiments, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) for e in experiments
    ):
        raise broken(("experiments",), "experiments must be a list of {name: ...} mappings")
    owners = value.get("owners")
    if not isinstance(owners, list) or not all(
        isinstance(o, dict) and isinstance(o.get("github"), str) and OWNER.match(o["github"])
        for o in owners
    ):
        raise broken(("owners",), "owners must be a list of {github: '@user', '@org/team', email}")
    namespaces = value.get("namespaces") or {}
    if not isinstance(namespaces, dict) or not all(isinstance(v, str) for v in namespaces.values()):
        raise broken(("namespaces",), "namespaces must map environment names to namespaces")
    components = value.get("components") or []
    if not isinstance(components, list) or not all(
        isinstance(c, str) and COMPONENT_NAME.match(c) for c in components
    ):
        raise broken(("components",), "components must be a list of components/ folder names")
    polyaxon = value.get("polyaxon")
    if polyaxon is not None and not isinstance(polyaxon, dict):
        raise broken(("polyaxon",), "polyaxon must be a mapping")
    description = value.get("description")
    return Project(
        name=name,
        description=description if isinstance(description, str) else "",
        experiments=tuple(
            Experiment(e["name"], str(e.get("description") or "")) for e in experiments
        ),
        owners=unique_owners(o["github"] for o in owners),
        namespaces=dict(namespaces),
        components=tuple(components),
        polyaxon=dict(polyaxon) if polyaxon is not None else None,
        schedules=schedules_from_document(document, name),
        notify=notify_from_document(document),
        manifest_path=document.path,
    )


def manifest_document_problems(document: YamlDocument, *, stem: str, schema: dict) -> list[Problem]:
    """The schema and the rules a schema cannot say, for one parsed manifest."""
    from scripts.repo.schemas import schema_problems

    problems = schema_problems(document, schema)
    name = document.value.get("name")
    if isinstance(name, str) and PROJECT_NAME.match(name) and name != stem:
        # Offer "set name: <stem>" only when the stem could be a project name.
        fix = f" or set name: {stem}" if PROJECT_NAME.match(stem) else ""
        message = (
            f"name {name!r} differs from the file name {stem!r} — rename the file to "
            f"projects/{name}.yml{fix}"
        )
        problems.append(Problem(document.path, document.line_of(("name",)), message))
    project = name if isinstance(name, str) else stem
    return problems + _experiment_problems(document, project) + _owner_problems(document)


def _experiment_problems(document: YamlDocument, project: str) -> list[Problem]:
    """Experiments KFP would refuse (over its byte limit) or take for one (equal
    ``collation_key``: its database ignores case, accents and Unicode form)."""
    problems: list[Problem] = []
    for line, name, first in _listed(document, "experiments", "name", collation_key):
        full = kfp_experiment_name(project, name)
        if first is not None:
            message = repeated_name_message("experiment", name, *first)
        elif len(full.encode("utf-8")) > KFP_EXPERIMENT_MAX_BYTES and len(name) <= 100:
            message = (
                f"the KFP experiment name {full!r} is over {KFP_EXPERIMENT_MAX_BYTES} bytes — "
                "shorten the experiment name"
            )
        else:
            continue
        problems.append(Problem(document.path, line, message))
    return problems


def _owner_problems(document: YamlDocument) -> list[Problem]:
    """Owners listed twice, compared as GitHub compares them (``owner_key``: ignoring case)."""
    repeats = _listed(document, "owners", "github", owner_key)
    message = "owner {!r} is listed twice (first at line {}) — keep one"
    return [
        Problem(document.path, line, message.format(owner, first[1]))
        for line, owner, first in repeats
        if first is not None
    ]


def _listed(
    document: YamlDocument, section: str, key: str, compare: Callable[[str], str]
) -> Iterator[tuple[int | None, str, tuple[str, int] | None]]:
    """``(line, value, first)`` for each text ``<section>[i].<key>``; ``first`` is the value and
    line of the earlier entry it repeats (equal ``compare`` keys), None for a first entry."""
    first_of: dict[str, tuple[str, int]] = {}
    for index, item in enumerate(_list(document.value.get(section))):
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, str):
            line = document.line_of((section, index, key))
            first = first_of.get(compare(value))
            first_of.setdefault(compare(value), (value, line or 0))
            yield line, value, first


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass
class _Read:
    """One manifest file as read: its document, or the problem that stopped the reading."""

    path: Path
    document: YamlDocument | None
    problems: list[Problem]


def _read_all(repo: Repo, *, check: bool) -> list[_Read]:
    schema = None
    if check:
        from scripts.repo.schemas import load_schema

        schema = load_schema(repo.root, SCHEMA)
    reads = []
    for path in repo.manifest_paths():
        try:
            document = read_manifest(repo, path)
        except YamlError as error:
            reads.append(_Read(path, None, error.problems()))
            continue
        problems = (
            manifest_document_problems(document, stem=path.stem, schema=schema) if check else []
        )
        reads.append(_Read(path, document, problems))
    return reads


def manifest_problems(repo: Repo) -> list[Problem]:
    """Every problem of every manifest, plus the cross-checks against the repo (validate)."""
    reads = _read_all(repo, check=True)
    problems = [problem for read in reads for problem in read.problems]
    return problems + cross_check_problems(repo, [r.document for r in reads if r.document])


def cross_check_problems(repo: Repo, documents: list[YamlDocument]) -> list[Problem]:
    """Manifests against the repo: folders, components, environments, one owner per component."""
    by_stem, problems = _by_stem(documents)
    problems += _unclaimed_pipeline_folders(repo)
    pipeline_dirs = {folder.name for folder in repo.pipeline_dirs()}
    components = set(repo.component_names())
    environments = environment_names(repo.root)
    pipelines_of = repo.pipeline_names_by_project()
    owner_of: dict[str, tuple[str, str]] = {}
    for stem, document in sorted(by_stem.items()):
        if PROJECT_NAME.match(stem) and stem not in pipeline_dirs:
            problems.append(
                Problem(
                    document.path,
                    document.line_of(("name",)),
                    f"there is no pipelines/{stem}/ folder — create it with the project's "
                    f"first pipeline, pipelines/{stem}/<pipeline>.py",
                )
            )
        problems += _component_problems(document, components, owner_of)
        problems += _namespace_problems(document, environments)
        problems += schedule_problems(
            document, pipelines=pipelines_of.get(stem, []), environments=environments
        ) + webhook_secret_problems(repo.root, document)
    return problems


def _by_stem(documents: list[YamlDocument]) -> tuple[dict[str, YamlDocument], list[Problem]]:
    """The first manifest per project (file stem) and a problem for each later one, so the
    other cross-checks see each project once."""
    problems: list[Problem] = []
    by_stem: dict[str, YamlDocument] = {}
    for document in documents:
        stem = Path(document.path).stem
        if stem in by_stem:
            problems.append(
                Problem(
                    document.path,
                    None,
                    f"a second manifest for project {stem!r} (also {by_stem[stem].path}) — "
                    "keep one file",
                )
            )
        by_stem.setdefault(stem, document)
    return by_stem, problems


def _unclaimed_pipeline_folders(repo: Repo) -> list[Problem]:
    """A problem for each pipelines/ folder with no manifest file (even an unreadable one),
    since its pipelines would have no owners and no experiments."""
    manifest_stems = {path.stem for path in repo.manifest_paths()}  # unreadable ones too
    return [
        Problem(
            repo.relative(folder),
            None,
            f"no manifest for this pipelines folder — add projects/{folder.name}.yml "
            "(copy an existing manifest and set its name, experiments and owners) or "
            "move the pipelines into an existing project",
        )
        for folder in repo.pipeline_dirs()
        if folder.name not in manifest_stems
    ]


def _component_problems(
    document: YamlDocument, components: set[str], owner_of: dict[str, tuple[str, str]]
) -> list[Problem]:
    """Listed components that do not exist or that an earlier manifest already owns; records
    this manifest's new claims in ``owner_of`` so each component has one owning project."""
    problems: list[Problem] = []
    listed: set[str] = set()
    for index, component in enumerate(_list(document.value.get("components"))):
        if not isinstance(component, str) or component in listed:
            continue  # a repeat within one list is the schema's "lists ... twice"
        listed.add(component)
        line = document.line_of(("components", index))
        if component not in components:
            problems.append(
                Problem(
                    document.path,
                    line,
                    f"component {component!r} does not exist (no components/{component}/"
                    "component.yaml) — fix the name or remove it from the list",
                )
            )
        elif component in owner_of:
            other_path, other_line = owner_of[component]
            problems.append(
                Problem(
                    document.path,
                    line,
                    f"component {component!r} is already owned by {other_path} (line "
                    f"{other_line}) — a component has one owning project; remove it from "
                    "one of the lists",
                )
            )
        else:
            owner_of[component] = (document.path, str(line))
    return problems


def _namespace_problems(document: YamlDocument, environments: set[str] | None) -> list[Problem]:
    """Namespace overrides for environments that environments.yml does not define (a typo
    would otherwise be ignored); nothing when that file cannot be read."""
    namespaces = document.value.get("namespaces")
    if environments is None or not isinstance(namespaces, dict):
        return []
    return [
        Problem(
            document.path,
            document.line_of(("namespaces", environment)),
            f"namespace for environment {environment!r}, which "
            f"{ENVIRONMENTS_FILE} does not define — use one of "
            f"{', '.join(sorted(environments))}",
        )
        for environment in namespaces
        if environment not in environments
    ]


def load_projects(repo: Repo, *, validate: bool = True) -> list[Project]:
    """Every project, sorted by name.

    ``validate=True`` (the default) first runs every manifest check and cross-check and raises
    ProblemsFound listing all of them; ``validate=False`` skips jsonschema and only refuses what
    cannot be used (the post-generation hook renders CODEOWNERS that way).
    """
    reads = _read_all(repo, check=validate)
    problems = [problem for read in reads for problem in read.problems]
    if validate:
        problems += cross_check_problems(repo, [r.document for r in reads if r.document])
    if problems:
        raise ProblemsFound(problems)
    projects = [project_from_document(r.document, stem=r.path.stem) for r in reads if r.document]
    return sorted(projects, key=lambda project: project.name)


def load_project(repo: Repo, name: str, *, validate: bool = True) -> Project:
    """The project called ``name``; an unknown name is a UsageError listing the known ones."""
    for project in load_projects(repo, validate=validate):
        if project.name == name:
            return project
    known = ", ".join(repo.project_names()) or "none"
    raise UsageError(f"no project {name!r} — use one of: {known}")
