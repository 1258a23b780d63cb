"""The API server's state and deployment settings, and the health check that reports them.

Not modelled: per-namespace authorization (SubjectAccessReview) in multi-user mode; any
namespace is readable and writable by any caller the front door lets in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import errors
from .errors import Response
from .request import Request
from .store import Store

BACKEND_TAG = "2.17.0"
BACKEND_COMMIT = "4a3592cb2d"


@dataclass
class Backend:
    """The API server's state and deployment settings."""

    multi_user: bool = False
    # REQUIRE_NAMESPACE_FOR_PIPELINES: off on a stock server, where an empty namespace in
    # multi-user mode means a shared pipeline. On by default here in multi-user mode (see
    # KfpApiServer) so that a client which forgets the namespace is caught.
    require_namespace_for_pipelines: bool = False
    store: Store = field(default_factory=Store)
    # What the URL-based create endpoints can download (see url_packages.py), and the
    # PIPELINE_URL_ALLOWED_DOMAINS setting.
    package_urls: dict[str, bytes] = field(default_factory=dict)
    allowed_url_domains: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.multi_user:
            # main.go creates the "Default" experiment at start-up in single-user mode.
            self.store.ensure_default_experiment("")

    def namespace(self, requested: str) -> str:
        """`ReplaceNamespace`: single-user mode forces every namespace to ""."""
        return requested if self.multi_user else ""

    def require_pipeline_namespace(self, namespace: str) -> None:
        """`validation.ValidateNamespaceRequired`."""
        if self.multi_user and self.require_namespace_for_pipelines and not namespace:
            raise errors.invalid_input("Namespace is required for pipeline operations")


def healthz(backend: Backend, request: Request) -> Response:
    """A plain HTTP handler (not grpc-gateway): answers any method, no auth in the apiserver."""
    body = {
        "commit_sha": BACKEND_COMMIT,
        "tag_name": BACKEND_TAG,
        "multi_user": backend.multi_user,
    }
    if request.path.startswith("/apis/v2beta1/"):
        body["pipeline_store"] = "database"
    return Response.json(200, body)
