# Do not edit: the template owns this file (make template-update brings its changes).
"""What ``images`` did: one result per component, as JSON and as a table for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scripts.core.report import Document, Table
from scripts.images.plan import ImagePlan


@dataclass
class ImageResult:
    """The outcome for one component, as shown in the table and in --format json."""

    plan: ImagePlan
    status: str  # exists, cached, built, pushed, failed; "would build" etc. under --dry-run
    digest: str | None = None
    pinned: str | None = None  # the reference component.yaml now holds (None: not pinned)
    pin_changed: bool = False  # True when pinning rewrote component.yaml
    error: str | None = None
    error_path: str | None = None  # the file to fix: the Dockerfile, or component.yaml
    error_line: int | None = None
    log_tail: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.plan.component.name,
            "path": self.plan.component.path,
            "image": self.plan.reference,
            "tag": self.plan.tag,
            "status": self.status,
            "digest": self.digest,
            "pinned": self.pinned,
            "pin_changed": self.pin_changed,
            "error": self.error,
            "log_tail": self.log_tail,
        }


@dataclass
class ImagesReport:
    """One ``images`` run: the environment, its registry and a result per component."""

    env: str
    registry: str
    dry_run: bool
    results: list[ImageResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "registry": self.registry,
            "dry_run": self.dry_run,
            "components": [result.as_json() for result in self.results],
        }

    def failed(self) -> list[ImageResult]:
        return [result for result in self.results if result.status == "failed"]

    def document(self) -> Document:
        heading = f"images ({self.env})"
        if not self.results:
            return Document(heading, ("images: no container components to build",))
        rows = tuple(
            (
                r.plan.component.name,
                r.status,
                r.plan.reference,
                ("updated" if r.pin_changed else "unchanged") if r.pinned else "-",
            )
            for r in self.results
        )
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        tally = "images: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return Document(heading, (Table(("component", "status", "image", "pinned"), rows), tally))
