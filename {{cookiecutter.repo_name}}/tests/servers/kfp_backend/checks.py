"""Checks several endpoints share: spec templates, tags, column lengths, list options."""

from __future__ import annotations

from . import errors, listing
from .errors import ApiError
from .request import Request
from .spec import Template, parse_template


def template_or_error(package: bytes, what: str) -> Template:
    try:
        return parse_template(package)
    except ApiError as exc:
        raise exc.wrap(f"Failed to create {what} due to template creation error") from None


def validate_tags(tags: dict[str, str]) -> None:
    """`model.ValidateTags` (backend 2.17+)."""
    if len(tags) > 20:
        raise errors.invalid_input(f"number of tags ({len(tags)}) exceeds maximum of 20 per entity")
    for key, value in tags.items():
        if not isinstance(value, str):
            raise errors.ApiError(
                errors.INVALID_ARGUMENT,
                f"proto: invalid value for string field tags: {value!r}",
                None,
            )
        if not key:
            raise errors.invalid_input("tag key cannot be empty")
        if "." in key:
            raise errors.invalid_input(f"tag key \"{key}\" must not contain '.' character")
        if len(key) > 63:
            raise errors.invalid_input(f'tag key "{key}" exceeds maximum length of 63 characters')
        if len(value) > 63:
            raise errors.invalid_input(
                f'tag value "{value}" for key "{key}" exceeds maximum length of 63 characters'
            )


def check_model_lengths(model: str, **fields: tuple[str, int]) -> None:
    """`validation.ValidateModel` inside the API converters: a violation is a 500 there."""
    for column, (value, limit) in fields.items():
        if len(value.encode()) > limit:
            raise errors.internal_error(
                f"Invalid input error: {model}.{column} length cannot exceed {limit}",
                f"Failed to convert API {model.lower()} to model {model.lower()}",
            )


def list_options(
    listable: listing.Listable, request: Request, what: str | None
) -> listing.ListOptions:
    """The list parameters of a request; errors wrapped as `ListPipelines(Versions)` wrap them
    (`what` names the resource), or unwrapped (`what=None`) for the caller to wrap."""
    page_token, sort_by, filter_spec = (
        request.arg("page_token"),
        request.arg("sort_by"),
        request.arg("filter"),
    )
    page_size = request.int_arg("page_size")
    try:
        return listing.list_options(
            listable,
            page_token=page_token,
            page_size=page_size,
            sort_by=sort_by,
            filter_spec=filter_spec,
        )
    except ApiError as exc:
        if what is None:
            raise
        raise exc.wrap(
            f"Failed to list {what} due invalid list options: pageToken: {page_token}, "
            f"pageSize: {page_size}, sortBy: {sort_by}, filter: {filter_spec}"
        ) from None
