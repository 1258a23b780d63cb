"""projects.locations.metadataStores and their contexts: what `aiplatform.Experiment` uses.

`Experiment.get` is a GetContext (404 -> None); `Experiment.create` makes sure the `default`
store exists (GetMetadataStore, else CreateMetadataStore, a long-running operation) and then
creates a context of schema `system.Experiment` with `?contextId=`; `Experiment.list` lists
contexts filtered on `schema_title`. Field names, the context id rule (4-128 characters of
[a-z0-9-]) and the filter fields follow the v1 MetadataService reference.

The GetContext 404 text is the one the real service sends; the other wording, NOT_FOUND for
contexts of a store that does not exist, ascending create_time as the default order, and etags
that are counted but not enforced on update, are assumptions.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.servers.vertex_backend import filters, listing, operations
from tests.servers.vertex_backend.call import Call
from tests.servers.vertex_backend.clock import rfc3339
from tests.servers.vertex_backend.errors import already_exists, invalid_argument, not_found
from tests.servers.vertex_backend.filters import EQUALITY, ORDERING, Field
from tests.servers.vertex_backend.state import ContextRecord, MetadataStoreRecord

RESOURCE_ID = re.compile(r"^[a-z0-9-]{4,128}$")
STRING = EQUALITY | {":"}
FILTER_FIELDS = {
    "name": Field("string", lambda c: c.name, STRING),
    "display_name": Field("string", lambda c: c.display_name, STRING),
    "schema_title": Field("string", lambda c: c.schema_title, STRING),
    "create_time": Field("time", lambda c: c.create_time, ORDERING),
    "update_time": Field("time", lambda c: c.update_time, ORDERING),
}
ORDER_KEYS = {
    "create_time": lambda c: c.create_time,
    "update_time": lambda c: c.update_time,
    "display_name": lambda c: c.display_name,
}
# Context fields an update may change: body key -> record attribute.
CONTEXT_FIELDS = {
    "displayName": "display_name",
    "schemaTitle": "schema_title",
    "schemaVersion": "schema_version",
    "description": "description",
    "metadata": "metadata",
    "labels": "labels",
}


def render_store(store: MetadataStoreRecord) -> dict[str, Any]:
    document = {
        "name": store.name,
        "createTime": rfc3339(store.create_time),
        "updateTime": rfc3339(store.create_time),
        "state": {},
    }
    if store.description:
        document["description"] = store.description
    return document


def render_context(context: ContextRecord) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": context.name,
        "etag": str(context.etag),
        "createTime": rfc3339(context.create_time),
        "updateTime": rfc3339(context.update_time),
        "schemaTitle": context.schema_title,
        "metadata": context.metadata,
    }
    for key, attribute in CONTEXT_FIELDS.items():
        value = getattr(context, attribute)
        if value and key not in document:
            document[key] = value
    return document


def _store(call: Call) -> MetadataStoreRecord:
    store = call.state.metadata_stores.get(call.params["store"])
    if store is None:
        store_name = call.params.get("store_path") or call.params["resource"]
        raise not_found(
            "Resource not found.; GetMetadataStore is unable to find metadata store resource "
            f"with name: {store_name}"
        )
    return store


def get_store(call: Call) -> dict[str, Any]:
    return render_store(_store(call))


def create_store(call: Call) -> dict[str, Any]:
    store_id = call.query.get("metadataStoreId") or str(uuid.uuid4())
    if not RESOURCE_ID.match(store_id):
        raise invalid_argument(f"Invalid metadata_store_id {store_id!r}.")
    if store_id in call.state.metadata_stores:
        raise already_exists(f"MetadataStore {store_id} already exists.")
    name = f"{call.state.location_name}/metadataStores/{store_id}"
    store = MetadataStoreRecord(name, call.now, call.body.get("description", ""))
    call.state.metadata_stores[store_id] = store
    response = {"@type": operations.TYPE_PREFIX + "google.cloud.aiplatform.v1.MetadataStore"}
    response.update(render_store(store))
    return operations.finished(
        call.state, name, "CreateMetadataStoreOperationMetadata", call.now, response
    )


def _context(call: Call) -> ContextRecord:
    _store(call)
    context = call.state.contexts.get((call.params["store"], call.params["context"]))
    if context is None:
        raise not_found(
            "Resource not found.; GetContext is unable to find context resource with name: "
            f"{call.params['resource']}"
        )
    return context


def create_context(call: Call) -> dict[str, Any]:
    store = _store(call)
    context_id = call.query.get("contextId") or str(uuid.uuid4())
    if not RESOURCE_ID.match(context_id):
        raise invalid_argument(f"Invalid context_id {context_id!r}: 4-128 characters of [a-z0-9-].")
    key = (call.params["store"], context_id)
    if key in call.state.contexts:
        raise already_exists(f"Context {store.name}/contexts/{context_id} already exists.")
    if not call.body.get("schemaTitle"):
        raise invalid_argument("context.schema_title is required.")
    context = ContextRecord(
        store=call.params["store"],
        context_id=context_id,
        name=f"{store.name}/contexts/{context_id}",
        schema_title=call.body["schemaTitle"],
        create_time=call.now,
        update_time=call.now,
        seq=call.state.next_seq(),
    )
    _update(context, call.body, list(CONTEXT_FIELDS))
    call.state.contexts[key] = context
    return render_context(context)


def _update(context: ContextRecord, body: dict[str, Any], keys: list[str]) -> None:
    for key in keys:
        if key in body:
            setattr(context, CONTEXT_FIELDS[key], body[key])


def get_context(call: Call) -> dict[str, Any]:
    return render_context(_context(call))


def list_contexts(call: Call) -> dict[str, Any]:
    _store(call)
    matches = filters.compile_filter(call.query.get("filter", ""), FILTER_FIELDS)
    found = [
        c for c in call.state.contexts.values() if c.store == call.params["store"] and matches(c)
    ]
    ordered = listing.order(found, call.query.get("orderBy", ""), ORDER_KEYS, "create_time")
    page, next_token = listing.page(ordered, call.query, default_size=100, max_size=1000)
    answer: dict[str, Any] = {}
    if page:
        answer["contexts"] = [render_context(context) for context in page]
    if next_token:
        answer["nextPageToken"] = next_token
    return answer


def patch_context(call: Call) -> dict[str, Any]:
    context = _context(call)
    mask = [p for p in call.query.get("updateMask", "").split(",") if p.strip()]
    keys = [listing.camel(p) for p in mask] or list(CONTEXT_FIELDS)
    unknown = [key for key in keys if key not in CONTEXT_FIELDS]
    if unknown:
        raise invalid_argument(f"update_mask names fields that cannot be updated: {unknown}.")
    _update(context, call.body, keys)
    context.update_time = call.now
    context.etag += 1
    return render_context(context)


def delete_context(call: Call) -> dict[str, Any]:
    context = _context(call)
    del call.state.contexts[(context.store, context.context_id)]
    return operations.finished(call.state, context.name, "DeleteOperationMetadata", call.now)
