# Do not edit: the template owns this file (make template-update brings its changes).
"""``compile.json``: what ``compile`` built, written and read back as typed objects.

``compile`` writes it beside the specs; ``publish`` reads it to know what to upload. Both sides
go through ``CompileIndex`` so the file's shape lives in one place. Schema (version 1)::

    {"schema": 1,
     "kfp_version": "2.17.0",
     "pipelines": [{"selector": "p/train_model", "project": "p", "pipeline": "train_model",
                    "name": "p-train-model", "display_name": "p/train_model",
                    "source": "pipelines/p/train_model.py",
                    "output": "pipelines/p/train_model.yaml",   # relative to compile.json
                    "sha256": "<hex>"}],
     "failed": [{"selector": "p/broken", "source": "pipelines/p/broken.py", "line": 3,
                 "message": "..."}],
     "projects": ["p"]}

``pipelines`` and ``failed`` are sorted by source path. ``projects`` (sorted) are the projects
publish syncs experiments for: those of the selected pipelines, every project with ``--all``,
and with ``--changed`` also those whose manifests changed. The file has sorted keys,
repo-relative paths and no timestamps, so the same commit always writes the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from scripts.core.errors import ConfigError, Problem
from scripts.core.fileio import write_atomically

COMPILE_INDEX = "compile.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CompiledPipeline:
    selector: str
    project: str
    pipeline: str
    name: str
    display_name: str
    source: str
    output: str  # relative to the folder holding compile.json
    sha256: str
    # What compile warned about (never written to compile.json): see CompileIndex.warnings.
    warnings: tuple[Problem, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class FailedPipeline:
    selector: str
    source: str
    line: int | None
    message: str
    warnings: tuple[Problem, ...] = field(default=(), compare=False)  # as CompiledPipeline's

    @property
    def project(self) -> str:
        return self.selector.partition("/")[0]

    def problem(self) -> Problem:
        return Problem(self.source, self.line, self.message)


@dataclass
class CompileIndex:
    """One compile run: what compiled, what failed, and the projects publish should sync
    (those of the selected pipelines plus, with --changed, those whose manifests changed)."""

    kfp_version: str = ""
    compiled: list[CompiledPipeline] = field(default_factory=list)
    failed: list[FailedPipeline] = field(default_factory=list)
    projects: set[str] = field(default_factory=set)

    @property
    def problems(self) -> list[Problem]:
        return [failure.problem() for failure in self.failed]

    @property
    def warnings(self) -> list[Problem]:
        """Every pipeline's warnings, once each (a helper module's warning comes with the
        pipeline that imported it first), sorted by place. Not part of compile.json: they are
        shown when compile runs, and a Python warning's text may name machine-specific paths."""
        found = {w for item in [*self.compiled, *self.failed] for w in item.warnings}
        return sorted(found, key=lambda w: (w.path, w.line or 0, w.message))

    def all_projects(self) -> list[str]:
        return sorted(
            self.projects
            | {item.project for item in self.compiled}
            | {item.project for item in self.failed}
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "kfp_version": self.kfp_version,
            "pipelines": [_row(item) for item in sorted(self.compiled, key=lambda c: c.source)],
            "failed": [_row(item) for item in sorted(self.failed, key=lambda f: f.source)],
            "projects": self.all_projects(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> CompileIndex:
        """The index from its JSON; a KeyError or TypeError means a foreign file."""
        return cls(
            kfp_version=str(document.get("kfp_version", "")),
            compiled=[_typed(CompiledPipeline, item) for item in document.get("pipelines", [])],
            failed=[_typed(FailedPipeline, item) for item in document.get("failed", [])],
            projects=set(document.get("projects", [])),
        )

    def write(self, out_dir: Path) -> Path:
        path = Path(out_dir) / COMPILE_INDEX
        text = json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomically(path, text)
        return path

    @classmethod
    def read(cls, out_dir: Path) -> CompileIndex:
        """``compile.json`` as ``write`` wrote it; a missing or foreign file is a ConfigError
        that says to run compile first."""
        path = Path(out_dir) / COMPILE_INDEX
        try:
            document = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{path}: no compile output — run `python -m scripts compile` first "
                "(or pass --build DIR)"
            ) from None
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path}: unreadable ({error}) — rerun compile") from None
        if not isinstance(document, dict) or document.get("schema") != SCHEMA_VERSION:
            raise ConfigError(
                f"{path}: not a compile.json of schema {SCHEMA_VERSION} — rerun compile"
            )
        try:
            return cls.from_json(document)
        except (KeyError, TypeError, AttributeError):
            raise ConfigError(
                f"{path}: not a compile.json this tooling wrote — rerun compile"
            ) from None


def _row(item: CompiledPipeline | FailedPipeline) -> dict[str, Any]:
    """One row of compile.json: the item's fields less its warnings."""
    row = asdict(item)
    row.pop("warnings")
    return row


def _typed(kind: type, item: dict[str, Any]) -> Any:
    """One row as ``kind``: the known keys only (a missing one is a KeyError)."""
    optional = {"line"}
    return kind(
        **{
            f.name: item[f.name] if f.name not in optional else item.get(f.name)
            for f in fields(kind)
            if f.name != "warnings"
        }
    )
