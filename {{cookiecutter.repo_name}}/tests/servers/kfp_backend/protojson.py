"""Strict protojson reading of nested request bodies (runs and recurring runs).

grpc-gateway unmarshals bodies with `DiscardUnknown: false` (`common/utils.go` at backend tag
2.17.0), so an unknown field at any depth is a 400, as are a value of the wrong JSON type, two
members of one oneof, an unknown enum name and a malformed timestamp. Keys may be proto names or
lowerCamel JSON names. int64 fields take a number or a decimal string; enums a name or a number
(proto3 enums are open: an unknown number is kept). The result is keyed by proto name, with
timestamps as Unix seconds and enums as their names (an unknown number stays an int).

The messages imitate protojson's (`proto: (line 1:N): unknown field "x"`) without the position.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import errors

STRING, INT64, INT32, BOOL, TIMESTAMP, STRUCT, VALUE_MAP, STRUCT_MAP, ANY = (
    "string",
    "int64",
    "int32",
    "bool",
    "timestamp",
    "struct",
    "map<string, Value>",
    "map<string, Struct>",
    "any",
)


@dataclass(frozen=True)
class Enum:
    values: Mapping[str, int]


@dataclass(frozen=True)
class Message:
    name: str
    fields: Mapping[str, object]  # proto name -> kind (a constant above, an Enum or a Message)
    oneofs: tuple[tuple[str, ...], ...] = ()
    repeated: frozenset[str] = field(default_factory=frozenset)


def bad_body(message: str) -> errors.ApiError:
    return errors.ApiError(errors.INVALID_ARGUMENT, f"proto: {message}", None)


def read_body(raw: bytes, message: Message) -> dict:
    try:
        document = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_body(f"syntax error: {exc}") from None
    return read_message(document, message)


def read_message(document: object, message: Message) -> dict:
    if not isinstance(document, dict):
        raise bad_body(f"invalid value for message {message.name}: {_short(document)}")
    by_json_name = {_camel(name): name for name in message.fields}
    result: dict = {}
    for key, value in document.items():
        name = key if key in message.fields else by_json_name.get(key)
        if name is None:
            raise bad_body(f'unknown field "{key}"')
        if name in result:
            raise bad_body(f'duplicate field "{key}"')
        if value is None:
            continue  # JSON null: the field stays unset
        kind = message.fields[name]
        if name in message.repeated:
            if not isinstance(value, list):
                raise bad_body(f"invalid value for repeated field {name}: {_short(value)}")
            result[name] = [_read_value(item, kind, name) for item in value]
        else:
            result[name] = _read_value(value, kind, name)
    for oneof in message.oneofs:
        present = [name for name in oneof if name in result]
        if len(present) > 1:
            raise bad_body(f"oneof {message.name}.{present[0]} is already set")
    return result


def _read_value(value: object, kind: object, name: str) -> object:
    if isinstance(kind, Message):
        return read_message(value, kind)
    if isinstance(kind, Enum):
        return _read_enum(value, kind, name)
    if kind == STRING:
        if not isinstance(value, str):
            raise bad_body(f"invalid value for string field {name}: {_short(value)}")
        return value
    if kind in (INT64, INT32):
        return _read_int(value, name, 64 if kind == INT64 else 32)
    if kind == BOOL:
        if not isinstance(value, bool):
            raise bad_body(f"invalid value for bool field {name}: {_short(value)}")
        return value
    if kind == TIMESTAMP:
        return _read_timestamp(value, name)
    if kind in (STRUCT, VALUE_MAP, STRUCT_MAP):
        if not isinstance(value, dict):
            raise bad_body(f"invalid value for {kind} field {name}: {_short(value)}")
        if kind == STRUCT_MAP and not all(isinstance(v, dict) for v in value.values()):
            raise bad_body(f"invalid value for {kind} field {name}")
        return value
    return value  # ANY: google.protobuf.Value, anything JSON


def _read_enum(value: object, kind: Enum, name: str) -> str | int:
    if isinstance(value, bool):
        raise bad_body(f"invalid value for enum field {name}: {_short(value)}")
    if isinstance(value, int):
        names = {number: text for text, number in kind.values.items()}
        return names.get(value, value)
    if isinstance(value, str) and value in kind.values:
        return value
    raise bad_body(f"invalid value for enum field {name}: {_short(value)}")


def _read_int(value: object, name: str, bits: int) -> int:
    if isinstance(value, bool):
        raise bad_body(f"invalid value for int{bits} field {name}: {_short(value)}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        value = int(value)
    if not isinstance(value, int) or not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise bad_body(f"invalid value for int{bits} field {name}: {_short(value)}")
    return value


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def _read_timestamp(value: object, name: str) -> int:
    """A google.protobuf.Timestamp: RFC 3339 with `Z` or an offset; whole seconds kept."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise bad_body(f"invalid google.protobuf.Timestamp value for field {name}: {_short(value)}")
    text = re.sub(r"\.\d+", "", value).replace("Z", "+00:00")
    return int(dt.datetime.fromisoformat(text).timestamp())


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
