"""The `filter` query parameter: parsing a v2beta1 `Filter` and testing rows against it.

Follows backend tag 2.17.0: `server/list_request_util.go` `parseAPIFilter` (the value is
URL-decoded a second time, then camelCase value keys are rewritten to snake_case before
protojson parsing) and `filter/filter.go` (operations, operand checks, the EQ/NEQ/.../SUBSTRING
buckets keyed by `table.Column` that also travel inside page tokens).

Rows are tested the way MySQL evaluates the WHERE clause the real server builds: string
comparisons fold case (the default collation, utf8mb4_0900_ai_ci, is case-insensitive); a string
operand against an integer column (the `*_at` seconds columns) is cast to its leading number, so
`created_at > "2026-01-01T00:00:00Z"` compares with 2026 and matches nearly every row; and a NULL
column (the `State` of a legacy run row) satisfies no predicate at all, `NOT_EQUALS` included.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import errors

OPERATIONS = {
    "EQUALS": 1,
    "NOT_EQUALS": 2,
    "GREATER_THAN": 3,
    "GREATER_THAN_EQUALS": 5,
    "LESS_THAN": 6,
    "LESS_THAN_EQUALS": 7,
    "IN": 8,
    "IS_SUBSTRING": 9,
}
_OPERATION_NAMES = {number: name for name, number in OPERATIONS.items()}
# Filter.marshal's map names, in Go's struct order.
FILTER_BUCKETS = {
    "EQUALS": "EQ",
    "NOT_EQUALS": "NEQ",
    "GREATER_THAN": "GT",
    "GREATER_THAN_EQUALS": "GTE",
    "LESS_THAN": "LT",
    "LESS_THAN_EQUALS": "LTE",
    "IN": "IN",
    "IS_SUBSTRING": "SUBSTRING",
}
_SCALAR_VALUES = ("int_value", "long_value", "string_value", "timestamp_value")
_LIST_VALUES = ("int_values", "long_values", "string_values")
_CAMEL_REWRITES = {
    '"intValue":': '"int_value":',
    '"longValue":': '"long_value":',
    '"stringValue":': '"string_value":',
    '"timestampValue":': '"timestamp_value":',
    '"intValues":': '"int_values":',
    '"longValues":': '"long_values":',
    '"stringValues":': '"string_values":',
}
_CAMEL_PATTERN = re.compile("|".join(re.escape(key) for key in _CAMEL_REWRITES))


def fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def go_query_unescape(text: str) -> str:
    """Go's `url.QueryUnescape`: `+` is a space; a `%` not followed by two hex digits fails."""
    out = bytearray()
    i = 0
    raw = text.encode()
    while i < len(raw):
        char = raw[i]
        if char == ord("%"):
            hex_digits = raw[i + 1 : i + 3].decode("latin-1")
            if len(hex_digits) != 2 or not all(c in "0123456789abcdefABCDEF" for c in hex_digits):
                raise ValueError(f'invalid URL escape "{raw[i : i + 3].decode("latin-1")}"')
            out.append(int(hex_digits, 16))
            i += 3
            continue
        out.append(ord(" ") if char == ord("+") else char)
        i += 1
    return out.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Predicate:
    operation: str
    key: str
    value: object


def parse_filter(encoded: str) -> list[Predicate]:
    """`parseAPIFilter` + `filter.New`: the query value is URL-decoded a second time here."""
    if not encoded:
        return []

    def fail(reason: str) -> errors.ApiError:
        return errors.invalid_input(
            f"failed to parse valid filter from {json.dumps(encoded)}: {reason}"
        )

    try:
        decoded = go_query_unescape(encoded)
    except ValueError as exc:
        raise fail(str(exc)) from None
    decoded = _CAMEL_PATTERN.sub(lambda m: _CAMEL_REWRITES[m.group(0)], decoded)
    try:
        document = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise fail(f"proto: syntax error: {exc.msg}") from None
    if not isinstance(document, dict):
        raise fail("proto: syntax error: unexpected token")
    unknown = set(document) - {"predicates"}
    if unknown:
        raise fail(f'proto: unknown field "{sorted(unknown)[0]}"')
    raw_predicates = document.get("predicates") or []
    if not isinstance(raw_predicates, list):
        raise fail("proto: invalid value for repeated field predicates")
    return [_parse_predicate(raw, fail) for raw in raw_predicates]


def _parse_predicate(raw: object, fail: Callable[[str], errors.ApiError]) -> Predicate:
    if not isinstance(raw, dict):
        raise fail("proto: invalid value for message Predicate")
    operation = _parse_operation(raw.get("operation", 0), fail)
    key = raw.get("key", "")
    if not isinstance(key, str):
        raise fail("proto: invalid value for string field key")
    values = []
    for name, value in raw.items():
        if name in ("operation", "key"):
            continue
        if name not in _SCALAR_VALUES and name not in _LIST_VALUES:
            raise fail(f'proto: unknown field "{name}"')
        values.append(_parse_value(name, value, fail))
    if len(values) > 1:
        raise fail("proto: oneof v2beta1.Predicate.value is already set")
    if operation is None:
        raise errors.unknown_api_version("Filter.Predicate.Operation", raw.get("operation"))
    if not values:
        raise errors.unknown_api_version("Filter.Predicate.Value", None)
    value = values[0]
    if not key:
        raise errors.invalid_input(
            f"Predicate key cannot be empty for operation {operation} and value {value}"
        )
    _check_operand(operation, value)
    return Predicate(operation, key, value)


