"""Load this repository's components by name: ``component_specs.load("polyaxon-job")``.

Import it as ``from <this package> import component_specs`` (its name keeps it apart from
``kfp.components`` in a pipeline that uses both). Use it instead of building a path to
``components/<name>/component.yaml``:

- the path is right from any module, at any folder depth, whatever the working directory;
- change detection (``python -m scripts changed``) reads the name statically, so a change to
  ``components/<name>/`` marks exactly the pipelines that load it (directly or through a module
  of this package). Pass the name as a string literal: a computed name cannot be seen without
  running the code, so such a pipeline would not be marked.

kfp is imported inside ``load`` only, so importing this module costs nothing. Components are
found next to this package (``<repo>/components``), which holds in a checkout and in an editable
install (``pip install -e .``), the way this repository is used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

COMPONENTS_DIR = Path(__file__).resolve().parent.parent / "components"
SPEC_FILE = "component.yaml"
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def component_path(name: str, *, components_dir: Path | str | None = None) -> Path:
    """The ``component.yaml`` of component ``name``; a clear error when there is none."""
    folder = Path(components_dir) if components_dir is not None else COMPONENTS_DIR
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{name!r} is not a component name: use the folder name under components/ "
            "(lowercase letters, digits and inner hyphens)"
        )
    path = folder / name / SPEC_FILE
    if not path.is_file():
        known = sorted(p.parent.name for p in folder.glob(f"*/{SPEC_FILE}"))
        raise FileNotFoundError(
            f"no component {name!r}: {path} does not exist (known components: "
            f"{', '.join(known) or 'none'})"
        )
    return path


def load(name: str, *, components_dir: Path | str | None = None) -> Any:
    """The KFP component defined by ``components/<name>/component.yaml``, ready to call in a
    ``@dsl.pipeline``."""
    from kfp import components

    return components.load_component_from_file(
        str(component_path(name, components_dir=components_dir))
    )
