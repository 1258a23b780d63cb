"""Labels: the repository's (``GET``/``POST /labels``, ``GET /labels/{name}``) and an issue's
(``GET``/``POST /issues/{n}/labels``, ``DELETE /issues/{n}/labels/{name}``).

As on GitHub: names match without regard to case; a new label's colour is six hex digits
without ``#`` (GitHub's grey ``ededed`` when none is given); creating a name that exists is a
422 ``already_exists``; naming a label that does not exist when labelling an issue creates it.
``POST /issues/{n}/labels`` takes ``{"labels": [...]}``, a bare list, or a single name, names
or ``{"name": ...}`` objects, adds to the issue's labels, and answers all of them (an empty list
removes them all, as GitHub documents).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from .errors import (
    DOCS,
    HttpError,
    already_exists,
    invalid,
    missing_field,
    not_found,
    validation_failed,
)
from .render import label_json
from .request import Call, paginate
from .store import Issue, Label

LABELS_DOCS = f"{DOCS}/issues/labels"
COLOR = re.compile(r"[0-9a-fA-F]{6}")


def label_names(value: Any, resource: str) -> list[str]:
    """Label names from a request field: a list of names or of ``{"name": ...}`` objects."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise validation_failed(invalid(resource, "labels", value), docs=LABELS_DOCS)
    names: list[str] = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise validation_failed(invalid(resource, "labels", item), docs=LABELS_DOCS)
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def attach(call: Call, issue: Issue, names: list[str], *, replace: bool) -> None:
    keys = [call.store.ensure_label(name).name.lower() for name in names]
    if replace:
        issue.labels = keys
    else:
        issue.labels += [key for key in keys if key not in issue.labels]


def require_issue(call: Call, number: int) -> Issue:
    issue = call.store.issues.get(number)
    if issue is None:
        raise not_found(f"{DOCS}/issues/issues#get-an-issue")
    return issue


def _labels_of(call: Call, issue: Issue) -> list[dict[str, Any]]:
    return [label_json(call.store, call.store.labels[key]) for key in issue.labels]


def get_label(call: Call, name: str) -> tuple[int, dict[str, str], Any]:
    label = call.store.find_label(unquote(name))
    if label is None:
        raise not_found(f"{LABELS_DOCS}#get-a-label")
    return 200, {}, label_json(call.store, label)


def list_labels(call: Call) -> tuple[int, dict[str, str], Any]:
    rows = sorted(call.store.labels.values(), key=lambda label: label.name.lower())
    headers, chunk = paginate(call, rows, f"{call.store.repo_url}/labels")
    return 200, headers, [label_json(call.store, label) for label in chunk]


def create_label(call: Call) -> tuple[int, dict[str, str], Any]:
    data = call.object()
    name, color = data.get("name"), data.get("color", "ededed")
    description = data.get("description")
    if not isinstance(name, str) or not name.strip():
        raise validation_failed(
            missing_field("Label", "name"), docs=f"{LABELS_DOCS}#create-a-label"
        )
    if not isinstance(color, str) or not COLOR.fullmatch(color):
        raise validation_failed(
            invalid("Label", "color", color), docs=f"{LABELS_DOCS}#create-a-label"
        )
    if description is not None and (not isinstance(description, str) or len(description) > 100):
        raise validation_failed(
            invalid("Label", "description", description), docs=f"{LABELS_DOCS}#create-a-label"
        )
    store = call.store
    if store.find_label(name) is not None:
        raise validation_failed(
            already_exists("Label", "name"), docs=f"{LABELS_DOCS}#create-a-label"
        )
    label = Label(store.new_id(), name, color.lower(), description)
    store.labels[name.lower()] = label
    body = label_json(store, label)
    return 201, {"Location": body["url"]}, body


def list_issue_labels(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    issue = require_issue(call, int(number))
    url = f"{call.store.repo_url}/issues/{issue.number}/labels"
    rows = [call.store.labels[key] for key in issue.labels]
    headers, chunk = paginate(call, rows, url)
    return 200, headers, [label_json(call.store, label) for label in chunk]


def add_issue_labels(call: Call, number: str) -> tuple[int, dict[str, str], Any]:
    issue = require_issue(call, int(number))
    data = call.json()
    value = data.get("labels") if isinstance(data, dict) else data
    if isinstance(data, dict) and "labels" not in data:
        raise validation_failed(
            missing_field("Issue", "labels"), docs=f"{LABELS_DOCS}#add-labels-to-an-issue"
        )
    names = label_names(value, "Issue")
    attach(call, issue, names, replace=not names)
    issue.updated_at = call.store.now()
    return 200, {}, _labels_of(call, issue)


def remove_issue_label(call: Call, number: str, name: str) -> tuple[int, dict[str, str], Any]:
    issue = require_issue(call, int(number))
    key = unquote(name).lower()
    if key not in issue.labels:
        raise HttpError(404, "Label does not exist", f"{LABELS_DOCS}#remove-a-label-from-an-issue")
    issue.labels.remove(key)
    issue.updated_at = call.store.now()
    return 200, {}, _labels_of(call, issue)
