"""Errors as Google's JSON APIs send them: `{"error": {"code", "message", "status"}}`.

`code` is the HTTP status and `status` the google.rpc.Code name; two codes share HTTP 400
(INVALID_ARGUMENT, FAILED_PRECONDITION), so the name is given where it is not the usual one
(https://cloud.google.com/apis/design/errors#handling_errors).
"""

from __future__ import annotations

import json
from typing import Any

# The usual google.rpc.Code name for an HTTP status (google/rpc/code.proto's HTTP mapping).
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """A refusal: HTTP status, message, google.rpc.Code name, optional `details` entries and
    extra response headers."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> bytes:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return json.dumps({"error": error}).encode()


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message)


def failed_precondition(message: str) -> ApiError:
    return ApiError(400, message, status="FAILED_PRECONDITION")


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def already_exists(message: str) -> ApiError:
    return ApiError(409, message)
