"""The endpoints under one repository's host URL, and the JSON of the v1 resources.

The URLs are those kfp's RegistryClient builds for a host it does not know
(kfp/registry/context/default_pkg_dev.json): upload at the host itself, downloads at
`/<package>/<version or tag>`, metadata under `/packages`. Resource names are relative to the
repository (`packages/<p>/versions/<v>`), as that context's *_format entries expect.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.parser
import email.policy
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .errors import invalid_argument
from .store import Package, Repository, Version

MAX_PAGE_SIZE = 1000  # ListVersionsRequest: "Maximum page size is 1,000."
DELETE_METADATA = "type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata"
EMPTY = "type.googleapis.com/google.protobuf.Empty"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # the URL path, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Call:
    """One routed request: the repository, the request, the decoded path parameters."""

    repository: Repository
    request: Request
    args: dict[str, str]
    default_page_size: int

    def package(self) -> Package:
        return self.repository.package(self.args["package"])


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]  # matched against the path after /<project>/<repo>
    permission: str  # the IAM permission the real service checks (403 messages name it)
    handler: Handler


def _json(value: dict[str, Any]) -> Response:
    return Response(200, json.dumps(value).encode())


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a Z, as Google's JSON writes google.protobuf.Timestamp."""
    text = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{moment.microsecond:06d}Z" if moment.microsecond else f"{text}Z"


def package_json(package: Package) -> dict[str, Any]:
    body = {"name": f"packages/{package.name}"}
    if package.display_name:
        body["displayName"] = package.display_name
    body["createTime"] = timestamp(package.create_time)
    body["updateTime"] = timestamp(package.update_time)
    return body


def tag_json(package: Package, tag: str) -> dict[str, Any]:
    version = package.tags[tag]
    return {
        "name": f"packages/{package.name}/tags/{tag}",
        "version": f"packages/{package.name}/versions/{version}",
    }


def version_json(package: Package, version: Version, *, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"packages/{package.name}/versions/{version.name}",
        "createTime": timestamp(version.create_time),
        "updateTime": timestamp(version.update_time),
    }
    related = package.tags_of(version.name)
    if full and related:  # empty repeated fields are left out of Google's JSON
        body["relatedTags"] = [tag_json(package, tag) for tag in related]
    return body


# -- paging (AIP-158) --------------------------------------------------------------------------


