"""Google's JSON error shape, {"error": {"code", "message", "status", "details"}}, as an exception.

The HTTP code of each canonical status follows google.rpc.Code's documented mapping (AIP-193);
`google.api_core.exceptions.from_http_response` picks its exception class from that HTTP code.
"""

from __future__ import annotations

from typing import Any

HTTP_CODE = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# For fail_next(status): the status name and message Google's front end sends with a code.
DEFAULT_FOR_HTTP_CODE = {
    429: (
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Resource management "
        "requests' and limit 'Resource management requests per minute per region' of service "
        "'aiplatform.googleapis.com'.",
    ),
    500: ("INTERNAL", "Internal error encountered."),
    502: ("UNAVAILABLE", "Bad Gateway"),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out."),
}


class ApiError(Exception):
    """An answer other than success; `body()` is what goes on the wire."""

    def __init__(
        self,
        status: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        *,
        http_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.http_code = http_code or HTTP_CODE[status]

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.http_code,
            "message": self.message,
            "status": self.status,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(message: str) -> ApiError:
    return ApiError("INVALID_ARGUMENT", message)


def failed_precondition(message: str) -> ApiError:
    return ApiError("FAILED_PRECONDITION", message)


def not_found(message: str) -> ApiError:
    return ApiError("NOT_FOUND", message)


def already_exists(message: str) -> ApiError:
    return ApiError("ALREADY_EXISTS", message)


def permission_denied(permission: str, resource: str, domain: str) -> ApiError:
    """IAM's refusal; it says "(or it may not exist)" because a caller who may not see a
    resource must not learn whether it exists."""
    full = f"//{domain}/{resource}" if resource else ""
    where = f"resource '{full}'" if full else "resource"
    return ApiError(
        "PERMISSION_DENIED",
        f"Permission '{permission}' denied on {where} (or it may not exist).",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": "iam.googleapis.com",
                "metadata": {"permission": permission, "resource": resource},
            }
        ],
    )


def unauthenticated(missing: bool) -> ApiError:
    """Google's two 401s: no credential at all, or one it does not accept."""
    if missing:
        first, reason = (
            "Request is missing required authentication credential.",
            "CREDENTIALS_MISSING",
        )
    else:
        first, reason = (
            "Request had invalid authentication credentials.",
            "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        )
    return ApiError(
        "UNAUTHENTICATED",
        f"{first} Expected OAuth 2 access token, login cookie or other valid authentication "
        "credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "aiplatform.googleapis.com"},
            }
        ],
    )


def injected(http_code: int) -> ApiError:
    """The error a test asked for with `fail_next`."""
    status, message = DEFAULT_FOR_HTTP_CODE.get(http_code, ("UNKNOWN", f"HTTP {http_code}"))
    return ApiError(status, message, http_code=http_code)
