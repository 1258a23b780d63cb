# Do not edit: the template owns this file (make template-update brings its changes).
"""The error every target's API raises for a failed request, whatever the backend, and which
failures mean "could not ask at all"."""

from __future__ import annotations

from scripts.core.errors import RemoteError

# Answers that say "try again later" on every service we talk to (KFP, Vertex AI, Artifact
# Registry): rate limited, or a proxy/backend briefly unavailable.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


class TargetError(RemoteError):
    """A request to a pipeline service failed; ``status`` is the HTTP status (None: no
    response at all) and ``body`` the server's answer, for callers that tell cases apart
    (409: exists already)."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


def is_unreachable(error: BaseException) -> bool:
    """True when the service could not be asked at all: no connection, a timeout, or only
    transient answers (429, 502, 503, 504) until the retries ran out. ``publish --dry-run``
    then shows its plan offline; a service that answers (401, 403, 404 ...) is not this."""
    return isinstance(error, TargetError) and (
        error.status is None or error.status in TRANSIENT_STATUSES
    )