def _page(call: Call, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """One page of `names` (sorted) and the `nextPageToken` field when more follow.

    The token is opaque to clients and names the last item served, so deletions between
    pages neither skip nor repeat items. It only continues the list it came from."""
    size_text = call.request.param("pageSize") or "0"
    try:
        size = int(size_text)
    except ValueError:
        raise invalid_argument(f"Invalid pageSize {size_text!r}.") from None
    if size < 0:
        raise invalid_argument("pageSize must not be negative.")
    size = min(size or call.default_page_size, MAX_PAGE_SIZE)
    listing = call.request.path
    after = ""
    token = call.request.param("pageToken")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()))
        except (ValueError, binascii.Error):
            state = None
        if not isinstance(state, dict) or state.get("list") != listing:
            raise invalid_argument("Invalid pageToken: it does not continue this list.")
        after = str(state.get("after", ""))
    remaining = [name for name in sorted(names) if name > after]
    page = remaining[:size]
    extra: dict[str, str] = {}
    if len(remaining) > size:
        state = {"list": listing, "after": page[-1]}
        extra["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
    return page, extra


def _listing(field: str, items: list[dict[str, Any]], extra: dict[str, str]) -> Response:
    """A List response; an empty list is left out, as Google's JSON leaves out empty fields."""
    return _json({field: items, **extra} if items else extra)


def _unsupported(call: Call, *names: str) -> None:
    for name in names:
        if call.request.param(name):
            raise invalid_argument(f"{name} is not supported by this test server.")


def _operation(call: Call) -> Response:
    """Deletes are long-running operations; this server finishes them before answering."""
    name = f"projects/{call.repository.project}/locations/{call.repository.location}"
    return _json(
        {
            "name": f"{name}/operations/{uuid.uuid4()}",
            "metadata": {"@type": DELETE_METADATA},
            "done": True,
            "response": {"@type": EMPTY},
        }
    )


# -- endpoints ---------------------------------------------------------------------------------


def upload(call: Call) -> Response:
    fields = _form_fields(call.request)
    if "content" not in fields:
        raise invalid_argument("The upload has no 'content' file part.")
    tags_text = fields.get("tags", b"").decode()
    tags = [tag.strip() for tag in tags_text.split(",") if tag.strip()]
    package, version = call.repository.upload(fields["content"], tags)
    return Response(200, f"{package.name}/{version.name}".encode(), "text/plain; charset=utf-8")


def download(call: Call) -> Response:
    version = call.package().resolve(call.args["reference"])
    return Response(200, version.content, "application/octet-stream")


def list_packages(call: Call) -> Response:
    _unsupported(call, "filter", "orderBy")
    packages = call.repository.packages
    page, extra = _page(call, list(packages))
    return _listing("packages", [package_json(packages[name]) for name in page], extra)


def get_package(call: Call) -> Response:
    return _json(package_json(call.package()))


def delete_package(call: Call) -> Response:
    call.repository.delete_package(call.args["package"])
    return _operation(call)


def _full_view(call: Call) -> bool:
    view = call.request.param("view") or "BASIC"
    if view not in {"VERSION_VIEW_UNSPECIFIED", "BASIC", "FULL"}:
        raise invalid_argument(f"Invalid view {view!r}.")
    return view == "FULL"


def list_versions(call: Call) -> Response:
    _unsupported(call, "filter", "orderBy")
    package, full = call.package(), _full_view(call)
    page, extra = _page(call, list(package.versions))
    found = [version_json(package, package.versions[name], full=full) for name in page]
    return _listing("versions", found, extra)


def get_version(call: Call) -> Response:
    package = call.package()
    version = package.version(call.args["version"])
    return _json(version_json(package, version, full=_full_view(call)))


def delete_version(call: Call) -> Response:
    force = (call.request.param("force") or "false").lower()
    if force not in {"true", "false"}:
        raise invalid_argument(f"Invalid force {force!r}: true or false.")
    call.package().delete_version(call.args["version"], force=force == "true")
    return _operation(call)


def list_tags(call: Call) -> Response:
    _unsupported(call, "filter", "orderBy")
    package = call.package()
    page, extra = _page(call, list(package.tags))
    return _listing("tags", [tag_json(package, tag) for tag in page], extra)


def get_tag(call: Call) -> Response:
    package = call.package()
    package.tagged_version(call.args["tag"])
    return _json(tag_json(package, call.args["tag"]))


def create_tag(call: Call) -> Response:
    package, tag = call.package(), call.request.param("tagId")
    if not tag:
        raise invalid_argument("tagId is required.")
    package.create_tag(tag, _target_version(call, package))
    return _json(tag_json(package, tag))


def update_tag(call: Call) -> Response:
    mask = [path for path in (call.request.param("updateMask") or "").split(",") if path]
    if any(path != "version" for path in mask):
        raise invalid_argument(f"Invalid updateMask {','.join(mask)!r}: only version can change.")
    package, tag = call.package(), call.args["tag"]
    package.move_tag(tag, _target_version(call, package))
    return _json(tag_json(package, tag))


def delete_tag(call: Call) -> Response:
    call.package().delete_tag(call.args["tag"])
    return _json({})  # DeleteTag returns google.protobuf.Empty, not an operation


def _target_version(call: Call, package: Package) -> str:
    """The version id a Tag body points at: `packages/<this package>/versions/<id>` (a full
    `projects/.../repositories/<r>/packages/...` name is accepted too)."""
    try:
        body = json.loads(call.request.body or b"{}")
    except ValueError:
        raise invalid_argument("The request body is not JSON.") from None
    reference = body.get("version") if isinstance(body, dict) else None
    if not isinstance(reference, str) or not reference:
        raise invalid_argument("The tag's version is required.")
    owner, _, version = reference.rpartition("/versions/")
    if not (owner == f"packages/{package.name}" or owner.endswith(f"/packages/{package.name}")):
        raise invalid_argument(f'"{reference}" is not a version of packages/{package.name}.')
    return unquote(version)


def _form_fields(request: Request) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid_argument("An upload must be multipart/form-data.")
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            fields[name] = part.get_payload(decode=True) or b""
    return fields


# -- routing -----------------------------------------------------------------------------------

_PACKAGE = r"/packages/(?P<package>[^/]+)"
_DOWNLOAD = r"/(?P<package>[^/]+)/(?P<reference>[^/]+)"
_PERMISSION = "artifactregistry.{}"
ROUTES = [
    Route(method, re.compile(pattern), _PERMISSION.format(permission), handler)
    for method, pattern, permission, handler in [
        ("POST", r"/?", "repositories.uploadArtifacts", upload),
        ("GET", r"/packages", "packages.list", list_packages),
        ("GET", _PACKAGE, "packages.get", get_package),
        ("DELETE", _PACKAGE, "packages.delete", delete_package),
        ("GET", _PACKAGE + "/versions", "versions.list", list_versions),
        ("GET", _PACKAGE + "/versions/(?P<version>[^/]+)", "versions.get", get_version),
        ("DELETE", _PACKAGE + "/versions/(?P<version>[^/]+)", "versions.delete", delete_version),
        ("GET", _PACKAGE + "/tags", "tags.list", list_tags),
        ("POST", _PACKAGE + "/tags", "tags.create", create_tag),
        ("GET", _PACKAGE + "/tags/(?P<tag>[^/]+)", "tags.get", get_tag),
        ("PATCH", _PACKAGE + "/tags/(?P<tag>[^/]+)", "tags.update", update_tag),
        ("DELETE", _PACKAGE + "/tags/(?P<tag>[^/]+)", "tags.delete", delete_tag),
        # After the /packages routes: a package named "packages" cannot be downloaded.
        ("GET", _DOWNLOAD, "repositories.downloadArtifacts", download),
    ]
]


def route(method: str, rest: str) -> tuple[Route, dict[str, str]] | None:
    """The endpoint for `method` on the path after /<project>/<repo>, and its decoded
    parameters; None when there is none."""
    for candidate in ROUTES:
        match = candidate.pattern.fullmatch(rest)
        if candidate.method == method and match:
            return candidate, {key: unquote(value) for key, value in match.groupdict().items()}
    return None
