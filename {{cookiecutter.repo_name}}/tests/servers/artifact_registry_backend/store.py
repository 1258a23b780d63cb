"""The state of KFP-format repositories and the rules on it, apart from HTTP.

A repository holds packages (one per pipeline name); a package holds versions (content named by
its sha256 digest) and tags (a name pointing at one version). Every method that changes state
checks its input first, so a refused request changes nothing. Callers hold the server's lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import already_exists, failed_precondition, invalid_argument, not_found

VERSION_PREFIX = "sha256:"
# The Vertex AI pipeline-name rule, which KFP templates in Artifact Registry also follow.
PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")
# Artifact Registry tag ids: letters, digits, '-', '_' and '.', at most 128 characters.
TAG_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


class Clock:
    """UTC time for createTime/updateTime: the wall clock until a test `set`s it; from then on
    it stands still where it was put, moved only by `set` and `advance`."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._fixed or dt.datetime.now(dt.UTC)

    def set(self, moment: dt.datetime) -> None:
        """Stop the clock at `moment` (a naive datetime is taken as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        with self._lock:
            self._fixed = moment.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Stop the clock `delta` after where it stands now; returns the new time."""
        moment = self.now() + delta
        self.set(moment)
        return moment


@dataclass
class Version:
    name: str  # sha256:<hex>
    content: bytes
    create_time: dt.datetime
    update_time: dt.datetime


@dataclass
class Package:
    name: str
    create_time: dt.datetime
    update_time: dt.datetime
    display_name: str | None = None
    versions: dict[str, Version] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # tag id -> version name

    def version(self, name: str) -> Version:
        found = self.versions.get(name)
        if found is None:
            raise not_found(f'Version "{self.name}/{name}" not found.')
        return found

    def tagged_version(self, tag: str) -> str:
        if tag not in self.tags:
            raise not_found(f'Tag "{self.name}/{tag}" not found.')
        return self.tags[tag]

    def tags_of(self, version: str) -> list[str]:
        return sorted(tag for tag, target in self.tags.items() if target == version)

    def resolve(self, reference: str) -> Version:
        """The version a download names: `sha256:...` itself, anything else a tag."""
        if reference.startswith(VERSION_PREFIX):
            return self.version(reference)
        return self.version(self.tagged_version(reference))

    def create_tag(self, tag: str, version: str) -> None:
        check_tag(tag)
        self.version(version)
        if tag in self.tags:
            raise already_exists(f'Tag "{self.name}/{tag}" already exists.')
        self.tags[tag] = version

    def move_tag(self, tag: str, version: str) -> None:
        self.tagged_version(tag)
        self.version(version)
        self.tags[tag] = version

    def delete_tag(self, tag: str) -> None:
        self.tagged_version(tag)
        del self.tags[tag]

    def delete_version(self, name: str, *, force: bool) -> None:
        """A tagged version stays unless `force`, which deletes its tags with it
        (DeleteVersionRequest.force)."""
        self.version(name)
        tags = self.tags_of(name)
        if tags and not force:
            raise failed_precondition(
                f'Version "{self.name}/{name}" has tags ({", ".join(tags)}); '
                "delete them first or set force=true."
            )
        for tag in tags:
            del self.tags[tag]
        del self.versions[name]


class Repository:
    def __init__(self, project: str, repo: str, location: str, clock: Clock) -> None:
        self.project = project
        self.repo = repo
        self.location = location
        self.clock = clock
        self.packages: dict[str, Package] = {}

    @property
    def resource(self) -> str:
        return f"projects/{self.project}/locations/{self.location}/repositories/{self.repo}"

    def package(self, name: str) -> Package:
        found = self.packages.get(name)
        if found is None:
            raise not_found(f'Package "{self.resource}/packages/{name}" not found.')
        return found

    def delete_package(self, name: str) -> None:
        self.package(name)
        del self.packages[name]

    def upload(self, content: bytes, tags: list[str]) -> tuple[Package, Version]:
        """Store a pipeline spec as version sha256:<digest> of the package its
        `pipelineInfo.name` names; the same bytes again keep the one version. Each tag is
        created, or moved to this version if the package has it already."""
        info = pipeline_info(content)
        name = info.get("name")
        if not isinstance(name, str) or not PACKAGE_NAME.fullmatch(name):
            raise invalid_argument(
                f"Invalid package name {name!r}: it must match {PACKAGE_NAME.pattern} "
                "(the pipeline's pipelineInfo.name)."
            )
        for tag in tags:
            check_tag(tag)
        now = self.clock.now()
        package = self.packages.setdefault(name, Package(name, now, now))
        version_name = VERSION_PREFIX + hashlib.sha256(content).hexdigest()
        version = package.versions.get(version_name)
        if version is None:
            version = package.versions[version_name] = Version(version_name, content, now, now)
            package.update_time = now
            package.display_name = info.get("displayName") or package.display_name
        for tag in tags:
            package.tags[tag] = version_name
        return package, version


def check_tag(tag: str) -> None:
    if tag.startswith(VERSION_PREFIX):
        raise invalid_argument(f'Invalid tag "{tag}": a tag must not start with "sha256:".')
    if not TAG_ID.fullmatch(tag):
        raise invalid_argument(
            f'Invalid tag "{tag}": use at most 128 letters, digits, "-", "_" or ".".'
        )


def pipeline_info(content: bytes) -> dict[str, Any]:
    """`pipelineInfo` of a compiled pipeline (YAML or JSON; the first YAML document, as the
    compiler puts a platform spec in a second one); anything else is INVALID_ARGUMENT."""
    try:
        document = next(yaml.safe_load_all(content), None)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise invalid_argument(f"The uploaded file is not YAML or JSON: {error}") from None
    info = document.get("pipelineInfo") if isinstance(document, dict) else None
    if not isinstance(info, dict) or "name" not in info:
        raise invalid_argument(
            "The uploaded file is not a KFP pipeline spec (no pipelineInfo.name)."
        )
    return info
