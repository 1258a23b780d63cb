"""One API call as the endpoint modules see it, and GitHub's conventions for reading it:
JSON bodies, query parameters, and page-based pagination with a ``Link`` header.

Pagination is GitHub's: ``per_page`` (default 30, at most 100; junk means the default) and
``page`` (from 1), and a ``Link`` header with ``next``/``last`` while there are later pages and
``first``/``prev`` after the first. Each link repeats every other query parameter of the request
(state, labels, ...), because clients such as PyGithub follow ``next`` as given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from .errors import bad_json, invalid, validation_failed
from .store import Store, Token

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


@dataclass
class Call:
    store: Store
    method: str
    path: str
    query: dict[str, list[str]]
    token: Token
    raw: bytes

    def json(self) -> Any:
        """The body as JSON (400 "Problems parsing JSON" if it is not); no body is ``{}``."""
        if not self.raw.strip():
            return {}
        try:
            return json.loads(self.raw)
        except ValueError as error:
            raise bad_json() from error

    def object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise bad_json()
        return data

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def choice(self, name: str, allowed: tuple[str, ...], resource: str) -> str:
        """An enumerated parameter (the first of `allowed` is the default); anything else is
        a 422 naming the field, as GitHub answers a list call with a bad filter value."""
        value = self.param(name, allowed[0]) or allowed[0]
        if value not in allowed:
            raise validation_failed(invalid(resource, name, value))
        return value

    def since(self, resource: str) -> str | None:
        """The ``since`` parameter (ISO 8601) in the stored timestamps' format."""
        value = self.param("since")
        if value is None:
            return None
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise validation_failed(invalid(resource, "since", value)) from error
        if when.tzinfo is None:
            raise validation_failed(invalid(resource, "since", value))
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def body_record(raw: bytes) -> Any:
    """What the request log keeps of a body: its JSON, else its text, else None."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [default])[-1])
    except ValueError:
        return default


def paginate(call: Call, rows: list[Any], path: str) -> tuple[dict[str, str], list[Any]]:
    """The page of `rows` the call asks for, and the Link header for `path` (a full URL)."""
    per_page = min(max(int_param(call.query, "per_page", DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
    page = max(int_param(call.query, "page", 1), 1)
    last = max((len(rows) + per_page - 1) // per_page, 1)
    chunk = rows[(page - 1) * per_page : page * per_page]
    kept = [(k, v[-1]) for k, v in call.query.items() if k not in ("per_page", "page")]

    def link(to: int, rel: str) -> str:
        params = urlencode([*kept, ("per_page", per_page), ("page", to)])
        return f'<{path}?{params}>; rel="{rel}"'

    links = []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    return ({"Link": ", ".join(links)} if links else {}), chunk
