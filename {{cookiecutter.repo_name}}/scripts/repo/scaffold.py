# Do not edit: the template owns this file (make template-update brings its changes).
"""``new-project``: the files of a new project, planned in full before any is written.

A new project is a manifest, a pipelines folder with one example pipeline, a test of it, and an
updated CODEOWNERS. The plan is computed and checked first (name, owners, experiments, and that
no file exists yet); then every file is written through a temporary file and renamed, and if
anything fails the files created so far are removed, so a refusal or a crash leaves nothing
half-written.
"""

from __future__ import annotations

import contextlib
import json
import re
import string
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts.core.errors import CheckFailed, ConfigError, Problem, ProblemsFound
from scripts.core.fileio import write_atomically
from scripts.core.naming import PROJECT_NAME, kfp_pipeline_name
from scripts.core.yaml_io import YamlError, parse_yaml
from scripts.repo.codeowners import CODEOWNERS_PATH, render_codeowners
from scripts.repo.manifests import (
    Experiment,
    Project,
    load_projects,
    manifest_document_problems,
)
from scripts.repo.model import PYPROJECT, Repo, settings_table
from scripts.repo.settings import IMAGES_MODULE

EXAMPLE_PIPELINE = "example"
DEFAULT_EXPERIMENTS = ("Default",)
FIRST_AT_LINE = re.compile(r" \(first at line \d+\)")

MANIFEST = string.Template(
    """\
# yaml-language-server: $$schema=../schemas/project.schema.json
# Project manifest: its owners review every change to the project (CODEOWNERS is generated
# from them), and CI creates each experiment in KFP as "$name/<experiment>".
# Check it with `make validate`; after changing owners run `make codeowners`.
kind: Project
name: $name
description: $description
experiments:
$experiments
owners:
$owners
"""
)

# The example and its test never put the project's name in a line that could grow past ruff's
# 100 columns (a name is up to 50 characters, its KFP name up to 58): each name-dependent line
# holds one name and little else, so lint and `ruff format --check` pass for every valid name.
PIPELINE = string.Template(
    '''\
"""An example pipeline: replace it with your own.

One pipeline per module; its name on KFP comes from its project and module:
KFP name: $kfp_name

Try it:

    python -m scripts compile $name/$pipeline
    python -m scripts run $name/$pipeline --local
"""

from kfp import dsl
$images


@dsl.component($component_options)
def add(a: float, b: float) -> float:
    """A lightweight component: plain Python that KFP runs in its own container."""
    return a + b


@dsl.pipeline
def $pipeline(a: float = 1.0, b: float = 2.0) -> float:
    """Adds a and b, then adds b again: two steps, the second waiting for the first."""
    first = add(a=a, b=b)
    return add(a=first.output, b=b).output
'''
)
# Where the example's component runs, as the README's "Add a component" advises: the components
# package's images.py. A repo whose package has no images.py gets the base image written out.
IMAGES_IMPORT = "\nfrom $package.images import BASE_IMAGE, PACKAGES"
IMAGES_OPTIONS = "base_image=BASE_IMAGE, packages_to_install=PACKAGES"
IMAGE_CONSTANT = (
    "\n# Where the component runs on KFP: component-base-image of pyproject.toml.\n"
    "BASE_IMAGE = $image"
)
IMAGE_OPTIONS = "base_image=BASE_IMAGE"

PIPELINE_TEST = string.Template(
    '''\
"""Tests of a project's pipelines: each compiles, and its components compute.

Pipelines: pipelines/$name/
"""

from __future__ import annotations

import yaml

from scripts.build.compile import compile_one
from scripts.build.discovery import load_module
from scripts.build.index import CompiledPipeline
from scripts.repo.model import pipeline_from_path
from tests.helpers.git_repos import REPO_ROOT

PROJECT = "$name"
PIPELINE = pipeline_from_path(f"pipelines/{PROJECT}/$pipeline.py")


def test_add_component_adds():
    module = load_module(REPO_ROOT, PIPELINE)
    assert module.add.python_func(a=1.5, b=2.0) == 3.5


def test_pipeline_compiles(tmp_path):
    result = compile_one(REPO_ROOT, tmp_path, PIPELINE)
    assert isinstance(result, CompiledPipeline), result
    spec = yaml.safe_load((tmp_path / result.output).read_text())
    assert spec["pipelineInfo"]["name"] == f"{PROJECT}-$kfp_pipeline"
    assert set(spec["root"]["dag"]["tasks"]) == {"add", "add-2"}
'''
)


@dataclass(frozen=True)
class PlannedFile:
    relative: str
    text: str
    replaces: bool = False  # True only for CODEOWNERS, which is regenerated


