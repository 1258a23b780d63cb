"""An Artifact Registry test server for KFP-format repositories (pipeline templates), over
HTTPS on 127.0.0.1, for `kfp.registry.RegistryClient` and the code that publishes templates.

Artifact Registry cannot be reached from tests, so the registry code is tested against this
server through the real client. What it does, and where each behaviour comes from:

- URLs: those RegistryClient (kfp 2.17, kfp/registry/registry_client.py) builds for a host it
  does not know, from kfp/registry/context/default_pkg_dev.json. A repository's host URL is
  `https://127.0.0.1:P/<project>/<repo>` (`host_url`): upload is `POST {host}` (multipart, file
  part `content`, optional comma-separated form field `tags`) answered `<package>/sha256:<hex>`
  as text; download is `GET {host}/<package>/<sha256:...|tag>`; metadata lives under
  `{host}/packages`. An upload's tags are created, and a tag the package has already moves
  silently to the new version, as the service does. Resource names are relative
  (`packages/<p>/versions/<v>`) as that context's *_format entries expect; the real service
  (kfp_pkg_dev.json) names them in full.
- Resources and methods: Artifact Registry REST v1, projects.locations.repositories.packages,
  .packages.versions and .packages.tags: Package {name, displayName, createTime, updateTime},
  Version {name, createTime, updateTime, relatedTags with view=FULL}, Tag {name, version};
  list/get/delete packages and versions, list/get/create(tagId)/patch(updateMask)/delete tags.
  DeleteVersionRequest.force: a tagged version is only deleted with force=true, which deletes
  its tags too (FAILED_PRECONDITION otherwise). Deletes of packages and versions answer a
  long-running Operation, already done; DeleteTag answers Empty (`{}`).
- Paging: AIP-158 (pageSize, pageToken, nextPageToken; the token is opaque and continues only
  the list it came from; pageSize above ListVersionsRequest's maximum of 1000 is coerced).
- Errors: google.rpc.Status in Google's JSON error shape, {"error": {"code", "message",
  "status"}}, with the google.rpc.Code names (INVALID_ARGUMENT, FAILED_PRECONDITION,
  UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED,
  UNAVAILABLE). The 403 message has the shape of Artifact Registry's: "Permission '<p>' denied
  on resource '//artifactregistry.googleapis.com/projects/.../repositories/<r>' (or it may not
  exist).", with an ErrorInfo detail naming the permission.

Assumptions (no public reference says otherwise): the package is the spec's
`pipelineInfo.name`, which must match the Vertex pipeline-name rule `^[a-z0-9][a-z0-9-]{0,127}$`
(400 otherwise), and `pipelineInfo.displayName` becomes the package's displayName; a file that
is no pipeline spec is INVALID_ARGUMENT; uploading identical bytes again keeps the one version
and its times; tags are 1-128 of letters, digits, '-', '_', '.' and never start with
"sha256:"; lists are in name order, 100 to a page by default; `filter` and `orderBy` are
refused (400) rather than ignored; creating a tag on a missing version is NOT_FOUND; a package
whose last version is deleted stays; a download is `application/octet-stream`; a package named
`packages` cannot be downloaded (its download URL is the get-package URL).

Test controls: `require_token`, `deny`/`allow`, `fail_next`, the request log `requests`, the
`clock` stamping createTime/updateTime, and the state itself (`tags`, `versions`, `content`,
`packages`, and `upload` to seed a version without a request).

    with ArtifactRegistryServer(tls) as server:        # tls: tests/servers/tls.py's TlsFiles
        host = server.add_repository("acme-ml-prod", "pipelines")
        RegistryClient(host=host).upload_pipeline("train.yaml", tags=["latest"])
        assert server.tags("acme-ml-prod", "pipelines", "acme-train") == {"latest": "sha256:..."}
"""

from __future__ import annotations

import hmac
import sys
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers._http import BackgroundServer, LocalHTTPServer, read_body, send
from tests.servers.artifact_registry_backend.api import Call, Request, Response, route
from tests.servers.artifact_registry_backend.errors import ApiError, not_found
from tests.servers.artifact_registry_backend.store import Clock, Repository
from tests.servers.tls import TlsFiles, wrap_server

