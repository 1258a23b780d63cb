"""The API server's state and deployment settings, and the health check that reports them.

Not modelled: per-namespace authorization (SubjectAccessReview) in multi-user mode; any
namespace is readable and writable by any caller the front door lets in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from . import errors
from .errors import Response
from .request import Request
from .store import Store

BACKEND_TAG = "2.17.0"
BACKEND_COMMIT = "4a3592cb2d"
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


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
    # "database" (MySQL) or "kubernetes" (pipelines stored as custom resources), as healthz
    # reports it; the Kubernetes store only takes DNS-1123 names.
    pipeline_store: str = "database"
    # The scheduled-workflow controller's CRON_SCHEDULE_TIMEZONE: one zone for every cron of
    # the cluster (the API has no time zone field).
    timezone: str = "UTC"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __post_init__(self) -> None:
        self.zone  # noqa: B018  (an unknown time zone fails at start-up, not at the first sync)
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

    def check_store_names(
        self, *, pipeline: str | None = None, version: str | None = None, parent: str = ""
    ) -> None:
        """`pipeline_store_kubernetes.go` / `NewPipelineVersionName`: names become CR names."""
        if self.pipeline_store != "kubernetes":
            return
        if pipeline is not None and (problems := _dns1123_subdomain_errors(pipeline)):
            raise errors.invalid_input(
                f"Invalid pipeline name \"{pipeline}\": {problems}. Use 'display_name' for "
                "human-readable labels"
            )
        if version is None:
            return
        if problems := _dns1123_subdomain_errors(version):
            raise errors.invalid_input(
                f"Invalid pipeline version name \"{version}\": {problems}. Use 'display_name' for "
                "human-readable labels"
            )
        # A version named like its pipeline (the one upload creates) keeps the bare name.
        composite = f"{parent}-{version}"
        if parent and parent != version and (problems := _dns1123_subdomain_errors(composite)):
            raise errors.invalid_input(
                f'The combined pipeline and version name "{composite}" exceeds the Kubernetes '
                f"253-character naming limit: {problems}"
            )


def _dns1123_subdomain_errors(name: str) -> str:
    """k8s.io/apimachinery `IsDNS1123Subdomain`, its messages joined with "; "."""
    problems = []
    if len(name) > 253:
        problems.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.fullmatch(name):
        problems.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            f"'{_DNS1123_SUBDOMAIN.pattern}')"
        )
    return "; ".join(problems)


def healthz(backend: Backend, request: Request) -> Response:
    """A plain HTTP handler (not grpc-gateway): answers any method, no auth in the apiserver."""
    body = {
        "commit_sha": BACKEND_COMMIT,
        "tag_name": BACKEND_TAG,
        "multi_user": backend.multi_user,
    }
    if request.path.startswith("/apis/v2beta1/"):
        body["pipeline_store"] = backend.pipeline_store
    return Response.json(200, body)
