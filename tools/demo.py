"""`make demo`: bake a monorepo and run its CI flow locally, the way the workflows would.

1. bake the template with its defaults into OUT_DIR/acme-ml-pipelines;
2. make it a git repository with a first commit on main;
3. on a branch, change shared code that some pipelines import;
4. run the pull-request flow: validate, codeowners --check, changed, the diff of what the change
   does to the compiled pipelines, compile --changed, a local run of the example pipeline, then
   publish to a KFP API test server started here (dry run, real upload, and the same upload
   again to show it is idempotent);
5. the post-merge life on that server: schedules, then a night of trouble for monitor;
6. prod moved to Vertex AI (`target: vertex` in environments.yml): publish and schedules
   against the generated repo's Vertex AI and Artifact Registry test servers, reached with
   Workload Identity Federation credentials as in GitHub Actions.

Every step is the same `python -m scripts ...` command CI runs; the output says where the
results are.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bake import GIT_IDENTITY, bake, git, init_git

BRANCH = "feature/better-split"
SHARED_MODULE = "acme_components/data.py"
SHARED_CHANGE = (
    "\n\n# Demo change on a branch: shared code, so exactly its importers are affected.\n"
)
# ... and a real one: the default seed of split_dataset, which the diff then shows.
SHARED_EDIT = ("    seed: int = 42,\n", "    seed: int = 7,\n")
GCP_PROJECT, GCP_REGION = "acme-ml-prod", "europe-west4"
VERTEX_PROD = f"""\
    target: vertex
    project: {GCP_PROJECT}
    region: {GCP_REGION}
    registry: https://{GCP_REGION}-kfp.pkg.dev/{GCP_PROJECT}/pipelines
    pipeline_root: gs://{GCP_PROJECT}-pipelines/root
    service_account: pipelines@{GCP_PROJECT}.iam.gserviceaccount.com
"""


def banner(text: str) -> None:
    print(f"\n\033[1m==> {text}\033[0m", flush=True)


def scripts(repo: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    command = [sys.executable, "-m", "scripts", *args]
    print("$ python -m scripts " + " ".join(args), flush=True)
    result = subprocess.run(command, cwd=repo, env={**os.environ, **(env or {})}, check=False)
    if check and result.returncode != 0:
        raise SystemExit(f"demo: `python -m scripts {' '.join(args)}` failed ({result.returncode})")
    return result.returncode


@contextmanager
def kfp_test_server(repo: Path):
    """The generated repo's KFP API test server, in this process on 127.0.0.1, so the demo can
    move its clock and report run states as KFP's controller and Argo would on a cluster."""
    sys.path.insert(0, str(repo))
    try:
        from tests.servers.kfp_api import KfpApiServer

        server = KfpApiServer().start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        sys.path.remove(str(repo))


@contextmanager
def google_test_servers(repo: Path, folder: Path):
    """The generated repo's Vertex AI and Artifact Registry test servers (TLS with a throwaway
    CA), and the environment a job gets from google-github-actions/auth plus the endpoint
    overrides: what the commands need to reach them."""
    sys.path.insert(0, str(repo))
    try:
        from tests.servers.artifact_registry import ArtifactRegistryServer
        from tests.servers.tls import make_tls_files
        from tests.servers.vertex_api import VertexApiServer
        from tests.servers.vertex_fixtures import credentials_environment

        tls = make_tls_files(folder / "tls")
        with (
            VertexApiServer(tls=tls, project=GCP_PROJECT, location=GCP_REGION) as vertex,
            ArtifactRegistryServer(tls) as registry,
        ):
            env = credentials_environment(vertex, folder / "gcp-credentials")
            env |= {
                "REQUESTS_CA_BUNDLE": str(tls.ca_cert),
                "SSL_CERT_FILE": str(tls.ca_cert),
                "VERTEX_API_ENDPOINT": vertex.endpoint,
                "KFP_REGISTRY_HOST": registry.add_repository(GCP_PROJECT, "pipelines"),
            }
            yield env
    finally:
        sys.path.remove(str(repo))


def prod_on_vertex(repo: Path) -> None:
    """environments.yml's prod as a platform team switches it to Vertex AI."""
    path = repo / "environments.yml"
    text = path.read_text(encoding="utf-8")
    old = '  prod:\n    kfp_host: "https://kfp.example.com"\n'
    if old not in text:
        raise SystemExit("demo: environments.yml no longer has the default prod kfp_host")
    path.write_text(text.replace(old, "  prod:\n" + VERTEX_PROD), encoding="utf-8")


def night_with_trouble(server) -> str:
    """Tomorrow at 03:00 UTC the nightly run starts and fails; the night after, nothing starts
    (say the controller was down). Returns the moment to check at, ISO 8601."""
    tomorrow = datetime.now(UTC).replace(hour=3, minute=0, second=5, microsecond=0)
    tomorrow += timedelta(days=1)
    for run in server.advance_to(tomorrow):
        server.set_run_state(run.uuid, "FAILED")
    check_at = tomorrow + timedelta(days=1, hours=2)
    server.clock.set(check_at)
    return check_at.isoformat()


def make_branch_with_shared_change(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", BRANCH)
    module = repo / SHARED_MODULE
    text = module.read_text(encoding="utf-8")
    if text.count(SHARED_EDIT[0]) != 1:
        raise SystemExit(f"demo: {SHARED_MODULE} no longer has {SHARED_EDIT[0].strip()!r}")
    module.write_text(text.replace(*SHARED_EDIT) + SHARED_CHANGE, encoding="utf-8")
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

    banner("What does it do to the compiled pipelines? (the PR comment shows this, drawn too)")
    scripts(repo, "diff", "--base", "main")

    banner("Compile the affected pipelines")
    scripts(repo, "compile", "--changed", "--base", "main")
    print(f"compiled specs: {repo / 'build' / 'pipelines'}; index: {repo / 'build/compile.json'}")

    banner("Run the example training pipeline locally with kfp.local")
    scripts(repo, "run", "price-suggestion/train_model", "--local")

    with kfp_test_server(repo) as server:
        url = server.url
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
        banner("Monitor: the next night's run fails, and the night after nothing starts")
        check_at = night_with_trouble(server)
        print("(the test server's clock and runs moved as KFP and Argo would move them)")
        scripts(
            repo,
            "monitor",
            "--env",
            "prod",
            "--since",
            "2d",
            "--until",
            check_at,
            "--dry-run",
            env=env,
        )

    banner("Prod on Vertex AI instead: environments.yml says target: vertex, nothing else moves")
    prod_on_vertex(repo)
    scripts(repo, "validate")
    with google_test_servers(repo, out_dir / "google") as env:
        print("(Vertex AI and Artifact Registry test servers; Workload Identity credentials)")
        banner("Publish to prod: templates tagged in Artifact Registry, Vertex AI Experiments")
        scripts(repo, "publish", "--env", "prod", env=env)
        banner("Publish again: the tags already name the same specs (idempotent)")
        scripts(repo, "publish", "--env", "prod", env=env)
        banner("Schedules on Vertex AI: pinned to sha256 versions, the cron with its TZ=")
        scripts(repo, "schedules", "--env", "prod", env=env)
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
