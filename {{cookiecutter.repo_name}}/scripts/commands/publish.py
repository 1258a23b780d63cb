"""``publish``: upload what ``compile`` built to an environment's KFP, and sync experiments."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts.errors import Problem, ProblemsFound, ScriptError, UsageError

HELP = (
    "upload the compiled pipelines (build/compile.json) as versions to an environment's KFP, "
    "and create the projects' experiments"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", required=True, metavar="ENV", help="environment from environments.yml"
    )
    parser.add_argument(
        "--version",
        metavar="NAME",
        help="KFP version name (default: <branch>-<sha8> from git, or GITHUB_HEAD_REF / "
        "GITHUB_REF_NAME and GITHUB_SHA in GitHub Actions)",
    )
    parser.add_argument(
        "--build",
        type=Path,
        default=Path("build"),
        metavar="DIR",
        help="compile output folder, relative to the repo root (default: build)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (create, upload, exists, unchanged) and send no write request",
    )
    parser.add_argument(
        "--always-upload",
        action="store_true",
        help="upload a new version even when the spec equals the latest version's",
    )
    parser.add_argument(
        "--summary-json",
        type=Path,
        metavar="FILE",
        help="also write the result as JSON (schema in scripts/publish.py) for `comment`",
    )
    parser.add_argument(
        "--jobs", type=int, default=4, metavar="N", help="concurrent uploads (default: 4)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from scripts import publish
    from scripts.compile import read_index
    from scripts.environments import load_environment
    from scripts.kfp_api import connect
    from scripts.manifests import load_projects
    from scripts.output import Reporter, print_json
    from scripts.repo import Repo

    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    version = (
        publish.check_version_name(args.version)
        if args.version is not None
        else publish.default_version_name(repo.root)
    )
    build_dir = args.build if args.build.is_absolute() else repo.root / args.build
    index = read_index(build_dir)
    projects = load_projects(repo, validate=False)
    plan = publish.build_plan(
        index,
        build_dir,
        projects,
        environment=environment.name,
        default_namespace=environment.namespace,
        version=version,
    )

    def new_report(**results) -> publish.PublishReport:
        return publish.PublishReport(
            environment=environment.name,
            host=environment.kfp_host,
            version=version,
            dry_run=args.dry_run,
            **results,
        )

    try:
        api = connect(environment)  # preflight: unreachable, 401 and 403 stop here, one line
    except ScriptError as error:
        # The PR comment and the job summary still say why nothing was published.
        write_summaries(args, new_report(pipelines=[], experiments=[], error=str(error)))
        raise
    apis = {environment.namespace: api}

    def api_for(namespace: str | None):
        if namespace not in apis:
            apis[namespace] = api.in_namespace(namespace)
        return apis[namespace]

    for target in plan.pipelines + plan.experiments:  # create them before the threads start
        api_for(target.namespace)
    publisher = publish.Publisher(
        api_for,
        version=version,
        dry_run=args.dry_run,
        always_upload=args.always_upload,
    )
    pipelines, experiments = publish.apply_plan(plan, publisher, jobs=args.jobs)
    touched = tuple(p for p in projects if p.name in plan.projects)
    syncs = publish.run_sync_steps(publish.SyncContext(repo, environment, touched, args.dry_run))
    report = new_report(pipelines=pipelines, experiments=experiments, syncs=syncs)
    if args.format == "json":
        print_json(report.to_json())
    else:
        print(publish.text_report(report))
    write_summaries(args, report)
    if api.retries_done:
        Reporter().info(f"note: {api.retries_done} transient failure(s) retried")
    problems = [
        Problem(p.source, p.line, f"{p.display_name}: {p.message}")
        for p in pipelines
        if p.status == "failed"
    ]
    problems += [
        Problem("", None, f"experiment {e.name}: {e.message}")
        for e in experiments
        if e.status == "failed"
    ]
    problems += [
        Problem("", None, f"{s.kind} {s.name}: {s.message}") for s in syncs if s.status == "failed"
    ]
    if problems:
        raise ProblemsFound(problems)
    return 0


def write_summaries(args: argparse.Namespace, report) -> None:
    """``--summary-json`` for the PR comment and, in GitHub Actions, the job summary."""
    from scripts.output import in_github_actions, write_step_summary
    from scripts.publish import markdown_report

    if args.summary_json:
        path = args.summary_json
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n"
        path.write_text(text, encoding="utf-8")
    if in_github_actions():
        write_step_summary(markdown_report(report))
