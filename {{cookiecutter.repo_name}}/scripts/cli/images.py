# Do not edit: the template owns this file (make template-update brings its changes).
"""``images``: build container components' images, push them, pin component.yaml by digest."""

from __future__ import annotations

import argparse
import sys

from scripts.cli.selection import ALL, CHANGED, Selection
from scripts.core.actions import ActionsContext
from scripts.core.errors import Problem, ProblemsFound, UsageError
from scripts.core.output import Reporter
from scripts.core.report import emit, render_markdown
from scripts.repo.model import Repo

HELP = (
    "Build the images of container components (components/<name>/Dockerfile), tagged by a hash "
    "of their build context; with --push push the missing ones to the environment's registry, "
    "with --pin rewrite each component.yaml image line to <registry>/<name>@sha256:<digest>. "
    "Tags the registry already has are neither built nor pushed. Build logs go to stderr."
)
SELECTION = Selection(dest="names", metavar="NAME", verb="build", label="component NAMEs")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    SELECTION.add_arguments(
        parser,
        names_help="component names (folders under components/)",
        all_help="every container component",
        changed_help="the components changed since --base (see `changed`)",
        base_help="base git reference for --changed, or auto (the base of the GitHub Actions "
        "event; origin/main outside Actions)",
    )
    parser.add_argument(
        "--env",
        required=True,
        metavar="ENV",
        help="environment in environments.yml whose image_registry to use "
        "(IMAGE_REGISTRY overrides it)",
    )
    parser.add_argument(
        "--push",
        action="store_true",
        help="push images the registry lacks (credentials: REGISTRY_USERNAME and "
        "REGISTRY_PASSWORD, else the engine's docker login)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="rewrite the image line of each component.yaml to the pushed digest (needs --push)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (tags, what would be built, pushed, pinned) and change nothing",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: one document on stdout, build logs stay on stderr (default: text)",
    )


def select(repo: Repo, args: argparse.Namespace) -> list:
    from scripts.images import plan

    mode = SELECTION.mode(args)
    if mode == ALL:
        return plan.container_components(repo)
    if mode == CHANGED:
        return plan.changed_components(repo, args.base)
    return plan.select_components(repo, args.names)


def log_line(name: str, line: str) -> None:
    """Build and push output, streamed as it comes, prefixed so interleaving stays readable."""
    print(f"[{name}] {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from scripts.images import engine
    from scripts.images.report import ImagesReport
    from scripts.repo.environments import load_environment

    if args.pin and not args.push:
        raise UsageError("--pin needs --push: a digest exists only once the registry has it")
    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    registry = engine.check_registry(environment.image_registry, args.env)
    auth = engine.registry_auth()
    components = select(repo, args)
    report = ImagesReport(env=args.env, registry=registry, dry_run=args.dry_run)
    if components:
        report.results = _build(args, repo, components, registry, auth)
    emit(report, args.format)
    if components:
        ActionsContext.from_environ().write_step_summary(render_markdown(report.document()))
    failed = report.failed()
    if failed:
        reporter = Reporter()
        for result in failed:
            if result.log_tail:
                reporter.info(f"--- last lines of the build log of {result.plan.component.name}:")
                for line in result.log_tail:
                    reporter.info(f"    {line}")
        raise ProblemsFound(
            [
                Problem(r.error_path or r.plan.component.path, r.error_line, r.error or "failed")
                for r in failed
            ]
        )
    return 0


def _build(args: argparse.Namespace, repo: Repo, components: list, registry: str, auth) -> list:
    """Check the files, plan against the registry, then build, push and pin (or, with
    --dry-run, say what would happen)."""
    from scripts.images import build, engine, plan

    preflight = plan.preflight_problems(components, pin=args.pin)
    if preflight:
        raise ProblemsFound(preflight)
    client = engine.connect_engine()
    reporter = Reporter()
    plans = plan.plan_images(
        client,
        components,
        registry,
        auth=auth,
        registry_required=args.push,
        warn=lambda message: reporter.problem(Problem("", None, message, "warning")),
    )
    if args.dry_run:
        return build.dry_run_results(plans, push=args.push, pin=args.pin)
    return build.apply_plan(
        client, plans, repo, push=args.push, pin=args.pin, auth=auth, log=log_line
    )
