"""What an ``images`` run costs when nothing changed, as ratios to a real build and to the floor.

    python benchmarks/images.py [--components N] [--files N]

Starts its own Docker Engine and registry (as the tests do: Debian ``docker.io`` and
``docker-registry``, root needed), writes N ``FROM scratch`` components into a temporary repo,
then times, in this run:

- build: ``images --all --push --pin`` from nothing (build, push, pin every component);
- rerun: the same command again, nothing changed (every tag found in the registry: no build);
- floor: what any rerun must do at least: hash every context and ask the registry once per
  component.

The number that matters is rerun/build: CI on main pays the rerun for every merge that does not
touch a component. Nothing is asserted here; timing belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.cli import main as cli
from scripts.images.context import context_hash
from scripts.images.engine import connect_engine, remote_digest
from tests.helpers.docker_services import find_binary, start_engine, start_registry, stop

ROOT = Path(__file__).resolve().parents[1]


def make_repo(folder: Path, components: int, files: int) -> list[Path]:
    shutil.copytree(ROOT / "scripts", folder / "scripts")
    shutil.copytree(ROOT / "schemas", folder / "schemas")
    for name in ("pyproject.toml", "environments.yml"):
        shutil.copy(ROOT / name, folder / name)
    made = []
    for index in range(components):
        component = folder / "components" / f"bench-{index}"
        (component / "src").mkdir(parents=True)
        (component / "Dockerfile").write_text("FROM scratch\nCOPY src/ /app/\n")
        (component / "component.yaml").write_text(
            f"name: bench {index}\nimplementation:\n  container:\n"
            f"    image: example.invalid/bench-{index}:dev\n    command: [x]\n"
        )
        for number in range(files):
            (component / "src" / f"module_{number}.py").write_bytes(os.urandom(4096))
        made.append(component)
    return made


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run_images(repo: Path) -> None:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["images", "--repo", str(repo), "--env", "dev", "--all", "--push", "--pin"])
    if code != 0:
        raise SystemExit(f"images exited {code}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=5)
    parser.add_argument("--files", type=int, default=200, help="4 KiB files per component")
    args = parser.parse_args(argv)
    dockerd, registry_binary = find_binary("dockerd"), find_binary("docker-registry")
    if not (dockerd and registry_binary) or os.geteuid() != 0:
        print("needs root and the docker.io and docker-registry packages", file=sys.stderr)
        return 2
    engine_dir = Path(tempfile.mkdtemp(prefix="dk-", dir="/tmp"))
    registry_dir = Path(tempfile.mkdtemp(prefix="reg-", dir="/tmp"))
    work = Path(tempfile.mkdtemp(prefix="bench-images-"))
    engine = registry = None
    try:
        engine, docker_host = start_engine(dockerd, engine_dir)
        registry, address = start_registry(registry_binary, registry_dir)
        os.environ.update(
            DOCKER_HOST=docker_host, IMAGE_REGISTRY=f"{address}/bench", DOCKER_CONFIG=str(work)
        )
        repo = work / "repo"
        components = make_repo(repo, args.components, args.files)

        build = timed(lambda: run_images(repo))
        rerun = timed(lambda: run_images(repo))
        client = connect_engine()

        def floor() -> None:
            for component in components:
                tag = context_hash(component)
                remote_digest(client, f"{address}/bench/{component.name}:{tag}", None)

        least = timed(floor)
    finally:
        for process in (registry, engine):
            if process is not None:
                stop(process)
        for folder in (engine_dir, registry_dir, work):
            shutil.rmtree(folder, ignore_errors=True)

    print(f"{args.components} components x {args.files} files of 4 KiB")
    print(f"build, push, pin from nothing: {build:7.2f} s")
    print(f"rerun, nothing changed:        {rerun:7.2f} s   ({rerun / build:.3f} of the build)")
    print(
        f"floor (hash + 1 lookup each):  {least:7.2f} s   (rerun is {rerun / least:.1f}x the floor)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
