"""Uploaded pipeline packages: file-format rules and the IR checks every upload goes through.

Mirrors, at backend tag 2.17.0: `server/util.go` `ReadPipelineFile` (the filename must end in
.yaml/.yml/.json unless the bytes are a zip or tar.gz; 32 MiB cap), `template/v2_template.go`
`NewV2SpecTemplate` (one PipelineSpec document, optionally a PlatformSpec document, schema 2.1.0)
and `common/utils.go` `ValidatePipelineName` (the `pipelineInfo.name` pattern). The spec is parsed
with the real `PipelineSpec` proto, so a document the server would reject as an invalid IR is
rejected here too, and the stored form is the proto's JSON form, as the server stores it.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass

import yaml

from . import errors

MAX_FILE_LENGTH = 32 << 20
PIPELINE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
SCHEMA_VERSION = "2.1.0"


class PackageReadError(Exception):
    """The file part is not a readable pipeline package (handlers map this per endpoint)."""


@dataclass(frozen=True)
class Template:
    """A validated v2 pipeline: the IR (and platform spec) in proto-JSON form."""

    pipeline_spec: dict
    platform_spec: dict | None

    @property
    def name(self) -> str:
        return self.pipeline_spec["pipelineInfo"]["name"]

    def api_struct(self) -> dict:
        """`YamlStringToPipelineSpecStruct`: the spec alone, or both under snake_case keys."""
        if self.platform_spec is None:
            return self.pipeline_spec
        return {"pipeline_spec": self.pipeline_spec, "platform_spec": self.platform_spec}


def read_package(filename: str, data: bytes) -> bytes:
    """`ReadPipelineFile`: pick the pipeline document out of the uploaded bytes."""
    if len(data) > MAX_FILE_LENGTH:
        raise PackageReadError(f"File size too large. Maximum supported size: {MAX_FILE_LENGTH}")
    if filename.endswith((".yaml", ".yml", ".json")):
        return data
    if data[:2] == b"PK":
        return _from_zip(data)
    if data[:2] == b"\x1f\x8b":
        return _from_tarball(data)
    raise PackageReadError("Unexpected pipeline file format. Support .zip, .tar.gz, .json or YAML")


def _from_zip(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise PackageReadError("Error extracting pipeline from the zip file") from exc
    if not members:
        raise PackageReadError("Error extracting pipeline from the zip file. Empty zip file")
    chosen = next((m for m in members if m.filename == "pipeline.yaml"), members[0])
    if not chosen.filename.endswith((".yaml", ".yml")):
        raise PackageReadError("Expecting a pipeline.yaml file inside the zip")
    return archive.read(chosen)


def _from_tarball(data: bytes) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            chosen = next((m for m in members if m.name == "pipeline.yaml"), None)
            chosen = chosen or (members[0] if members else None)
            if chosen is None or not chosen.name.endswith((".yaml", ".yml")):
                raise PackageReadError("Expecting a pipeline.yaml file inside the tarball")
            return archive.extractfile(chosen).read()
    except (tarfile.TarError, OSError) as exc:
        raise PackageReadError("Error extracting pipeline from the tarball file") from exc


def parse_template(data: bytes, *, check_name: bool = True) -> Template:
    """`template.New`, then (for pipeline records) `ValidatePipelineName`.

    Raises `ApiError` (InvalidArgument) on bad input. Runs skip the name check: the server only
    applies it when a pipeline or version is stored.
    """
    documents = _yaml_documents(data)
    if documents is None or not any(_as_pipeline_spec(doc) for doc in documents):
        raise _invalid_spec("unknown template format")
    pipeline_spec = platform_spec = None
    for doc in documents:
        if (spec := _as_pipeline_spec(doc)) is not None:
            if pipeline_spec is not None:
                raise _invalid_spec("multiple pipeline specs provided")
            if spec.get("schemaVersion") != SCHEMA_VERSION:
                raise _invalid_spec(
                    "KFP only supports schema version 2.1.0, but the pipeline spec has version "
                    f"{spec.get('schemaVersion', '')}"
                )
            pipeline_spec = spec
        elif isinstance(doc.get("platforms"), dict) and "kubernetes" in doc["platforms"]:
            if platform_spec is not None:
                raise _invalid_spec("multiple platform specs provided")
            platform_spec = _proto_json(doc, "PlatformSpec")
            if platform_spec is None:
                raise _invalid_spec("cannot unmarshal platform specific configs")
    template = Template(pipeline_spec, platform_spec)
    if check_name:
        validate_pipeline_name(template.name)
    return template


def validate_pipeline_name(name: str) -> None:
    if not name:
        raise errors.invalid_input("pipeline's name cannot be empty")
    if len(name) > 128:
        raise errors.invalid_input("pipeline's name must contain no more than 128 characters")
    if not PIPELINE_NAME_PATTERN.match(name):
        raise errors.invalid_input(
            "pipeline's name must contain only lowercase alphanumeric characters or '-' and must "
            "start with alphanumeric characters"
        )


def _invalid_spec(detail: str) -> errors.ApiError:
    return errors.invalid_input_with_details("Invalid pipeline spec", detail)


def _yaml_documents(data: bytes) -> list[dict] | None:
    try:
        loaded = list(yaml.safe_load_all(data))
    except yaml.YAMLError:
        return None
    # Go decodes each document into map[string]interface{} and skips empty ones; JSON round trip
    # turns YAML-only scalars (dates) into what json.Marshal would have produced.
    docs = [doc for doc in loaded if doc is not None]
    if not all(isinstance(doc, dict) for doc in docs):
        return None
    return [json.loads(json.dumps(doc, default=str)) for doc in docs]


def _as_pipeline_spec(doc: dict) -> dict | None:
    """`isPipelineSpec`: parses as a PipelineSpec with a pipeline name and a root component."""
    spec = _proto_json(doc, "PipelineSpec")
    if spec is None or not spec.get("pipelineInfo", {}).get("name") or "root" not in spec:
        return None
    return spec


def _proto_json(doc: dict, message_name: str) -> dict | None:
    # Imported here: the proto package is only needed once a request carries a spec.
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    message = getattr(pipeline_spec_pb2, message_name)()
    try:
        json_format.ParseDict(doc, message)
    except (json_format.ParseError, TypeError, ValueError):
        return None
    return json_format.MessageToDict(message)
