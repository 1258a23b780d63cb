"""`make demo`: bake a monorepo and run its CI flow locally, the way the workflows would.

1. bake the template with its defaults into OUT_DIR/acme-ml-pipelines;
2. make it a git repository with a first commit on main;
3. on a branch, change shared code that some pipelines import;
4. run the pull-request flow: validate, codeowners --check, changed, compile --changed,
   a local run of the example pipeline, then publish to a KFP API test server started here
   (dry run, real upload, and the same upload again to show it is idempotent).

Every step is the same `python -m scripts ...` command CI runs; the output says where the
results are.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bake import GIT_IDENTITY, bake, git, init_git

BRANCH = "feature/better-split"
SHARED_MODULE = "acme_components/data.py"
SHARED_CHANGE = (
    "\n\n# Demo change on a branch: shared code, so exactly its importers are affected.\n"
)


def banner(text: str) -> None:
    print(f"\n\033[1m==> {text}\033[0m", flush=True)


def scripts(repo: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    command = [sys.executable, "-m", "scripts", *args]
    print("$ python -m scripts " + " ".join(args), flush=True)
    result = subprocess.run(command, cwd=repo, env={**os.environ, **(env or {})}, check=False)
    if check and result.returncode != 0:
        raise SystemExit(f"demo: `python -m scripts {' '.join(args)}` failed ({result.returncode})")
    return result.returncode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def kfp_test_server(repo: Path):
    """The generated repo's KFP API test server, in its own process on 127.0.0.1."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.kfp_api", "--port", str(port)],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"demo: KFP test server did not start: {process.stderr.read()}"
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_branch_with_shared_change(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", BRANCH)
    with open(repo / SHARED_MODULE, "a", encoding="utf-8") as module:
        module.write(SHARED_CHANGE)
    git(repo, "commit", "-q", "-am", f"Change shared code in {SHARED_MODULE}")


def main(argv: list[str] | None = None) -> int:
    out_dir = Path((argv or sys.argv[1:] or ["build/demo"])[0]).resolve()
    target = out_dir / "acme-ml-pipelines"
    if target.exists():
        subprocess.run(["rm", "-rf", str(target)], check=True)

    banner(f"Bake the template with its defaults into {target}")
    repo = bake(out_dir)
    init_git(repo)
    print(f"git repository with one commit on main: {git(repo, 'rev-parse', '--short', 'HEAD')}")

    banner(f"Branch {BRANCH}: change {SHARED_MODULE}")
    make_branch_with_shared_change(repo)

    banner("Checks: manifests, environments, component specs, CODEOWNERS")
    scripts(repo, "validate")
    scripts(repo, "codeowners", "--check")

    banner("What does the change affect?")
    scripts(repo, "changed", "--base", "main")

    banner("Compile the affected pipelines")
    scripts(repo, "compile", "--changed", "--base", "main")
    print(f"compiled specs: {repo / 'build' / 'pipelines'}; index: {repo / 'build/compile.json'}")

    banner("Run the example training pipeline locally with kfp.local")
    scripts(repo, "run", "price-suggestion/train_model", "--local")

    with kfp_test_server(repo) as url:
        env = {"KFP_HOST": url, **GIT_IDENTITY}
        banner(f"Publish to dev (a KFP API test server at {url})")
        scripts(repo, "publish", "--env", "dev", "--dry-run", env=env)
        scripts(repo, "publish", "--env", "dev", "--summary-json", "build/publish.json", env=env)
        banner("Publish again: same commit, nothing new (idempotent)")
        scripts(repo, "publish", "--env", "dev", env=env)
        # The example project schedules train_model in prod; the test server stands in for it.
        banner(f"Schedules: the plan for prod's recurring runs (the same test server, {url})")
        scripts(repo, "schedules", "--env", "prod", "--dry-run", env=env)
        banner("Schedules: apply it (created disabled, then enabled, pinned to this version)")
        scripts(repo, "schedules", "--env", "prod", env=env)
        banner("Schedules: sync again: nothing changed, so no write request")
        scripts(repo, "schedules", "--env", "prod", env=env)

    banner("Done")
    print(
        f"generated repo: {repo}\ncompiled specs: {repo / 'build/pipelines'}\n"
        f"publish summary: {repo / 'build/publish.json'}\nlocal run outputs: "
        f"{repo / 'build/local'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