def yaml_string(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly ``text`` (a JSON string is YAML)."""
    readable = json.dumps(text, ensure_ascii=False)
    try:
        if yaml.safe_load(readable) == text:
            return readable
    except yaml.YAMLError:
        pass
    return json.dumps(text)


def yaml_name(name: str) -> str:
    """A project name as written in its manifest: plain, unless YAML would read it as something
    else than that text (``7``, ``0x1f``, ``yes``, ``null`` are valid project names)."""
    return name if yaml.safe_load(name) == name else json.dumps(name)


def render_manifest(name: str, description: str, owners: list[str], experiments: list[str]) -> str:
    return MANIFEST.substitute(
        name=yaml_name(name),
        description=yaml_string(description),
        experiments="\n".join(f"  - name: {yaml_string(e)}" for e in experiments),
        owners="\n".join(f"  - github: {yaml_string(o)}" for o in owners),
    )


def _component_image(repo: Repo) -> dict[str, str]:
    """The example component's image settings: ``images.py`` of the components package when it
    has one (so no FutureWarning about kfp's default image, and one image for every component),
    else the configured base image written out."""
    package = repo.settings.components_package
    if (repo.root / package / IMAGES_MODULE).is_file():
        images = string.Template(IMAGES_IMPORT).substitute(package=package)
        return {"images": images, "component_options": IMAGES_OPTIONS}
    try:
        table = settings_table(tomllib.loads((repo.root / PYPROJECT).read_text("utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ConfigError):
        table = {}
    image = table.get("component-base-image")
    if not isinstance(image, str) or not image.strip():
        image = f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"
    constant = string.Template(IMAGE_CONSTANT).substitute(image=json.dumps(image))
    return {"images": constant, "component_options": IMAGE_OPTIONS}


def test_module_path(name: str) -> str:
    return f"tests/test_{name.replace('-', '_')}.py"


def plan_new_project(
    repo: Repo,
    name: str,
    *,
    owners: list[str],
    experiments: list[str] | None = None,
    description: str | None = None,
) -> list[PlannedFile]:
    """Every file ``new-project`` writes, checked; raises CheckFailed/ProblemsFound to refuse."""
    if not PROJECT_NAME.match(name):
        raise CheckFailed(
            f"{name!r} is not a valid project name — use lowercase letters, digits and inner "
            "hyphens, 1 to 50 characters, e.g. price-suggestion"
        )
    if not owners:
        raise CheckFailed(
            "a project needs an owner — pass --owner @org/team (or @user, or an email address)"
        )
    experiments = list(experiments or DEFAULT_EXPERIMENTS)
    description = description if description is not None else f"The {name} project."
    manifest_path = f"projects/{name}.yml"
    manifest = render_manifest(name, description, owners, experiments)
    _check_manifest_text(repo, manifest_path, manifest, name)

    values = {
        "name": name,
        "pipeline": EXAMPLE_PIPELINE,
        "kfp_name": kfp_pipeline_name(name, EXAMPLE_PIPELINE),
        "kfp_pipeline": EXAMPLE_PIPELINE.replace("_", "-"),
        **_component_image(repo),
    }
    files = [
        PlannedFile(manifest_path, manifest),
        PlannedFile(f"pipelines/{name}/{EXAMPLE_PIPELINE}.py", PIPELINE.substitute(values)),
        PlannedFile(test_module_path(name), PIPELINE_TEST.substitute(values)),
    ]
    taken = [manifest_path, f"projects/{name}.yaml", f"pipelines/{name}", files[2].relative]
    existing = [relative for relative in taken if (repo.root / relative).exists()]
    if existing:
        raise CheckFailed(
            f"project {name!r} cannot be created, these exist already: {', '.join(existing)} "
            "— choose another name (or remove them)"
        )
    project = Project(
        name=name,
        description=description,
        experiments=tuple(Experiment(e) for e in experiments),
        owners=tuple(dict.fromkeys(owners)),
        manifest_path=manifest_path,
    )
    others = load_projects(repo, validate=False)
    codeowners = render_codeowners(repo.settings.platform_team, [*others, project])
    return [*files, PlannedFile(CODEOWNERS_PATH, codeowners, replaces=True)]


def _check_manifest_text(repo: Repo, path: str, text: str, name: str) -> None:
    """The manifest we are about to write passes the same checks as `validate`."""
    from scripts.repo.schemas import load_schema

    try:
        document = parse_yaml(text, path)
    except YamlError as error:  # only reachable through a bug in render_manifest
        raise CheckFailed(f"cannot render the manifest: {error}") from None
    problems = manifest_document_problems(
        document, stem=name, schema=load_schema(repo.root, "project.schema.json")
    )
    if problems:
        # The lines point into a file that does not exist yet: name the flag values instead.
        raise ProblemsFound(
            [Problem("new-project", None, FIRST_AT_LINE.sub("", p.message)) for p in problems]
        )


def write_planned(repo: Repo, files: list[PlannedFile]) -> None:
    """Write the plan; on any failure remove what was created and re-raise."""
    created: list[Path] = []
    try:
        for planned in files:
            path = repo.root / planned.relative
            if not planned.replaces and path.exists():  # appeared since planning
                raise CheckFailed(f"{planned.relative} appeared while writing — run again")
            new_dirs = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            created += reversed(new_dirs)  # outermost first, the order they are made in
            write_atomically(path, planned.text, display_path=planned.relative)
            if not planned.replaces:
                created.append(path)
    except BaseException:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        raise


def new_project(
    repo: Repo,
    name: str,
    *,
    owners: list[str],
    experiments: list[str] | None = None,
    description: str | None = None,
) -> list[str]:
    """Create the project; returns the repo-relative paths written."""
    files = plan_new_project(
        repo, name, owners=owners, experiments=experiments, description=description
    )
    write_planned(repo, files)
    return [f.relative for f in files]
