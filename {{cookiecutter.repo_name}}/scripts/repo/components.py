# Do not edit: the template owns this file (make template-update brings its changes).
"""Checks of ``components/<name>/component.yaml`` without importing kfp.

``validate`` must stay fast and must not need the KFP SDK, so a component spec is checked by
schema (``schemas/component.schema.json``: the container-component YAML that
``kfp.components.load_component_from_file`` reads) plus the two things kfp would reject at
load time that a schema cannot say: duplicate input or output names, and placeholders
(``{inputValue: x}``, ``{outputPath: y}``) naming an input or output that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scripts.core.errors import Problem
from scripts.core.naming import COMPONENT_NAME
from scripts.core.yaml_io import YamlDocument, YamlError, load_yaml_mapping
from scripts.repo.model import Repo

SCHEMA = "component.schema.json"
SPEC_FILE = "component.yaml"
IMAGE_KEY = ("implementation", "container", "image")
PINNED = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
INPUT_PLACEHOLDERS = ("inputValue", "inputPath", "inputUri", "inputMetadata", "isPresent")
OUTPUT_PLACEHOLDERS = ("outputPath", "outputUri", "outputMetadata")


def component_problems(repo: Repo) -> list[Problem]:
    """Every problem of every component folder and spec under ``components/``."""
    from scripts.repo.schemas import load_schema

    schema = load_schema(repo.root, SCHEMA)
    problems: list[Problem] = []
    for folder in _component_folders(repo):
        relative = repo.relative(folder)
        if not COMPONENT_NAME.match(folder.name):
            problems.append(
                Problem(
                    relative,
                    None,
                    f"component folder name {folder.name!r} is not valid — rename it with "
                    "lowercase letters, digits and inner hyphens",
                )
            )
        spec = folder / SPEC_FILE
        if not spec.is_file():
            problems.append(
                Problem(
                    relative,
                    None,
                    f"no {SPEC_FILE} in this component folder — add the component spec or "
                    "remove the folder",
                )
            )
            continue
        try:
            document = load_yaml_mapping(spec, display_path=repo.relative(spec))
        except YamlError as error:
            problems += error.problems()
            continue
        if is_compiled_pipeline(document.value):
            problems += compiled_pipeline_problems(document)
        else:
            problems += spec_problems(document, schema)
    return problems


# A compiled pipeline (KFP IR YAML) is a component too: `load_component_from_file` loads it and
# a pipeline calls it as one step. It is recognised by the keys every compiled spec has.
COMPILED_PIPELINE_KEYS = ("pipelineInfo", "root", "schemaVersion")


def is_compiled_pipeline(spec: Any) -> bool:
    return isinstance(spec, dict) and all(key in spec for key in COMPILED_PIPELINE_KEYS)


def compiled_pipeline_problems(document: YamlDocument) -> list[Problem]:
    """A compiled pipeline used as a component: the parts loading it needs are there."""
    spec = document.value
    problems = []
    name = spec["pipelineInfo"].get("name") if isinstance(spec["pipelineInfo"], dict) else None
    if not isinstance(name, str) or not name:
        problems.append(
            Problem(
                document.path,
                document.line_of(("pipelineInfo",)),
                "a compiled pipeline needs pipelineInfo.name — compile it again with kfp",
            )
        )
    if not isinstance(spec["root"], dict) or "dag" not in spec["root"]:
        problems.append(
            Problem(
                document.path,
                document.line_of(("root",)),
                "a compiled pipeline needs root.dag — compile it again with kfp",
            )
        )
    return problems


def _component_folders(repo: Repo) -> list[Path]:
    if not repo.components_dir.is_dir():
        return []
    return sorted(
        path
        for path in repo.components_dir.iterdir()
        if path.is_dir() and not path.name.startswith((".", "_"))
    )


def spec_problems(document: YamlDocument, schema: dict[str, Any]) -> list[Problem]:
    """The schema plus unique names and placeholder references of one parsed spec."""
    from scripts.repo.schemas import schema_problems

    problems = schema_problems(document, schema)
    value = document.value
    names: dict[str, set[str]] = {}
    for kind in ("inputs", "outputs"):
        names[kind] = set()
        items = value.get(kind)
        for index, item in enumerate(items if isinstance(items, list) else []):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str):
                continue
            if name in names[kind]:
                problems.append(
                    Problem(
                        document.path,
                        document.line_of((kind, index, "name")),
                        f"{kind[:-1]} {name!r} is declared twice — rename or remove one",
                    )
                )
            names[kind].add(name)
    container = (value.get("implementation") or {}) if isinstance(value, dict) else {}
    container = container.get("container") if isinstance(container, dict) else None
    if isinstance(container, dict):
        for key in ("command", "args"):
            problems += _placeholder_problems(
                document, container.get(key), ("implementation", "container", key), names
            )
    return problems


def _placeholder_problems(
    document: YamlDocument, node: Any, key_path: tuple[Any, ...], names: dict[str, set[str]]
) -> list[Problem]:
    """Placeholders anywhere in ``node`` (nested in concat/if too) must name a declaration."""
    problems: list[Problem] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            problems += _placeholder_problems(document, item, (*key_path, index), names)
    elif isinstance(node, dict):
        for key, value in node.items():
            kind = (
                "inputs"
                if key in INPUT_PLACEHOLDERS
                else ("outputs" if key in OUTPUT_PLACEHOLDERS else None)
            )
            if kind and isinstance(value, str) and value not in names[kind]:
                declared = ", ".join(sorted(names[kind])) or "none"
                problems.append(
                    Problem(
                        document.path,
                        document.line_of((*key_path, key)),
                        f"placeholder {key}: {value!r} names no declared {kind[:-1]} — declared: "
                        f"{declared}; fix the name or declare it under {kind}",
                    )
                )
            else:
                problems += _placeholder_problems(document, value, (*key_path, key), names)
    return problems


def is_pinned(image: str) -> bool:
    return bool(PINNED.match(image))


def image_of(spec: Path, display_path: str) -> tuple[str | None, int | None]:
    """The image reference in a component spec and its line (None when it has none)."""
    document = load_yaml_mapping(spec, display_path=display_path)
    node = document.value
    for key in IMAGE_KEY:
        node = node.get(key) if isinstance(node, dict) else None
    return (node if isinstance(node, str) else None), document.line_of(IMAGE_KEY)


def unpinned_components(repo: Repo) -> list[Problem]:
    """A warning for every component whose image is not ``name@sha256:<digest>``.

    ``validate`` reports these: an image referenced by tag can change under a pipeline without
    any commit. Specs that cannot be read are left to validate's own errors.
    """
    warnings = []
    for folder in repo.component_dirs():
        spec = folder / SPEC_FILE
        shown = repo.relative(spec)
        try:
            image, line = image_of(spec, shown)
        except YamlError:
            continue
        if image is None or is_pinned(image):
            continue
        if (folder / "Dockerfile").is_file():
            fix = (
                "CI pins it when it builds the image on main (python -m scripts images --env "
                "prod --push --pin)"
            )
        else:
            fix = "pin it to the digest of the image you use: image: <name>@sha256:<digest>"
        warnings.append(
            Problem(shown, line, f"image {image} is not pinned by digest — {fix}", "warning")
        )
    return warnings