__all__ = ["ArtifactRegistryServer", "RecordedRequest"]

DEFAULT_MESSAGES = {
    429: "Quota exceeded for quota metric 'Requests' of service 'artifactregistry.googleapis.com'.",
    503: "The service is currently unavailable.",
}
MISSING_CREDENTIAL = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential."
)
INVALID_CREDENTIAL = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential."
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received (`path` without the query) and the status it got; whether it
    carried a bearer token, never the token itself."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    bearer: bool


@dataclass(frozen=True)
class _Denial:
    status: int
    message: str | None
    permission: str | None  # None: every request


class ArtifactRegistryServer(BackgroundServer):
    """The server in a background thread; every method is safe while clients talk to it.

    `require_token`: True answers a request without `Authorization: Bearer <token>` 401
    UNAUTHENTICATED; a string also refuses any other token. `default_page_size` is the page size
    of a list request without pageSize (lower it to make code under test page).
    """

    thread_name = "artifact-registry-server"

    def __init__(
        self,
        tls: TlsFiles,
        *,
        port: int = 0,
        location: str = "us-central1",
        require_token: bool | str = False,
        default_page_size: int = 100,
    ) -> None:
        self.require_token = require_token
        self.clock = Clock()
        self._location = location
        self._default_page_size = default_page_size
        self._lock = threading.Lock()
        self._repositories: dict[tuple[str, str], Repository] = {}
        self._faults: list[tuple[int, str]] = []  # (status, message) of the next answers
        self._denial: _Denial | None = None
        self._requests: list[RecordedRequest] = []
        httpd = _HTTPServer(port, self)
        wrap_server(httpd, tls)
        super().__init__(httpd)

    @property
    def url(self) -> str:
        return "https" + super().url.removeprefix("http")

    # -- control surface ---------------------------------------------------------------------

    def add_repository(self, project: str, repo: str) -> str:
        """An empty KFP-format repository (kept if it exists); returns its host URL."""
        with self._lock:
            key = (project, repo)
            if key not in self._repositories:
                self._repositories[key] = Repository(project, repo, self._location, self.clock)
        return self.host_url(project, repo)

    def host_url(self, project: str, repo: str) -> str:
        """The `host` to give RegistryClient for this repository."""
        return f"{self.url}/{project}/{repo}"

    def deny(
        self, status: int = 403, message: str | None = None, *, permission: str | None = None
    ) -> None:
        """Answer requests `status` (PERMISSION_DENIED for 403) until `allow()`: every request,
        or only those needing `permission` (e.g. artifactregistry.repositories.uploadArtifacts,
        as for a caller with a reader role). The message defaults to the service's own."""
        with self._lock:
            self._denial = _Denial(status, message, permission)

    def allow(self) -> None:
        with self._lock:
            self._denial = None

    def fail_next(self, status: int, count: int = 1, message: str | None = None) -> None:
        """The next `count` requests get `status` (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE...)
        before anything else is looked at; they change nothing."""
        fault = (status, message or DEFAULT_MESSAGES.get(status, "Injected failure."))
        with self._lock:
            self._faults.extend([fault] * count)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a snapshot)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- direct state access (KeyError for a repository never added) -------------------------

    def upload(
        self, project: str, repo: str, content: bytes, tags: Iterable[str] = ()
    ) -> tuple[str, str]:
        """Store a version as an upload would, without a request: (package, version)."""
        with self._lock:
            package, version = self._repository(project, repo).upload(content, list(tags))
            return package.name, version.name

    def packages(self, project: str, repo: str) -> list[str]:
        with self._lock:
            return sorted(self._repository(project, repo).packages)

    def versions(self, project: str, repo: str, package: str) -> list[str]:
        """The package's versions, oldest first ([] for a package not uploaded)."""
        with self._lock:
            found = self._repository(project, repo).packages.get(package)
            records = found.versions.values() if found else []
            return [v.name for v in sorted(records, key=lambda v: (v.create_time, v.name))]

    def tags(self, project: str, repo: str, package: str) -> dict[str, str]:
        """Tag -> version (`sha256:...`) of the package ({} for a package not uploaded)."""
        with self._lock:
            found = self._repository(project, repo).packages.get(package)
            return dict(sorted(found.tags.items())) if found else {}

    def content(self, project: str, repo: str, package: str, reference: str) -> bytes:
        """The bytes of a version (`sha256:...`) or of the version a tag points at."""
        with self._lock:
            found = self._repository(project, repo).packages.get(package)
            if found is None:
                raise KeyError(package)
            try:
                return found.resolve(reference).content
            except ApiError:
                raise KeyError(reference) from None

    def _repository(self, project: str, repo: str) -> Repository:
        return self._repositories[(project, repo)]

    # -- the API -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """One request: injected faults, then auth, routing, denial, the repository, the
        endpoint. Every request is recorded with the status it got."""
        try:
            response = self._answer(request)
        except ApiError as error:
            response = Response(error.code, error.body(), headers=tuple(error.headers.items()))
        except Exception:  # a bug in this server: say so loudly, answer as Google would
            traceback.print_exc(file=sys.stderr)
            response = Response(500, ApiError(500, "Internal error encountered.").body())
        token = _bearer_token(request)
        recorded = RecordedRequest(
            request.method, request.path, request.query, response.status, bool(token)
        )
        with self._lock:
            self._requests.append(recorded)
        return response

    def _answer(self, request: Request) -> Response:
        with self._lock:
            if self._faults:
                raise ApiError(*self._faults.pop(0))
        self._authenticate(_bearer_token(request))
        # /<project>/<repo>[/<rest>]: the repository, then the endpoint under its host URL
        _, project, repo, rest = [*request.path.split("/", 3), "", "", ""][:4]
        project, repo = unquote(project), unquote(repo)
        found = route(request.method, "/" + rest if rest else "") if project and repo else None
        if found is None:
            raise not_found(f"No {request.method} method at {request.path}.")
        endpoint, args = found
        with self._lock:
            self._check_denial(endpoint.permission, project, repo)
            repository = self._repositories.get((project, repo))
            if repository is None:
                resource = f"projects/{project}/locations/{self._location}/repositories/{repo}"
                raise not_found(f'Repository "{resource}" not found.')
            return endpoint.handler(Call(repository, request, args, self._default_page_size))

    def _authenticate(self, token: str) -> None:
        if not self.require_token:
            return
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
        if not token:
            raise ApiError(401, MISSING_CREDENTIAL, headers=challenge)
        expected = self.require_token
        if isinstance(expected, str) and not hmac.compare_digest(token, expected):
            raise ApiError(401, INVALID_CREDENTIAL, headers=challenge)

    def _check_denial(self, permission: str, project: str, repo: str) -> None:
        denial = self._denial
        if denial is None or denial.permission not in (None, permission):
            return
        resource = (
            "//artifactregistry.googleapis.com/"
            f"projects/{project}/locations/{self._location}/repositories/{repo}"
        )
        message = denial.message or (
            f"Permission '{permission}' denied on resource '{resource}' (or it may not exist)."
        )
        reason = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "IAM_PERMISSION_DENIED",
            "domain": "artifactregistry.googleapis.com",
            "metadata": {"permission": permission, "resource": resource},
        }
        raise ApiError(denial.status, message, details=[reason] if denial.status == 403 else [])


def _bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer <token>` header ("" without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class _HTTPServer(LocalHTTPServer):
    def __init__(self, port: int, registry: ArtifactRegistryServer) -> None:
        self.registry = registry
        super().__init__(port, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps requests' pooled connections alive
    disable_nagle_algorithm = True  # no ~40 ms stall between headers and body
    server: _HTTPServer

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=read_body(self),
        )
        response = self.server.registry.handle(request)
        send(self, response.status, response.content_type, response.body, response.headers)

    do_POST = do_DELETE = do_PATCH = do_PUT = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `ArtifactRegistryServer.requests` instead of a log."""
