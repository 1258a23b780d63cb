"""List requests: `sort_by`, `page_size`, keyset pagination tokens (the filter is filters.py).

Follows backend tag 2.17.0: `server/list_request_util.go` (`validatedListOptions`: a page token
carries the sort and filter, and a request that also sends them must send the same) and
`list/list.go` (`NewOptions`, page size 20 by default and clamped to 200, the base64-JSON
`token`, ordering by the sort column then the primary key, the next page starting at row
`page_size + 1`, `total_size` counting every match), under
https://github.com/kubeflow/pipelines/tree/2.17.0/backend/src/apiserver.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from . import errors
from .filters import FILTER_BUCKETS, Predicate, fold, matches, parse_filter

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Listable:
    """What `list.Listable` tells the list machinery about one resource table."""

    model_name: str  # table name, used as the column prefix ("" for runs: no prefix)
    type_name: str  # Go type name, quoted in error messages
    fields: dict[str, str]  # API field name -> model column
    supports_tags: bool = False
    default_sort: str = "CreatedAtInSec"
    key: str = "UUID"

    @property
    def prefix(self) -> str:
        return f"{self.model_name}." if self.model_name else ""


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
# `model/run.go`: `GetModelName` is "" for runs, so their columns carry no prefix.
RUNS = Listable(
    "",
    "Run",
    {
        "run_id": "UUID",
        "id": "UUID",
        "display_name": "DisplayName",
        "name": "DisplayName",
        "created_at": "CreatedAtInSec",
        "finished_at": "FinishedAtInSec",
        "description": "Description",
        "scheduled_at": "ScheduledAtInSec",
        "storage_state": "StorageState",
        "status": "Conditions",
        "namespace": "Namespace",
        "experiment_id": "ExperimentUUID",
        "state": "State",
        "state_history": "StateHistory",
        "runtime_details": "PipelineRuntimeManifest",
        "recurring_run_id": "JobUUID",
    },
)
# `model/job.go`: nothing else (no experiment, status or version) can be filtered on.
RECURRING_RUNS = Listable(
    "jobs",
    "Job",
    {
        "id": "UUID",
        "recurring_run_id": "UUID",
        "name": "DisplayName",
        "display_name": "DisplayName",
        "created_at": "CreatedAtInSec",
        "updated_at": "UpdatedAtInSec",
        "description": "Description",
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


class Row(Protocol):
    """What a stored record offers the list machinery."""

    tags: dict[str, str]

    def field_value(self, column: str) -> object: ...


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
    buckets: dict[str, dict[str, list]] = {name: {} for name in FILTER_BUCKETS.values()}
    for predicate in predicates:
        column = listable.fields.get(predicate.key)
        if column is None:
            raise errors.invalid_input(
                f"no support for filtering on unrecognized field {json.dumps(predicate.key)}"
            )
        bucket = buckets[FILTER_BUCKETS[predicate.operation]]
        bucket.setdefault(f"{listable.prefix}{column}", []).append(predicate.value)
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
        "SortByFieldPrefix": listable.prefix,
        "KeyFieldName": listable.key,
        "KeyFieldValue": row.field_value(listable.key),
        "KeyFieldPrefix": listable.prefix,
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
    prefix = listable.prefix
    matching = [
        row
        for row in rows
        if all(row.tags.get(key) == wanted for key, wanted in options.tag_filter.items())
        and matches(row.field_value, options.filter, prefix=prefix)
    ]
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
    # Keep ints and strings from ever being compared with each other; NULL sorts first, as in
    # MySQL.
    if value is None:
        return (-1, 0, "")
    return (0, value, "") if isinstance(value, int | float) else (1, 0, fold(str(value)))
