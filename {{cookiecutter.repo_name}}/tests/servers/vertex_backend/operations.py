"""Long-running operations (google.longrunning.Operation) for the calls that return one.

The test server finishes every operation before answering, so each is returned `done` with its
response, and `GET .../operations/{id}` (under the location or nested under a resource, as the
v1 operations routes allow) returns the same record for a client that polls anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.servers.vertex_backend.call import Call
from tests.servers.vertex_backend.clock import rfc3339
from tests.servers.vertex_backend.errors import not_found
from tests.servers.vertex_backend.state import State

TYPE_PREFIX = "type.googleapis.com/"
EMPTY = {"@type": TYPE_PREFIX + "google.protobuf.Empty"}


def finished(
    state: State,
    under: str,
    metadata_type: str,
    now: dt.datetime,
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A done operation named under the resource `under`; `response` is the result message as
    JSON with its "@type" (None: google.protobuf.Empty)."""
    name = f"{under}/operations/{state.numeric_id()}"
    operation = {
        "name": name,
        "metadata": {
            "@type": f"{TYPE_PREFIX}google.cloud.aiplatform.v1.{metadata_type}",
            "genericMetadata": {"createTime": rfc3339(now), "updateTime": rfc3339(now)},
        },
        "done": True,
        "response": response or EMPTY,
    }
    state.operations[name] = operation
    return operation


def get(call: Call) -> dict[str, Any]:
    name = call.canonical(call.params["resource"])
    operation = call.state.operations.get(name)
    if operation is None:
        raise not_found(f"Operation {call.params['resource']} not found.")
    return operation
