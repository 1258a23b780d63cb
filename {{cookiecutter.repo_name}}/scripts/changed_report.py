"""How a ChangeSet is shown: a text report for people, Markdown for the job summary, and step
outputs for workflows.

Step outputs are shaped for GitHub expressions: lists are compact JSON (``fromJSON(...)`` turns
``pipelines`` into a job matrix of ``<project>/<pipeline>`` selectors, which every command
accepts), booleans are ``true``/``false`` and counts are plain integers, so ``if:`` conditions
need no parsing.
"""

from __future__ import annotations

import json

from scripts.changed import ChangeSet
from scripts.output import markdown_table


def text_report(changes: ChangeSet) -> str:
    lines = [_header(changes)]
    if changes.all:
        lines.append("Every pipeline is affected: " + "; ".join(changes.all_reasons))
    if changes.pipelines:
        lines.append(f"{_count(len(changes.pipelines), 'pipeline')} affected:")
        for pipeline in changes.pipelines:
            lines.append(f"  {pipeline.selector}  ({pipeline.path})")
            if not changes.all:
                lines += [f"    - {reason}" for reason in pipeline.reasons]
    if changes.deleted_pipelines:
        lines.append(f"{_count(len(changes.deleted_pipelines), 'pipeline')} deleted:")
        for deleted in changes.deleted_pipelines:
            renamed = f", renamed to {deleted.renamed_to}" if deleted.renamed_to else ""
            lines.append(f"  {deleted.selector}  ({deleted.path}{renamed})")
    if changes.projects:
        lines.append("Projects to sync (manifest changed): " + ", ".join(changes.projects))
    if changes.components:
        lines.append("Components to rebuild: " + ", ".join(changes.components))
    if not changes.any:
        lines.append("Nothing affected: no pipeline, project or component.")
    return "\n".join(lines)


def markdown_report(changes: ChangeSet) -> str:
    lines = ["### Change detection", "", _header(changes), ""]
    if changes.all:
        lines += ["**Every pipeline is affected:** " + "; ".join(changes.all_reasons), ""]
    if changes.pipelines:
        rows = [
            (p.selector, "every pipeline" if changes.all else "<br>".join(p.reasons))
            for p in changes.pipelines
        ]
        lines += [markdown_table(("pipeline", "why"), rows), ""]
    if changes.deleted_pipelines:
        listed = ", ".join(f"`{d.selector}`" for d in changes.deleted_pipelines)
        lines += [f"Deleted pipelines (not published): {listed}", ""]
    if changes.projects:
        lines += ["Projects to sync: " + ", ".join(f"`{p}`" for p in changes.projects), ""]
    if changes.components:
        lines += ["Components to rebuild: " + ", ".join(f"`{c}`" for c in changes.components)]
    if not changes.any:
        lines.append("Nothing affected.")
    return "\n".join(lines)


def github_outputs(changes: ChangeSet) -> dict[str, str]:
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


def _header(changes: ChangeSet) -> str:
    if changes.base is None:
        return f"HEAD {changes.head[:12]}: {changes.base_why}"
    return (
        f"Changes from {changes.base[:12]} ({changes.base_why}) to {changes.head[:12]}: "
        f"{_count(len(changes.files), 'file')} changed"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _bool(value: bool) -> str:
    return "true" if value else "false"
