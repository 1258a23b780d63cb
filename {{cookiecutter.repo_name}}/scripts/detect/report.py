# Do not edit: the template owns this file (make template-update brings its changes).
"""How a ChangeSet is shown: a document for people (text in the log, Markdown in the job
summary) and step outputs for workflows.

Step outputs are shaped for GitHub expressions: lists are compact JSON (``fromJSON(...)`` turns
``pipelines`` into a job matrix of ``<project>/<pipeline>`` selectors, which every command
accepts), booleans are ``true``/``false`` and counts are plain integers, so ``if:`` conditions
need no parsing.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.core.report import Block, Bullets, Code, Document, Inline, count_phrase, joined


def change_document(changes: Any) -> Document:
    """What a ``ChangeSet`` says to people, for the log (text) and the job summary (Markdown)."""
    blocks: list[Block] = [_header(changes)]
    if changes.all:
        blocks.append("Every pipeline is affected: " + "; ".join(changes.all_reasons))
    if changes.pipelines:
        items = tuple(
            (_selector_at(p.selector, p.path), () if changes.all else tuple(p.reasons))
            for p in changes.pipelines
        )
        blocks.append(
            Bullets(f"{count_phrase(len(changes.pipelines), 'pipeline')} affected:", items)
        )
    if changes.deleted_pipelines:
        items = tuple(
            (_selector_at(d.selector, d.path, d.renamed_to), ()) for d in changes.deleted_pipelines
        )
        title = f"{count_phrase(len(changes.deleted_pipelines), 'pipeline')} deleted:"
        blocks.append(Bullets(title, items))
    if changes.projects:
        listed = joined(Code(p) for p in changes.projects)
        blocks.append(("Projects to sync (manifest changed): ", listed))
    if changes.components:
        blocks.append(("Components to rebuild: ", joined(Code(c) for c in changes.components)))
    if not changes.any:
        blocks.append("Nothing affected: no pipeline, project or component.")
    if changes.warnings:
        # Code: the message quotes the pull request's code, shown as written in Markdown.
        items = tuple((Code(str(w)), ()) for w in changes.warnings)
        blocks.append(Bullets(f"{count_phrase(len(changes.warnings), 'warning')}:", items))
    return Document("Change detection", tuple(blocks))


def _selector_at(selector: str, path: str, renamed_to: str | None = None) -> Inline:
    renamed = f", renamed to {renamed_to}" if renamed_to else ""
    return (Code(selector), f"  ({path}{renamed})")


def github_outputs(changes: Any) -> dict[str, str]:
    """Step outputs: ``pipelines`` (JSON list of selectors), ``pipeline_count``,
    ``deleted_pipelines`` and ``deleted_pipeline_count``, ``projects``/``project_count``,
    ``components``/``component_count``, ``all``, ``any``, ``base`` and ``head``."""

    def compact(items: list[str]) -> str:
        return json.dumps(items, separators=(",", ":"))

    pipelines = [p.selector for p in changes.pipelines]
    deleted = [d.selector for d in changes.deleted_pipelines]
    return {
        "pipelines": compact(pipelines),
        "pipeline_count": str(len(pipelines)),
        "deleted_pipelines": compact(deleted),
        "deleted_pipeline_count": str(len(deleted)),
        "projects": compact(list(changes.projects)),
        "project_count": str(len(changes.projects)),
        "components": compact(list(changes.components)),
        "component_count": str(len(changes.components)),
        "all": _bool(changes.all),
        "any": _bool(changes.any),
        "base": changes.base or "",
        "head": changes.head,
    }


def _header(changes: Any) -> str:
    if changes.base is None:
        return f"HEAD {changes.head[:12]}: {changes.base_why}"
    return (
        f"Changes from {changes.base[:12]} ({changes.base_why}) to {changes.head[:12]}: "
        f"{count_phrase(len(changes.files), 'file')} changed"
    )


def _bool(value: bool) -> str:
    return "true" if value else "false"
