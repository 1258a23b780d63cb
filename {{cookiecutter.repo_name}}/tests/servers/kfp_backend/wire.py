"""Render `kfp_server_api` models as the JSON the real server sends.

Responses are built from the generated client's own model classes, so a field the client does not
know cannot slip in, and keys come from each model's `attribute_map` (snake_case, as the server's
`UseProtoNames: true` marshaler writes them). On top of that this applies protojson's rules with
`EmitUnpopulated: false` (backend/src/apiserver/common/utils.go): scalars equal to their zero
value (`""`, `0`, `false`, an enum's `*_UNSPECIFIED`) and empty lists or maps are omitted, while a
set message field
is written even when empty. Timestamps are RFC 3339 in UTC with a `Z`, whole seconds because the
server stores `CreatedAtInSec`.
"""

from __future__ import annotations

import datetime as dt
import re

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(([^,]+), (.+)\)$")
_PRIMITIVES = {"str", "int", "float", "bool", "object", "date", "datetime"}


def timestamp(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def format_timestamp(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def to_wire(model: object) -> dict:
    """One `kfp_server_api` model instance as protojson (see the module docstring)."""
    out: dict = {}
    for attr, type_name in model.openapi_types.items():
        value = getattr(model, attr)
        rendered = _render(value, type_name)
        if rendered is not _OMIT:
            out[model.attribute_map[attr]] = rendered
    return out


_OMIT = object()


def _render(value: object, type_name: str) -> object:
    if value is None:
        return _OMIT
    if match := _LIST.match(type_name):
        items = [_render(item, match.group(1)) for item in value]
        return [item for item in items if item is not _OMIT] or _OMIT
    if match := _DICT.match(type_name):
        rendered = {key: _render(item, match.group(2)) for key, item in value.items()}
        return {key: item for key, item in rendered.items() if item is not _OMIT} or _OMIT
    if type_name == "object":
        # google.protobuf.Struct / Value: written as-is, zero values inside included.
        return value
    if type_name == "datetime":
        return format_timestamp(value)
    if type_name in _PRIMITIVES:
        return value if value else _OMIT
    if isinstance(value, str):
        # An enum model: the generated client types it as a class holding string constants.
        return _OMIT if value.endswith("UNSPECIFIED") else value
    # A nested message: present means written, even when all its fields are empty.
    return to_wire(value)