def _parse_operation(raw: object, fail: Callable[[str], errors.ApiError]) -> str | None:
    if isinstance(raw, bool):
        raise fail("proto: invalid value for enum field operation")
    if isinstance(raw, int):
        return _OPERATION_NAMES.get(raw)
    if isinstance(raw, str):
        if raw == "OPERATION_UNSPECIFIED":
            return None
        if raw not in OPERATIONS:
            raise fail(f"proto: invalid value for enum field operation: {raw}")
        return raw
    raise fail("proto: invalid value for enum field operation")


def _parse_value(name: str, raw: object, fail: Callable[[str], errors.ApiError]) -> object:
    if name == "string_value":
        if not isinstance(raw, str):
            raise fail("proto: invalid value for string field stringValue")
        return raw
    if name == "timestamp_value":
        try:
            moment = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            raise fail("proto: invalid google.protobuf.Timestamp value") from None
        return int(moment.timestamp())
    if name in ("int_value", "long_value"):
        return _parse_int(raw, name, fail)
    if not isinstance(raw, dict) or set(raw) - {"values"}:
        raise fail(f"proto: invalid value for message field {name}")
    items = raw.get("values") or []
    if not isinstance(items, list):
        raise fail(f"proto: invalid value for repeated field {name}.values")
    if name == "string_values":
        if not all(isinstance(item, str) for item in items):
            raise fail("proto: invalid value for string field values")
        return list(items)
    return [_parse_int(item, name, fail) for item in items]


def _parse_int(raw: object, name: str, fail: Callable[[str], errors.ApiError]) -> int:
    # protojson takes int64 as a number or a decimal string; int32 likewise.
    if isinstance(raw, bool):
        raise fail(f"proto: invalid value for int field {name}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    raise fail(f"proto: invalid value for int field {name}: {raw}")


def _check_operand(operation: str, value: object) -> None:
    """`checkPredicate`: IN takes a list, IS_SUBSTRING a string, the others a scalar."""
    if operation == "IN" and not isinstance(value, list):
        raise errors.invalid_input(f"cannot use IN operator with scalar type {_go_type(value)}")
    if operation == "IS_SUBSTRING" and not isinstance(value, str):
        raise errors.invalid_input(
            f"cannot use non string value type {operation} with operator {_go_type(value)}"
        )
    if operation not in ("IN", "IS_SUBSTRING") and isinstance(value, list):
        raise errors.invalid_input(
            f"cannot use scalar operator {operation} on array type {_go_type(value)}"
        )


def _go_type(value: object) -> str:
    if isinstance(value, list):
        return "[]string" if all(isinstance(v, str) for v in value) else "[]int64"
    return "string" if isinstance(value, str) else "int64"


def matches(field_value: Callable[[str], object], buckets: dict | None, *, prefix: str) -> bool:
    """Whether a row passes every predicate; `field_value` reads a model column of the row."""
    if not buckets:
        return True
    tests: dict[str, Callable[[object, object], bool]] = {
        "EQ": lambda field, value: field == value,
        "NEQ": lambda field, value: field != value,
        "GT": lambda field, value: field > value,
        "GTE": lambda field, value: field >= value,
        "LT": lambda field, value: field < value,
        "LTE": lambda field, value: field <= value,
        "IN": lambda field, value: field in value,
        "SUBSTRING": lambda field, value: str(value) in str(field),
    }
    for bucket, test in tests.items():
        for column, values in (buckets.get(bucket) or {}).items():
            field = field_value(column.removeprefix(prefix))
            for value in values:
                if not _compare(test, field, value):
                    return False
    return True


def _compare(test: Callable[[object, object], bool], field: object, value: object) -> bool:
    if field is None:
        return False  # SQL: any comparison with NULL is unknown, so the row is not selected
    field = fold(field)
    if isinstance(value, list):
        value = [_coerce(fold(item), field) for item in value]
    else:
        value = _coerce(fold(value), field)
    try:
        return test(field, value)
    except TypeError:
        return False


_LEADING_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _coerce(value: object, field: object) -> object:
    """MySQL compares a number column with a string operand numerically (the string cast to
    its leading number, 0 when it has none), and a string column with a number as a string."""
    if isinstance(field, int) and isinstance(value, str):
        return mysql_number(value)
    if isinstance(field, str) and isinstance(value, int):
        return str(value)
    return value


def mysql_number(text: str) -> float:
    """MySQL's implicit string-to-DOUBLE cast: `"2026-01-01T00:00:00Z"` is 2026, `"abc"` 0."""
    match = _LEADING_NUMBER.match(text)
    return float(match.group(0)) if match else 0.0
