# Do not edit: the template owns this file (make template-update brings its changes).
"""The environment's Artifact Registry repository (KFP format), through kfp's RegistryClient.

A package is a pipeline (its name is the compiled ``pipelineInfo.name``), a version is the
``sha256:`` digest of an uploaded spec, and tags name versions: ``<branch>-<sha8>`` for every
publish, ``pr-<N>-<sha8>`` beside it for a pull request's, ``latest`` for main's. What the
client does not do is done here: retries (``VertexSession.call``), and paging of the tag and
version lists (the client returns the first page only; the repository's URL formats come from
the client's own context so both URL schemes, ``*-kfp.pkg.dev`` and any other host, stay its).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scripts.build.specs import local_spec, pipeline_part
from scripts.targets.vertex.connection import BearerAuth, VertexError, VertexSession

SERVICE = "Artifact Registry"
PAGE_SIZE = 1000  # Artifact Registry's maximum


@dataclass(frozen=True)
class RegistryVersion:
    digest: str  # sha256:...
    created_at: datetime | None
    tags: tuple[str, ...]


def digest_of(path: Path) -> str:
    """The version name Artifact Registry gives an upload of this file."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def spec_package(path: Path) -> str:
    """The package Artifact Registry files a spec under: its ``pipelineInfo.name`` (of the
    pipeline spec; a second YAML document is the platform spec)."""
    document = pipeline_part(local_spec(path))
    info = document.get("pipelineInfo", {}) if isinstance(document, dict) else {}
    return str(info.get("name", ""))


def last_segment(name: str) -> str:
    return name.rstrip("/").rpartition("/")[2]


class TemplateRegistry:
    def __init__(self, session: VertexSession):
        from kfp.registry import RegistryClient

        self.session = session
        self.url = session.registry_url
        self.client = RegistryClient(host=self.url, auth=BearerAuth(session.credentials))

    def _call(self, what: str, function, *args, **kwargs) -> Any:
        return self.session.call(SERVICE, what, function, *args, **kwargs)

    def template_uri(self, package: str, version_or_tag: str) -> str:
        """What Vertex AI runs from: the repository URL, the package, a ``sha256:`` version."""
        return f"{self.session.template_base}/{package}/{version_or_tag}"

    def tag_target(self, package: str, tag: str) -> str | None:
        """The digest ``tag`` points at; None when the tag (or the package) does not exist."""
        try:
            found = self._call(f"read tag {tag} of {package}", self.client.get_tag, package, tag)
        except VertexError as error:
            if error.status == 404:
                return None
            raise
        return last_segment(str(found.get("version", ""))) or None

    def has_version(self, package: str, digest: str) -> bool:
        try:
            self._call(f"read {package}@{digest}", self.client.get_version, package, digest)
        except VertexError as error:
            if error.status == 404:
                return False
            raise
        return True

    def upload(self, path: Path, tags: list[str]) -> tuple[str, str]:
        """Upload a spec with ``tags``; (package, digest). An upload moves an existing tag of
        the same name silently: callers check the tag before and after."""
        return self._call(
            f"upload {path.name}", self.client.upload_pipeline, str(path), tags=list(tags)
        )

    def add_tag(self, package: str, digest: str, tag: str, *, move: bool) -> None:
        """Point ``tag`` at ``digest``. A tag that exists already (409) is moved only with
        ``move`` (``latest``); any other is left as it is, for the caller to compare."""
        try:
            self._call(f"tag {package}@{digest}", self.client.create_tag, package, digest, tag)
        except VertexError as error:
            if error.status != 409:
                raise
            if move:
                self._call(f"move tag {tag}", self.client.update_tag, package, digest, tag)

    def download(self, package: str, digest: str, folder: Path) -> Path:
        """The spec of ``package@digest`` as a local file (Vertex AI builds jobs from a file)."""
        path = folder / f"{package}-{digest.replace(':', '-')}.yaml"
        self._call(
            f"download {package}@{digest}",
            self.client.download_pipeline,
            package,
            version=digest,
            file_name=str(path),
        )
        return path

    def packages(self) -> list[str]:
        url = self.client._config["list_packages_url"]
        return [last_segment(p["name"]) for p in self._pages("list packages", url, "packages")]

    def tags(self, package: str) -> dict[str, str]:
        """Every tag of ``package`` -> the digest it points at (all pages)."""
        url = self.client._config["list_tags_url"].format(package_name=package)
        try:
            rows = self._pages(f"list tags of {package}", url, "tags")
        except VertexError as error:
            if error.status == 404:  # no such package yet
                return {}
            raise
        return {last_segment(t["name"]): last_segment(t.get("version", "")) for t in rows}

    def versions(self, package: str) -> list[RegistryVersion]:
        url = self.client._config["list_versions_url"].format(package_name=package)
        if "view=FULL" not in url:  # relatedTags come only with the FULL view
            url += ("&" if "?" in url else "?") + "view=FULL"
        rows = self._pages(f"list versions of {package}", url, "versions")
        return [
            RegistryVersion(
                digest=last_segment(v["name"]),
                created_at=_time(v.get("createTime")),
                # relatedTags are Tag resources ({name, version}).
                tags=tuple(last_segment(t.get("name", "")) for t in v.get("relatedTags") or []),
            )
            for v in rows
        ]

    def delete_tag(self, package: str, tag: str) -> None:
        self._call(f"delete tag {tag} of {package}", self.client.delete_tag, package, tag)

    def delete_version(self, package: str, digest: str) -> None:
        self._call(f"delete {package}@{digest}", self.client.delete_version, package, digest)

    def _pages(self, what: str, url: str, field: str) -> list[dict[str, Any]]:
        """Every item of a list, page by page (AIP-158: pageSize, pageToken, nextPageToken).
        Uses the client's request method so its URL scheme and auth apply unchanged."""
        items: list[dict[str, Any]] = []
        token = ""
        separator = "&" if "?" in url else "?"
        while True:
            page_url = f"{url}{separator}pageSize={PAGE_SIZE}"
            if token:
                page_url += f"&pageToken={quote(token, safe='')}"
            document = self._call(what, self.client._request, request_url=page_url).json()
            items += document.get(field, []) or []
            token = document.get("nextPageToken") or ""
            if not token:
                return items


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
