# Do not edit: the template owns this file (make template-update brings its changes).
"""KFP's failures in words: the error type, the server's two error shapes, and the
connection failures below HTTP, each turned into one line that names the fix."""

from __future__ import annotations

import json
from typing import Any

from scripts.targets.errors import TRANSIENT_STATUSES, TargetError

__all__ = ["TRANSIENT_STATUSES", "KfpError"]


class KfpError(TargetError):
    """A KFP request failed; ``status`` is the HTTP status (None: no response at all)."""


def error_text(body: Any) -> str:
    """The server's message, or the raw text. KFP answers in two shapes: a grpc-gateway
    ``google.rpc.Status`` (``{"code", "message", "details"}``) from its JSON API, and
    ``{"error_message", "error_details"}`` from the upload handlers
    (backend/src/apiserver/server/pipeline_upload_server.go in kubeflow/pipelines)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = (body or "").strip()
    try:
        document = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(document, dict):
        for key in ("error_message", "message", "error", "error_details"):
            if document.get(key):
                return " ".join(str(document[key]).split())[:300]
    return " ".join(text.split())[:300]


def is_api_not_found(body: Any) -> bool:
    """True for the KFP API's own NotFound answer (a google.rpc.Status with code 5, or the
    ``error`` shape of older gateways), not for a 404 page from something in front of it."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        document = json.loads(body or "")
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("code") == 5


def retry_after_seconds(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") if headers else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def connection_failure(error: BaseException) -> str:
    """What went wrong below HTTP, in words (urllib3's messages embed object reprs)."""
    import urllib3

    exceptions = urllib3.exceptions
    if isinstance(error, exceptions.NameResolutionError):
        return "host name not found"
    if isinstance(error, exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
        return "connection refused"
    if isinstance(error, exceptions.ConnectTimeoutError):
        return "connection timed out"
    if isinstance(error, exceptions.ReadTimeoutError):
        return "no answer in time"
    if isinstance(error, exceptions.SSLError) or "SSL" in str(getattr(error, "reason", "")):
        return "TLS handshake failed (check the certificate or the scheme)"
    if isinstance(error, exceptions.ProtocolError):
        return "connection dropped"
    return type(error).__name__


def is_connection_error(error: BaseException) -> bool:
    import urllib3

    return isinstance(error, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError)
