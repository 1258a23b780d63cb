"""The setup the schedules and monitor benchmarks share (a helper, not a benchmark itself).

Both measure against a KFP API test server that already holds the pipelines ``bench-pNN``, each
with the version ``VERSION``, and both sync one project ``bench`` of many schedules with
``sync_schedules`` so its recurring runs are ours. Kept here so the two measure the same setup.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from scripts.repo.environments import Environment
from scripts.repo.manifests import Experiment, Project
from scripts.repo.schedules import Schedule, Slo
from scripts.targets.kfp.client import connect
from scripts.targets.kfp.target import KfpScheduleScope
from scripts.targets.schedules.report import ScheduleReport
from scripts.targets.schedules.sync import sync_schedules
from tests.servers.kfp_api import KfpApiServer
from tests.servers.schedule_helpers import compile_pipeline

REPOSITORY = "acme/bench"
VERSION = "main-00000000"  # every pipeline's one version, the one the schedules pin
MANIFEST = "projects/bench.yml"
NO_SLO = Slo()  # what a manifest without `slo:` gives


def bench_project(
    schedules: int, pipelines: int, cron: Callable[[int], str], *, slo: Slo = NO_SLO
) -> Project:
    """Project ``bench`` with ``schedules`` schedules ``sNNN`` spread over ``pipelines``
    pipelines ``pNN``, schedule ``i`` on ``cron(i)``, all in the dev environment."""
    rows = tuple(
        Schedule(
            "bench",
            f"s{index:03d}",
            f"p{index % pipelines:02d}",
            cron(index),
            environments=("dev",),
            slo=slo,
            manifest_path=MANIFEST,
        )
        for index in range(schedules)
    )
    return Project(
        "bench",
        "",
        (Experiment("Default"),),
        ("@acme/ml",),
        schedules=rows,
        manifest_path=MANIFEST,
    )


def upload_pipelines(server: KfpApiServer, count: int) -> None:
    """Pipelines ``bench-p00`` .. with one version each, ``VERSION``."""
    client = connect(Environment("dev", server.url)).client
    package = compile_pipeline(Path(tempfile.mkdtemp(prefix="schedules-bench-")) / "p.yaml")
    for index in range(count):  # the SDK prints a link per upload: keep the output readable
        with contextlib.redirect_stdout(io.StringIO()):
            pipeline = client.upload_pipeline(str(package), pipeline_name=f"bench-p{index:02d}")
            client.upload_pipeline_version(str(package), VERSION, pipeline_id=pipeline.pipeline_id)


@contextlib.contextmanager
def server_with_pipelines(
    pipelines: int, *, clock: datetime | None = None
) -> Iterator[tuple[KfpApiServer, Environment]]:
    """A started test server (its clock stopped at ``clock`` when given) holding ``pipelines``
    uploaded pipelines, and the dev environment pointing at it; stopped on exit."""
    server = KfpApiServer().start()
    try:
        if clock is not None:
            server.clock.set(clock)
        upload_pipelines(server, pipelines)
        yield server, Environment("dev", server.url)
    finally:
        server.stop()


def sync(
    projects: list[Project], environment: Environment, api, *, now: datetime
) -> ScheduleReport:
    """One ``schedules`` sync of ``projects`` pinned to ``VERSION``, through ``api`` (a
    ``KfpApi``) for every namespace."""
    return sync_schedules(
        projects,
        environment,
        lambda namespace: KfpScheduleScope(api),
        repository=REPOSITORY,
        version_name=VERSION,
        dry_run=False,
        now=now,
    )
