# Do not edit: the template owns this file (make template-update brings its changes).
"""``python -m scripts validate [--format text|json]``."""

from __future__ import annotations

import argparse

from scripts.core.actions import ActionsContext
from scripts.core.errors import ProblemsFound
from scripts.core.output import Reporter, print_json
from scripts.repo.model import Repo

HELP = (
    "Check every project manifest, environments.yml, [tool.kfp-monorepo] in pyproject.toml and "
    "every components/*/component.yaml "
    "(schemas and cross-checks; schedules' parameters against their compiled pipelines); "
    "list all problems as path:line: message, exit 1 if any."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: one document on stdout with errors and warnings (default: text)",
    )


def run(args: argparse.Namespace) -> int:
    from scripts.repo.validate import validate_repo

    repo = Repo.discover(args.repo)
    report = validate_repo(repo)
    if not report.errors:  # parameters are checked against specs only once the files are sound
        _check_schedule_parameters(repo, report)
    if args.format == "json":
        print_json(report.as_json())
        return 1 if report.errors else 0
    Reporter().problems(report.warnings)
    checked = (
        f"{report.checked['manifests']} manifest(s), environments.yml, "
        f"{report.checked['components']} component spec(s)"
    )
    if report.checked.get("schedules"):
        checked += f", {report.checked['schedules']} schedule(s)"
    if report.errors:
        summary = f"### validate\n\n{len(report.errors)} problem(s) in {checked}."
        ActionsContext.from_environ().write_step_summary(summary)
        raise ProblemsFound(report.errors)
    print(f"validate: ok ({checked}; {len(report.warnings)} warning(s))")
    return 0


def _check_schedule_parameters(repo: Repo, report) -> None:
    """Compile the scheduled pipelines and check the schedules' parameters against their
    inputs (the only check of validate that needs kfp, so only when there are schedules)."""
    from scripts.repo.manifests import load_projects

    schedules = [s for project in load_projects(repo, validate=False) for s in project.schedules]
    if not schedules:
        return
    from scripts.build.schedule_inputs import check_schedule_parameters

    report.checked["schedules"] = len(schedules)
    for problem in check_schedule_parameters(repo, schedules):
        (report.warnings if problem.severity == "warning" else report.errors).append(problem)
