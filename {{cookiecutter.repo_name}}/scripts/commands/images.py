"""``images``: build container components' images, push them, pin component.yaml by digest."""

from __future__ import annotations

import argparse
import sys

from scripts.errors import Problem, ProblemsFound, UsageError
from scripts.output import (
    Reporter,
    in_github_actions,
    markdown_table,
    print_json,
    text_table,
    write_step_summary,
)
from scripts.repo import Repo
from scripts.selection import ALL, CHANGED, Selection

HELP = (
    "Build the images of container components (components/<name>/Dockerfile), tagged by a hash "
    "of their build context; with --push push the missing ones to the environment's registry, "
    "with --pin rewrite each component.yaml image line to <registry>/<name>@sha256:<digest>. "
    "Tags the registry already has are neither built nor pushed. Build logs go to stderr."
)
TABLE_HEADERS = ("component", "status", "image", "pinned")
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
    from scripts import images

    mode = SELECTION.mode(args)
    if mode == ALL:
        return images.container_components(repo)
    if mode == CHANGED:
        return images.changed_components(repo, args.base)
    return images.select_components(repo, args.names)


def log_line(name: str, line: str) -> None:
    """Build and push output, streamed as it comes, prefixed so interleaving stays readable."""
    print(f"[{name}] {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from scripts import images
    from scripts.environments import load_environment

    if args.pin and not args.push:
        raise UsageError("--pin needs --push: a digest exists only once the registry has it")
    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    registry = images.check_registry(environment.image_registry, args.env)
    auth = images.registry_auth()
    components = select(repo, args)
    reporter = Reporter()
    if not components:
        if args.format == "json":
            print_json(
                {"env": args.env, "registry": registry, "dry_run": args.dry_run, "components": []}
            )
        else:
            print("images: no container components to build")
        return 0

    preflight = images.preflight_problems(components, pin=args.pin)
    if preflight:
        raise ProblemsFound(preflight)
    client = images.connect_engine()
    plans = images.plan_images(
        client,
        components,
        registry,
        auth=auth,
        registry_required=args.push,
        warn=lambda message: reporter.problem(Problem("", None, message, "warning")),
    )
    if args.dry_run:
        results = images.dry_run_results(plans, push=args.push, pin=args.pin)
    else:
        results = images.apply_plan(
            client, plans, repo, push=args.push, pin=args.pin, auth=auth, log=log_line
        )
    report(results, args=args, registry=registry)
    failed = [r for r in results if r.status == "failed"]
    if failed:
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


def report(results: list, *, args: argparse.Namespace, registry: str) -> None:
    rows = [
        (
            r.plan.component.name,
            r.status,
            r.plan.reference,
            ("updated" if r.pin_changed else "unchanged") if r.pinned else "-",
        )
        for r in results
    ]
    if args.format == "json":
        print_json(
            {
                "env": args.env,
                "registry": registry,
                "dry_run": args.dry_run,
                "components": [r.as_json() for r in results],
            }
        )
    else:
        print(text_table(TABLE_HEADERS, rows))
        counts = {}
        for result in results:
            counts[result.status] = counts.get(result.status, 0) + 1
        print("images: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if in_github_actions():
        write_step_summary(f"### images ({args.env})\n\n{markdown_table(TABLE_HEADERS, rows)}")
