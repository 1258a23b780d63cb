# Do not edit: the template owns this file (make template-update brings its changes).
"""Timestamps as every service client reads and writes them: RFC 3339 in UTC for filters,
and the times a server sends back as aware datetimes, "unset" as None."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """``2026-03-01T06:00:00Z``: the form KFP's and Vertex AI's list filters compare."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_time(value: Any) -> datetime | None:
    """A server's datetime, made aware (UTC when naive); None when it is no datetime or not
    set: KFP and the protobuf timestamps of Vertex AI send the epoch (or earlier) for that."""
    if not isinstance(value, datetime):
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return None if value <= EPOCH else value
