"""The three error shapes the real KFP API server writes, and the error values behind them.

The API server's handlers raise `util.UserError` values: a gRPC code, an *internal* message that
grows a prefix each time a layer wraps it (`Wrap(err, "Failed to ...")` gives
`"Failed to ...: <inner>"`), and a short *external* message that never changes. What reaches the
wire depends on which kind of handler answers:

- grpc-gateway endpoints (everything except the two upload endpoints and healthz) marshal a
  `google.rpc.Status`: `{"code", "message": <internal chain>, "details": [Status(<external>)]}`
  with the HTTP status mapped from the code (`ApiError.to_response`).
- the upload endpoints write `{"error_message", "error_details"}` (`UploadError`), or plain text
  via Go's `http.Error` for length and namespace checks (`PlainError`).

Source: server/pipeline_upload_server.go and common/util/error.go under https://github.com/kubeflow/pipelines/tree/2.17.0/backend/src/apiserver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# gRPC code -> HTTP status, as grpc-gateway's HTTPStatusFromCode maps them.
GRPC_TO_HTTP = {
    0: 200,
    1: 499,  # CANCELLED
    2: 500,  # UNKNOWN
    3: 400,  # INVALID_ARGUMENT
    4: 504,  # DEADLINE_EXCEEDED
    5: 404,  # NOT_FOUND
    6: 409,  # ALREADY_EXISTS
    7: 403,  # PERMISSION_DENIED
    8: 429,  # RESOURCE_EXHAUSTED
    9: 400,  # FAILED_PRECONDITION
    10: 409,  # ABORTED
    11: 400,  # OUT_OF_RANGE
    12: 501,  # UNIMPLEMENTED
    13: 500,  # INTERNAL
    14: 503,  # UNAVAILABLE
    15: 500,  # DATA_LOSS
    16: 401,  # UNAUTHENTICATED
}

INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
ABORTED = 10
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14

STATUS_TYPE_URL = "type.googleapis.com/google.rpc.Status"


@dataclass(frozen=True)
class Response:
    """A finished HTTP answer: what every handler returns and every error renders to."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: object) -> Response:
        return cls(status, json.dumps(payload, separators=(",", ":")).encode())


class ApiError(Exception):
    """A KFP `UserError`: raised anywhere below a handler, rendered once at the edge."""

    def __init__(
        self, code: int, internal: str, external: str | None, *, detail_code: int | None = None
    ) -> None:
        super().__init__(internal)
        self.code = code
        self.internal = internal
        self.external = external
        self.detail_code = code if detail_code is None else detail_code

    @property
    def http_status(self) -> int:
        return GRPC_TO_HTTP.get(self.code, 500)

    def wrap(self, message: str) -> ApiError:
        """Go's `util.Wrap`: prefix the internal chain, keep code and external message."""
        if self.plain:
            # A plain Go error (not a UserError) keeps no separate external message.
            return go_error(f"{message}: {self.internal.removeprefix(_GO_ERROR_PREFIX)}")
        return ApiError(
            self.code, f"{message}: {self.internal}", self.external, detail_code=self.detail_code
        )

    @property
    def plain(self) -> bool:
        return self.internal.startswith(_GO_ERROR_PREFIX) and self.internal == self.external

    def to_response(self) -> Response:
        return Response.json(
            self.http_status,
            grpc_status_body(self.code, self.internal, self.external, self.detail_code),
        )


def grpc_status_body(
    code: int, message: str, detail: str | None, detail_code: int | None = None
) -> dict:
    """The google.rpc.Status JSON grpc-gateway v2 writes (empty `details` omitted)."""
    body: dict = {"code": code, "message": message}
    if detail is not None:
        inner = code if detail_code is None else detail_code
        body["details"] = [{"@type": STATUS_TYPE_URL, "code": inner, "message": detail}]
    return body


_GO_ERROR_PREFIX = "Internal error: "


def go_error(chain: str) -> ApiError:
    """A plain Go `error` reaching the interceptor: `ToGRPCError` makes it code 13 with the
    text as both messages and a detail of code 2 (Unknown). (Go's `%+v` would also print the
    stack trace of a `pkg/errors` error; that is left out.)"""
    message = f"{_GO_ERROR_PREFIX}{chain}"
    return ApiError(INTERNAL, message, message, detail_code=2)


def invalid_input(message: str) -> ApiError:
    return ApiError(INVALID_ARGUMENT, f"Invalid input error: {message}", message)


def invalid_input_with_details(cause: str, external: str) -> ApiError:
    return ApiError(INVALID_ARGUMENT, f"InvalidInputError: {external}: {cause}", external)


def not_found(resource_type: str, name: str) -> ApiError:
    external = f"{resource_type} {name} not found"
    return ApiError(NOT_FOUND, f"ResourceNotFoundError: {external}", external)


def already_exists(message: str) -> ApiError:
    return ApiError(ALREADY_EXISTS, f"Already exist error: {message}", message)


def internal_error(cause: str, message: str) -> ApiError:
    return ApiError(INTERNAL, f"InternalServerError: {message}: {cause}", "Internal Server Error")


def unknown_api_version(what: str, value: object) -> ApiError:
    external = f"Error using {what} with {type(value).__name__}"
    return ApiError(INVALID_ARGUMENT, f"UnknownApiVersionError: {external}", external)


class UploadError(Exception):
    """`writeErrorToResponse` in pipeline_upload_server.go: `{"error_message","error_details"}`.

    `json_content_type` is False for errors raised before the handler sets
    `Content-Type: application/json`; Go then sniffs the body and sends text/plain.
    """

    def __init__(self, status: int, message: str, *, json_content_type: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.json_content_type = json_content_type

    def to_response(self) -> Response:
        payload = {"error_message": self.message, "error_details": self.message}
        body = json.dumps(payload, separators=(",", ":"))
        content_type = "application/json" if self.json_content_type else "text/plain; charset=utf-8"
        return Response(self.status, body.encode(), content_type)


class PlainError(Exception):
    """Go's `http.Error(w, msg, code)`: the message plus a newline, as text/plain."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_response(self) -> Response:
        return Response(
            self.status,
            f"{self.message}\n".encode(),
            "text/plain; charset=utf-8",
            (("X-Content-Type-Options", "nosniff"),),
        )
