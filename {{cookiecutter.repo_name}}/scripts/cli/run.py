# Do not edit: the template owns this file (make template-update brings its changes).
"""``run``: run one pipeline on this machine (kfp.local) or start a run of it on KFP."""

from __future__ import annotations

import argparse
import textwrap

from scripts.core.errors import UsageError

HELP = (
    "run a pipeline on this machine with kfp.local, or start a run of its uploaded version on "
    "KFP; --local runs it here (outputs under build/local/), --env ENV on that environment"
)
EPILOG = """\
examples:
  python -m scripts run price-suggestion/train_model --local
  python -m scripts run price-suggestion/train_model --local --param max_rmse=8 --param l2=0.5
  python -m scripts run price-suggestion/train_model --env dev --experiment Sneakers \\
      --param category=Sneakers

--param values are checked against the pipeline's parameters before anything runs: int, float,
bool (true/false), str as written, list and dict as JSON."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The examples keep their line breaks; the description is wrapped here instead.
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = textwrap.fill(HELP, 79)
    parser.epilog = EPILOG
    parser.add_argument("selector", metavar="SELECTOR", help="<project>/<pipeline>")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--local",
        action="store_true",
        help="run here with kfp.local; outputs under build/local/",
    )
    where.add_argument("--env", metavar="ENV", help="start a run on this environment's KFP")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a pipeline parameter (repeatable); the others keep their defaults",
    )
    parser.add_argument(
        "--version",
        metavar="NAME",
        help="with --env: the uploaded version to run (default: the pipeline's latest)",
    )
    parser.add_argument(
        "--experiment",
        metavar="NAME",
        help="with --env: an experiment of the project's manifest (default: its first)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="with --local: show every task's full log, not one line per task",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _one_pipeline(repo, selector: str):
    pipelines = repo.select([selector])
    if len(pipelines) != 1:
        listed = ", ".join(p.selector for p in pipelines)
        raise UsageError(f"{selector!r} names {len(pipelines)} pipelines ({listed}) — pick one")
    return pipelines[0]


def run(args: argparse.Namespace) -> int:
    from scripts.build.parameters import parse_param_flags
    from scripts.repo.model import Repo

    if args.local and (args.version or args.experiment):
        raise UsageError("--version and --experiment go with --env, not --local")
    if args.verbose and not args.local:
        raise UsageError("--verbose goes with --local")
    given = parse_param_flags(args.param)
    repo = Repo.discover(args.repo)
    pipeline = _one_pipeline(repo, args.selector)
    if args.local:
        return _run_local(args, repo, pipeline, given)
    return _run_remote(args, repo, pipeline, given)


def _run_local(args, repo, pipeline, given) -> int:
    from scripts.build.discovery import routed_warnings
    from scripts.core.output import Reporter, print_json
    from scripts.targets.kfp import local_run

    # Python warnings of the pipeline's code and of kfp.local become warning lines of their own
    # on stderr (shown even when the run fails), never Python's two-line text among ours.
    recorded: list = []
    try:
        with routed_warnings(repo.root, pipeline) as recorded:
            result = _local_result(args, repo, pipeline, given)
    finally:
        Reporter().problems(recorded)
    if args.format == "json":
        print_json(result.to_json(repo.root))
    else:
        print(local_run.text_report(repo, result))
    if result.failed:
        raise local_run.failure_error(repo, result)
    return 0


def _local_result(args, repo, pipeline, given):
    from scripts.build.discovery import discover
    from scripts.build.parameters import bind_parameters
    from scripts.targets.kfp import local_run

    discovered = discover(repo.root, pipeline)
    arguments = bind_parameters(
        local_run.spec_document(discovered.function),
        given,
        pipeline=pipeline.selector,
        path=pipeline.path,
        line=discovered.line,
    )
    return local_run.run_local(repo, pipeline, discovered.function, arguments, verbose=args.verbose)


def _run_remote(args, repo, pipeline, given) -> int:
    from scripts.core.naming import check_version_name
    from scripts.core.output import print_json
    from scripts.repo.environments import load_environment
    from scripts.repo.manifests import load_project
    from scripts.targets.select import connected_target

    if args.version is not None:
        check_version_name(args.version)
    environment = load_environment(repo.root, args.env)
    project = load_project(repo, pipeline.project, validate=False)
    started = connected_target(environment).start_run(
        pipeline,
        project,
        given,
        version=args.version,
        experiment=args.experiment,
        repository=repo.settings.github_repository or repo.root.name,
    )
    if args.format == "json":
        print_json(started.to_json())
    else:
        print(
            f"started a run of {started.pipeline} version {started.version} in experiment "
            f"{started.experiment} on {environment.name}:\n{started.link}"
        )
    return 0
