# Do not edit: the template owns this file (make template-update brings its changes).
"""The error every target's API raises for a failed request, whatever the backend."""

from __future__ import annotations

from scripts.core.errors import RemoteError


class TargetError(RemoteError):
    """A request to a pipeline service failed; ``status`` is the HTTP status (None: no
    response at all) and ``body`` the server's answer, for callers that tell cases apart
    (409: exists already)."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body
