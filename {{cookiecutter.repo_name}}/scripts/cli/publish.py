# Do not edit: the template owns this file (make template-update brings its changes).
"""``publish``: upload what ``compile`` built to an environment's KFP, and sync experiments."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts.core.errors import ProblemsFound, ScriptError, UsageError

HELP = (
    "upload the compiled pipelines (build/compile.json) as versions to an environment's KFP "
    "(or as tagged templates to its Artifact Registry, on Vertex AI), and create the projects' "
    "experiments"
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
        help="print the plan (create, upload, exists, unchanged) and send no write request; "
        "with the server unreachable, the plan alone, marked offline (exit 0)",
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
        help="also write the result as JSON for `comment` (its schema: "
        "scripts/targets/publish/report.py)",
    )
    parser.add_argument(
        "--jobs", type=int, default=4, metavar="N", help="concurrent uploads (default: 4)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from scripts.build.index import CompileIndex
    from scripts.core.output import Reporter
    from scripts.core.report import emit
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_projects
    from scripts.repo.model import Repo
    from scripts.targets.publish.plan import build_plan
    from scripts.targets.publish.versions import chosen_version_name

    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    version = chosen_version_name(args.version, repo.root)
    build_dir = args.build if args.build.is_absolute() else repo.root / args.build
    index = CompileIndex.read(build_dir)
    projects = load_projects(repo, validate=False)
    plan = build_plan(
        index,
        build_dir,
        projects,
        environment=environment.name,
        default_namespace=environment.namespace,
        version=version,
    )
    report, retries = _publish(args, plan, environment, repo.settings.github_repository)
    touched = tuple(p for p in projects if p.name in plan.projects)
    report.syncs = _sync(repo, environment, touched, args.dry_run)
    emit(report, args.format)
    write_summaries(args, report)
    if retries:
        Reporter().info(f"note: {retries} transient failure(s) retried")
    problems = report.problems()
    if problems:
        raise ProblemsFound(problems)
    return 0


def _publish(args: argparse.Namespace, plan, environment, repository: str = ""):
    """Apply the plan through the environment's target, preflighted once; returns the report
    and how many transient failures were retried. On a pull request, versions are marked for
    `cleanup` (``repository``: the settings' fallback)."""
    from scripts.targets.errors import is_unreachable
    from scripts.targets.publish.apply import apply_plan
    from scripts.targets.publish.report import PublishReport
    from scripts.targets.publish.versions import pull_request_mark
    from scripts.targets.select import target_for

    report = PublishReport(
        environment=environment.name,
        host=environment.address,
        version=plan.version,
        dry_run=args.dry_run,
        pipelines=[],
        experiments=[],
    )
    target = target_for(environment)
    try:
        target.connect()  # preflight: unreachable, 401 and 403 stop here, one line
    except ScriptError as error:
        if args.dry_run and is_unreachable(error):
            return _offline(report, plan, error), 0
        # The PR comment and the job summary still say why nothing was published.
        report.error = str(error)
        write_summaries(args, report)
        raise
    publisher = target.publisher(
        plan,
        version=plan.version,
        dry_run=args.dry_run,
        always_upload=args.always_upload,
        mark=pull_request_mark(repository),
    )
    report.pipelines, report.experiments = apply_plan(plan, publisher, jobs=args.jobs)
    return report, target.retries_done


def _offline(report, plan, error: ScriptError):
    """A dry run with no server to compare with: the plan alone, after one warning line that
    names the host and why (``error``, the preflight's line) on stderr."""
    from scripts.core.errors import Problem
    from scripts.core.output import Reporter
    from scripts.targets.publish.apply import offline_results

    report.offline = str(error)
    Reporter().problem(
        Problem("", None, f"dry run offline, not compared with the server: {error}", "warning")
    )
    report.pipelines, report.experiments = offline_results(plan)
    return report


def _sync(repo, environment, touched, dry_run: bool) -> list:
    """The installed integrations' steps (e.g. Polyaxon projects) for the touched projects."""
    from scripts.integrations import SyncContext, run_sync_steps

    return run_sync_steps(SyncContext(repo, environment, touched, dry_run))


def write_summaries(args: argparse.Namespace, report) -> None:
    """``--summary-json`` for the PR comment and, in GitHub Actions, the job summary."""
    from scripts.core.actions import ActionsContext
    from scripts.core.report import render_markdown

    if args.summary_json:
        path = args.summary_json
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n"
        path.write_text(text, encoding="utf-8")
    ActionsContext.from_environ().write_step_summary(render_markdown(report.document()))
