# Do not edit: the template owns this file (make template-update brings its changes).
"""What cleanup needs to know from the server, read page by page: every pipeline of the
namespaces involved with all its versions (newest first, with their marks), and the recurring
runs that refer to them.

The version lists of different pipelines are independent, so they are read ``jobs`` at a time;
every request goes through ``KfpApi.call`` (retries, one-line errors).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from scripts.targets.cleanup.plan import Inventory, PipelineInfo, VersionInfo
from scripts.targets.publish.marks import pipeline_mark, version_mark

PAGE_SIZE = 200  # the server's maximum


class Reader:
    def __init__(self, api_for: Callable[[str | None], Any], repository: str, *, jobs: int):
        self.api_for = api_for
        self.repository = repository
        self.jobs = max(1, jobs)
        self.requests = 0
        self._lock = threading.Lock()

    def _pages(self, api: Any, what: str, call: Callable, field: str, *args, **kwargs) -> Iterator:
        token = ""
        while True:
            with self._lock:
                self.requests += 1
            response = api.call(what, call, *args, page_token=token, page_size=PAGE_SIZE, **kwargs)
            yield from getattr(response, field) or []
            token = response.next_page_token or ""
            if not token:
                return

    def read(self, namespaces: Iterable[str | None]) -> Inventory:
        pinned: dict[str, str] = {}
        following: dict[str, str] = {}
        rows: list[tuple[str | None, Any]] = []
        for namespace in sorted(set(namespaces), key=str):
            api = self.api_for(namespace)
            scope = {"namespace": api.namespace} if api.namespace else {}
            client = api.client
            found = self._pages(api, "list pipelines", client.list_pipelines, "pipelines", **scope)
            rows += [(namespace, p) for p in found]
            for job in self._pages(
                api, "list recurring runs", client.list_recurring_runs, "recurring_runs", **scope
            ):
                _note_reference(job, pinned, following)
        with ThreadPoolExecutor(self.jobs, thread_name_prefix="cleanup-read") as pool:
            pipelines = list(pool.map(lambda row: self._pipeline(*row), rows))
        return Inventory(tuple(pipelines), pinned, following, self.requests)

    def _pipeline(self, namespace: str | None, row: Any) -> PipelineInfo:
        api = self.api_for(namespace)
        versions = [
            VersionInfo(
                version_id=v.pipeline_version_id,
                name=v.name or v.display_name or "",
                created_at=_aware(v.created_at),
                mark=version_mark(v.description, v.tags, self.repository),
            )
            for v in self._pages(
                api,
                f"list versions of {row.name}",
                api.client.list_pipeline_versions,
                "pipeline_versions",
                row.pipeline_id,
                sort_by="created_at desc",
            )
        ]
        return PipelineInfo(
            pipeline_id=row.pipeline_id,
            name=row.name or row.display_name or "",
            namespace=namespace,
            created_for=pipeline_mark(row.description, self.repository),
            versions=tuple(versions),
        )


def _note_reference(job: Any, pinned: dict[str, str], following: dict[str, str]) -> None:
    """A recurring run pins a version, or (no version id) follows its pipeline's latest."""
    reference = job.pipeline_version_reference
    if reference is None or not (reference.pipeline_id or reference.pipeline_version_id):
        return  # an inline spec: frozen, refers to nothing
    name = job.display_name or job.recurring_run_id
    if reference.pipeline_version_id:
        pinned.setdefault(reference.pipeline_version_id, name)
    else:
        following.setdefault(reference.pipeline_id, name)


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
