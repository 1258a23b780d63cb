# Do not edit: the template owns this file (make template-update brings its changes).
"""What merging a pull request would do to an environment's schedules, with no server at all.

The pull-request comment's "Schedules on merge" section: the schedules of the manifests at the
merge base against those of the head, plus the schedules whose pipeline the pull request changes
(the merge publishes a new version, so they are re-pinned). No credentials are needed, so pull
requests from forks get it too; the sync on merge is what compares with the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.core.cron import kfp_cron
from scripts.core.yaml_io import YamlError, parse_yaml
from scripts.detect.changes import find_changes
from scripts.detect.git import list_tree, read_blobs
from scripts.repo.environments import Environment
from scripts.repo.manifests import load_projects
from scripts.repo.model import Repo
from scripts.repo.schedules import Schedule, schedules_from_document
from scripts.targets.schedules.model import same_value
from scripts.targets.schedules.report import ScheduleReport, ScheduleRow


@dataclass(frozen=True)
class _Shape:
    """What of a schedule a merge would change on the server."""

    pipeline: str
    cron: str
    experiment: str
    max_concurrency: int
    catchup: bool


def preview_schedules(repo: Repo, environment: Environment, *, base: str) -> ScheduleReport:
    changes = find_changes(repo, base=base)
    head = {
        s.display_name: s
        for project in load_projects(repo, validate=False)
        for s in project.schedules
        if s.runs_in(environment.name)
    }
    before = _base_schedules(repo, changes.base, environment.name) if changes.base else {}
    affected = {pipeline.selector for pipeline in changes.pipelines}
    report = ScheduleReport(
        environment.name, environment.address, environment.timezone, f"merge of {base}", True
    )
    for key in sorted(set(head) | set(before)):
        row = _preview_row(key, before.get(key), head.get(key), affected, changes.all)
        if row is not None:
            report.rows.append(row)
    return report


def _preview_row(
    key: str, old: Schedule | None, new: Schedule | None, affected: set[str], everything: bool
) -> ScheduleRow | None:
    if new is None:
        assert old is not None
        return ScheduleRow(key, "remove", "planned", pipeline=old.selector, cron=old.cron)
    row = ScheduleRow(
        key,
        "create",
        "planned",
        pipeline=new.selector,
        cron=new.cron,
        manifest=new.manifest_path,
        line=new.line,
    )
    if old is None:
        return row
    changed = _changed(old, new)
    if new.selector in affected or everything:
        changed.insert(0, "version")
    if changed:
        row.action, row.changes = "replace", changed
    elif old.enabled != new.enabled:
        row.action = "enable" if new.enabled else "pause"
    else:
        return None
    return row


def _changed(old: Schedule, new: Schedule) -> list[str]:
    names = []
    a, b = _shape(old), _shape(new)
    for name in ("pipeline", "cron", "experiment", "max_concurrency", "catchup"):
        if getattr(a, name) != getattr(b, name):
            names.append(name)
    if not same_value(dict(old.parameters), dict(new.parameters)):
        names.append("parameters")
    return names


def _shape(schedule: Schedule) -> _Shape:
    return _Shape(
        schedule.pipeline,
        kfp_cron(schedule.cron) if schedule.cron.strip() else "",
        schedule.experiment,
        schedule.max_concurrency,
        schedule.catchup,
    )


def _base_schedules(repo: Repo, commit: str, environment: str) -> dict[str, Schedule]:
    """The schedules the manifests at ``commit`` declare for ``environment``; a manifest that
    does not parse there counts as having none."""
    entries = [
        entry
        for entry in list_tree(repo.root, commit)
        if entry.path.startswith("projects/") and entry.path.endswith((".yml", ".yaml"))
    ]
    blobs = read_blobs(repo.root, [entry.object_id for entry in entries])
    found: dict[str, Schedule] = {}
    for entry in entries:
        try:
            text = blobs[entry.object_id].decode("utf-8")
            document = parse_yaml(text, entry.path)
        except (UnicodeDecodeError, YamlError):
            continue
        if not isinstance(document.value, dict):
            continue
        project = entry.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for schedule in schedules_from_document(document, project):
            if schedule.runs_in(environment):
                found[schedule.display_name] = schedule
    return found
