"""The rest of a List call: `orderBy`, paging (AIP-158) and `readMask`.

Page tokens are opaque to clients but carry the offset and a fingerprint of the filter and
order they were made for: AIP-158 says a token used with different parameters is
INVALID_ARGUMENT, and so is a token the server never issued.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from tests.servers.vertex_backend.errors import invalid_argument


def snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name.strip())


def camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name.strip())


def order(
    records: Sequence[Any], order_by: str, keys: dict[str, Callable[[Any], Any]], default: str
) -> list[Any]:
    """`records` sorted by `order_by` ("create_time desc, end_time"), or by `default`.
    Unset values sort first; ties keep creation order in the first key's direction."""
    terms = []
    for part in (order_by or default).split(","):
        words = part.split()
        if (
            not words
            or len(words) > 2
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise invalid_argument(f"Invalid order_by {order_by!r}.")
        name = snake(words[0])
        if name not in keys:
            raise invalid_argument(
                f"Invalid order_by field {words[0]!r}; supported: {', '.join(sorted(keys))}."
            )
        terms.append((keys[name], len(words) == 2 and words[1].lower() == "desc"))
    result = sorted(records, key=lambda r: r.seq, reverse=terms[0][1])
    for key, descending in reversed(terms):
        result.sort(key=lambda r, k=key: (k(r) is not None, k(r) or 0), reverse=descending)
    return result


def page(
    records: list[Any], query: dict[str, str], *, default_size: int, max_size: int
) -> tuple[list[Any], str]:
    """One page of `records` for the request's pageSize/pageToken, and the next token ("" on
    the last page)."""
    try:
        size = int(query.get("pageSize") or 0)
    except ValueError:
        raise invalid_argument("Invalid page_size.") from None
    if size < 0:
        raise invalid_argument("page_size must not be negative.")
    size = min(size or default_size, max_size)
    fingerprint = f"{query.get('filter', '')}|{query.get('orderBy', '')}"
    offset = _read_token(query.get("pageToken", ""), fingerprint)
    end = offset + size
    next_token = _make_token(end, fingerprint) if end < len(records) else ""
    return records[offset:end], next_token


def _make_token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"offset": offset, "for": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str, fingerprint: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, issued_for = int(data["offset"]), data["for"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid_argument("Invalid page_token.") from None
    if issued_for != fingerprint:
        raise invalid_argument(
            "The page_token was issued for a different filter or order_by; "
            "all other parameters must match the call that returned it."
        )
    return offset


def read_mask(document: dict[str, Any], mask: str) -> dict[str, Any]:
    """Only the fields `mask` names ("state,pipelineSpec.pipelineInfo", snake or camel case)."""
    if not mask:
        return document
    kept: dict[str, Any] = {}
    for path in mask.split(","):
        parts = [camel(part) for part in path.split(".") if part.strip()]
        source, target = document, kept
        for index, part in enumerate(parts):
            if not isinstance(source, dict) or part not in source:
                break
            if index == len(parts) - 1:
                target[part] = source[part]
            else:
                source = source[part]
                target = target.setdefault(part, {})
    return kept
