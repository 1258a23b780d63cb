"""What the run and recurring-run tests of the KFP test server share: a compiled pipeline,
one published version, raw HTTP, request bodies and filters.

(No `from __future__ import annotations`: the KFP SDK reads the pipeline's annotations as real
types.)
"""

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.servers.kfp_api import KfpApiServer

PIPELINE = "sched-pipeline"
V2 = "/apis/v2beta1"
RECURRING = f"{V2}/recurringruns"
RUNS = f"{V2}/runs"


def at(*fields: int) -> dt.datetime:
    """A UTC moment: at(2026, 1, 5, 3) is 2026-01-05T03:00:00Z."""
    return dt.datetime(*fields, tzinfo=dt.UTC)


def seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def compile_pipeline(path: Path, *, name: str = PIPELINE, strict: bool = False) -> Path:
    """`x: int = 1`, or (strict) a required `rows: int` and an optional `label: str`."""
    from kfp import compiler, dsl

    @dsl.component(base_image="python:3.11")
    def echo(value: int, label: str) -> str:
        return f"{label}{value}"

    if strict:

        @dsl.pipeline
        def job(rows: int, label: str = "n=") -> None:
            echo(value=rows, label=label)

    else:

        @dsl.pipeline
        def job(x: int = 1) -> None:
            echo(value=x, label="x=")

    compiler.Compiler().compile(job, str(path), pipeline_name=name)
    return path


@dataclass
class Published:
    """One uploaded pipeline with its first version, and an experiment to schedule it in."""

    pipeline_id: str
    version_id: str
    experiment_id: str

    def body(self, **overrides: object) -> dict:
        """A valid recurring-run body pinned to the version (overrides replace keys; None
        drops one)."""
        body = {
            "display_name": "nightly",
            "experiment_id": self.experiment_id,
            "pipeline_version_reference": {
                "pipeline_id": self.pipeline_id,
                "pipeline_version_id": self.version_id,
            },
            "trigger": {"cron_schedule": {"cron": "0 0 3 * * *"}},
            "mode": "ENABLE",
            "max_concurrency": "1",
        }
        body.update(overrides)
        return {key: value for key, value in body.items() if value is not None}


def publish(client, package: Path, *, name: str = PIPELINE, namespace: str | None = None):
    pipeline = client.upload_pipeline(str(package), pipeline_name=name, namespace=namespace)
    (version,) = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    experiment = client.create_experiment(f"{name}/exp", namespace=namespace)
    return Published(pipeline.pipeline_id, version.pipeline_version_id, experiment.experiment_id)


class Raw:
    """One HTTP exchange: status and body (parsed JSON when it is JSON)."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.text = status, body.decode()
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    @property
    def detail(self) -> str:
        """`details[0].message`: the external message clients should match on."""
        return self.json["details"][0]["message"]


def raw(
    server: KfpApiServer, method: str, path: str, *, query: dict | None = None, body=None
) -> Raw:
    url = server.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Raw(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Raw(error.code, error.read())


def create(server: KfpApiServer, body: dict) -> Raw:
    return raw(server, "POST", RECURRING, body=body)


def predicates(*items: tuple) -> str:
    """A filter from (key, operation, value_field, value) tuples."""
    return json.dumps(
        {
            "predicates": [
                {"key": key, "operation": operation, value_field: value}
                for key, operation, value_field, value in items
            ]
        }
    )


def slots(runs) -> list[dt.datetime]:
    """The `scheduled_at` of fired runs (server records), as UTC datetimes."""
    return [dt.datetime.fromtimestamp(run.scheduled_at, dt.UTC) for run in runs]
