"""A minimal monorepo in a temporary folder for the manifest, validate and CODEOWNERS tests.

It holds the real pyproject.toml, environments.yml and schemas/ of this repo and empty
projects/, pipelines/ and components/ folders, so each test writes exactly the files it is
about and knows every line number in them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers.git_repos import REPO_ROOT

VALID_MANIFEST = """\
kind: Project
name: demo
description: A demo project.
experiments:
  - name: Default
  - name: Trading Cards
    description: Cards only.
owners:
  - github: "@acme/demo-ml"
  - github: "@jdoe"
"""

VALID_COMPONENT = """\
name: Train model
description: Trains a model.
inputs:
  - {name: data, type: Dataset}
  - {name: epochs, type: Integer, default: "3"}
outputs:
  - {name: model, type: Model}
implementation:
  container:
    image: registry.example.com/ml/train:1.0
    command: [python, -m, train]
    args:
      - --data
      - {inputPath: data}
      - --epochs
      - {inputValue: epochs}
      - --model
      - {outputPath: model}
"""


class MiniRepo:
    def __init__(self, root: Path):
        self.root = root

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def project(self, name: str = "demo", manifest: str | None = None) -> Path:
        """A project: its manifest (``VALID_MANIFEST`` with the name) and pipelines folder."""
        text = manifest if manifest is not None else VALID_MANIFEST.replace("demo", name)
        (self.root / "pipelines" / name).mkdir(parents=True, exist_ok=True)
        return self.write(f"projects/{name}.yml", text)

    def component(self, name: str, text: str = VALID_COMPONENT) -> Path:
        return self.write(f"components/{name}/component.yaml", text)

    def files(self) -> dict[str, bytes]:
        """Every file and its bytes: to show that a refused command wrote nothing."""
        return {
            path.relative_to(self.root).as_posix(): path.read_bytes()
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
        }


def make_mini_repo(root: Path) -> MiniRepo:
    root.mkdir(parents=True)
    for name in ("pyproject.toml", "environments.yml"):
        shutil.copy(REPO_ROOT / name, root / name)
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    for folder in ("projects", "pipelines", "components"):
        (root / folder).mkdir()
    return MiniRepo(root)
