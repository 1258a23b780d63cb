"""GitHub's error bodies: one shape, ``{"message", "documentation_url", "status"}``, plus
``errors`` on a 422 "Validation Failed".

Each item of ``errors`` names the ``resource`` (Issue, Label, IssueComment, Reaction), the
``field`` and a ``code``: ``missing_field``, ``invalid`` (with the ``value`` sent),
``already_exists``, or ``custom`` (with a ``message``), as api.github.com words them.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.github.com/rest"
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
SECONDARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


class HttpError(Exception):
    """An answer other than success; ``body`` is what GitHub sends, ``headers`` any extra."""

    def __init__(
        self,
        status: int,
        message: str,
        docs: str = DOCS,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        self.body = {"message": message, "documentation_url": docs, "status": str(status), **extra}


def not_found(docs: str = DOCS) -> HttpError:
    return HttpError(404, "Not Found", docs)


def bad_json() -> HttpError:
    return HttpError(400, "Problems parsing JSON")


def validation_failed(*errors: dict[str, Any], docs: str = DOCS) -> HttpError:
    return HttpError(422, "Validation Failed", docs, errors=list(errors))


def missing_field(resource: str, field: str) -> dict[str, Any]:
    return {"resource": resource, "code": "missing_field", "field": field}


def invalid(resource: str, field: str, value: Any) -> dict[str, Any]:
    return {"value": value, "resource": resource, "field": field, "code": "invalid"}


def custom(resource: str, field: str, message: str) -> dict[str, Any]:
    return {"resource": resource, "code": "custom", "field": field, "message": message}


def already_exists(resource: str, field: str) -> dict[str, Any]:
    return {"resource": resource, "code": "already_exists", "field": field}
