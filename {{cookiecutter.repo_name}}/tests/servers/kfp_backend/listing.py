"""List requests: the `filter` JSON, `sort_by`, `page_size` and keyset pagination tokens.

Follows backend tag 2.17.0: `server/list_request_util.go` (`validatedListOptions`,
`parseAPIFilter`, the camelCase -> snake_case rewrite), `filter/filter.go` (predicates, operand
checks) and `list/list.go` (`NewOptions`, page size 20 by default and clamped to 200, the
base64-JSON `token`, ordering by the sort column then the primary key, the next page starting at
row `page_size + 1`). Reference: shared/reference/kfp-api.md section 1.4.

String comparisons and uniqueness fold case, as the MySQL default collation
(utf8mb4_0900_ai_ci) the real server runs on does.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import errors

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200

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
_FILTER_BUCKETS = {
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


@dataclass(frozen=True)
class Listable:
    """What `list.Listable` tells the list machinery about one resource table."""

    model_name: str  # table name, used as the column prefix
    type_name: str  # Go type name, quoted in error messages
    fields: dict[str, str]  # API field name -> model column
    supports_tags: bool = False
    default_sort: str = "CreatedAtInSec"
    key: str = "UUID"


PIPELINES = Listable(
    "pipelines",
    "Pipeline",
    {
        "id": "UUID",
        "pipeline_id": "UUID",
        "name": "Name",
        "display_name": "DisplayName",
        "created_at": "CreatedAtInSec",
        "description": "Description",
        "namespace": "Namespace",
    },
    supports_tags=True,
)
PIPELINE_VERSIONS = Listable(
    "pipeline_versions",
    "PipelineVersion",
    {
        "id": "UUID",
        "pipeline_version_id": "UUID",
        "name": "Name",
        "display_name": "DisplayName",
        "created_at": "CreatedAtInSec",
        "status": "Status",
        "description": "Description",
        "pipeline_spec": "PipelineSpec",
    },
    supports_tags=True,
)
EXPERIMENTS = Listable(
    "experiments",
    "Experiment",
    {
        "id": "UUID",
        "experiment_id": "UUID",
        "name": "Name",
        "display_name": "Name",
        "created_at": "CreatedAtInSec",
        "last_run_created_at": "LastRunCreatedAtInSec",
        "description": "Description",
        "namespace": "Namespace",
        "storage_state": "StorageState",
    },
)


@dataclass(frozen=True)
class ListOptions:
    page_size: int
    sort_field: str
    is_desc: bool
    filter: dict | None  # Go's filterForMarshaling: {"EQ": {"table.Column": [values]}, ...}
    tag_filter: dict[str, str]  # tags.<key> EQUALS predicates, answered outside SQL
    start: tuple | None = None  # (sort value, key) of the first row of this page


class Row:
    """What a stored record offers the list machinery."""

    def field_value(self, column: str) -> object:  # pragma: no cover - interface
        raise NotImplementedError

    tags: dict[str, str]


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


# -- filter -----------------------------------------------------------------------------------


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


# -- options ----------------------------------------------------------------------------------


def list_options(
    listable: Listable, *, page_token: str, page_size: int, sort_by: str, filter_spec: str
) -> ListOptions:
    """`validatedListOptions`: from a page token, or from sort_by and filter; both must agree."""
    if not page_token:
        return _new_options(listable, page_size, sort_by, filter_spec)
    options = _options_from_token(page_token, page_size)
    if sort_by or filter_spec:
        fresh = _new_options(listable, page_size, sort_by, filter_spec)
        if not _same_criteria(options, fresh):
            raise errors.invalid_input(
                "page token does not match the supplied sort by and/or filtering criteria. Either "
                "specify the same criteria or leave the latter empty if page token is specified"
            )
    return options


def _new_options(listable: Listable, page_size: int, sort_by: str, filter_spec: str) -> ListOptions:
    predicates = parse_filter(filter_spec)
    tag_filter: dict[str, str] = {}
    if listable.supports_tags:
        for predicate in [p for p in predicates if p.key.startswith("tags.")]:
            if predicate.operation != "EQUALS":
                raise errors.invalid_input(
                    "only EQUALS operation is supported for tag filtering, got "
                    f"{predicate.operation} for key {json.dumps(predicate.key)}"
                )
            if not isinstance(predicate.value, str):
                raise errors.invalid_input(
                    f"tag filter value must be a string for key {json.dumps(predicate.key)}"
                )
            tag_filter[predicate.key.removeprefix("tags.")] = predicate.value
        predicates = [p for p in predicates if not p.key.startswith("tags.")]
    size = validate_page_size(page_size)
    words = sort_by.lower().split()
    if len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
        raise errors.invalid_input(
            f"Received invalid sort by format {json.dumps(sort_by)}. Supported format: "
            '"field_name", "field_name desc", or "field_name asc"'
        )
    sort_field = listable.default_sort
    if words:
        if words[0] not in listable.fields:
            raise errors.invalid_input(
                f"Invalid sorting field: {json.dumps(words[0])} on listable type "
                f"{listable.type_name}"
            )
        sort_field = listable.fields[words[0]]
    return ListOptions(
        page_size=size,
        sort_field=sort_field,
        is_desc=len(words) == 2 and words[1] == "desc",
        filter=_filter_buckets(listable, predicates),
        tag_filter=tag_filter,
    )


def validate_page_size(page_size: int) -> int:
    if page_size < 0:
        raise errors.invalid_input(f"The page size should be greater than 0. Got {page_size}")
    if page_size == 0:
        return DEFAULT_PAGE_SIZE
    return min(page_size, MAX_PAGE_SIZE)


def _filter_buckets(listable: Listable, predicates: Sequence[Predicate]) -> dict | None:
    if not predicates:
        return None
    buckets: dict[str, dict[str, list]] = {name: {} for name in _FILTER_BUCKETS.values()}
    for predicate in predicates:
        column = listable.fields.get(predicate.key)
        if column is None:
            raise errors.invalid_input(
                f"no support for filtering on unrecognized field {json.dumps(predicate.key)}"
            )
        bucket = buckets[_FILTER_BUCKETS[predicate.operation]]
        bucket.setdefault(f"{listable.model_name}.{column}", []).append(predicate.value)
    return buckets


# -- tokens -----------------------------------------------------------------------------------


def _options_from_token(page_token: str, page_size: int) -> ListOptions:
    size = validate_page_size(page_size)
    try:
        token = json.loads(base64.b64decode(page_token, validate=True))
        start = (token["SortByFieldValue"], token["KeyFieldValue"])
        options = ListOptions(
            page_size=size,
            sort_field=token["SortByFieldName"],
            is_desc=bool(token["IsDesc"]),
            filter=token.get("Filter"),
            tag_filter=token.get("TagFilter") or {},
            start=start,
        )
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise errors.invalid_input_with_details(str(exc), "Invalid page token") from None
    return options


def _next_token(listable: Listable, options: ListOptions, row: Row) -> str:
    token = {
        "SortByFieldName": options.sort_field,
        "SortBySQLColumn": options.sort_field,
        "SortByFieldValue": row.field_value(options.sort_field),
        "SortByFieldPrefix": f"{listable.model_name}.",
        "KeyFieldName": listable.key,
        "KeyFieldValue": row.field_value(listable.key),
        "KeyFieldPrefix": f"{listable.model_name}.",
        "IsDesc": options.is_desc,
        "ModelName": listable.model_name,
        "Filter": options.filter,
    }
    if options.tag_filter:
        # The real server forgets tag predicates between pages (they live outside the token);
        # carrying them keeps later pages consistent with the first.
        token["TagFilter"] = options.tag_filter
    return base64.b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def _same_criteria(a: ListOptions, b: ListOptions) -> bool:
    """`Options.Matches`: sort column, direction and filter (compared in their JSON form)."""
    return (
        a.sort_field == b.sort_field
        and a.is_desc == b.is_desc
        and json.dumps(a.filter, sort_keys=True) == json.dumps(b.filter, sort_keys=True)
    )


# -- evaluation -------------------------------------------------------------------------------


def paginate(
    listable: Listable, rows: Sequence[Row], options: ListOptions
) -> tuple[list[Row], int, str]:
    """Filter, order and cut one page; returns (page, total_size, next_page_token)."""
    matching = [row for row in rows if _matches(listable, row, options)]
    total = len(matching)

    def order_key(row: Row) -> tuple:
        return (_sortable(row.field_value(options.sort_field)), row.field_value(listable.key))

    matching.sort(key=order_key, reverse=options.is_desc)
    if options.start is not None:
        start = (_sortable(options.start[0]), options.start[1])
        if options.is_desc:
            matching = [row for row in matching if order_key(row) <= start]
        else:
            matching = [row for row in matching if order_key(row) >= start]
    page = matching[: options.page_size]
    next_token = ""
    if len(matching) > options.page_size:
        next_token = _next_token(listable, options, matching[options.page_size])
    return page, total, next_token


def _sortable(value: object) -> tuple:
    # Keep ints and strings from ever being compared with each other.
    return (0, value, "") if isinstance(value, int | float) else (1, 0, fold(str(value)))


def _matches(listable: Listable, row: Row, options: ListOptions) -> bool:
    for key, wanted in options.tag_filter.items():
        if row.tags.get(key) != wanted:
            return False
    if not options.filter:
        return True
    prefix = f"{listable.model_name}."
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
        for column, values in (options.filter.get(bucket) or {}).items():
            field = row.field_value(column.removeprefix(prefix))
            for value in values:
                if not _compare(test, field, value):
                    return False
    return True


def _compare(test: Callable[[object, object], bool], field: object, value: object) -> bool:
    field = fold(field)
    if isinstance(value, list):
        value = [_coerce(fold(item), field) for item in value]
    else:
        value = _coerce(fold(value), field)
    try:
        return test(field, value)
    except TypeError:
        return False


def _coerce(value: object, field: object) -> object:
    """MySQL compares a number column with a string operand numerically, and vice versa."""
    if isinstance(field, int) and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if isinstance(field, str) and isinstance(value, int):
        return str(value)
    return value
