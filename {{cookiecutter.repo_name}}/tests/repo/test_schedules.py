"""Schedules in manifests: every validation rule has a negative test, with its line.

The manifest is ``VALID_MANIFEST`` (lines 1-10) with a ``schedules:`` section from line 11; the
project has one pipeline, ``pipelines/demo/train.py``. Parameters are checked against the
compiled pipeline (``tests/repo`` compiles a real one for those cases).
"""

from __future__ import annotations

import textwrap

import pytest

from scripts.build.schedule_inputs import check_schedule_parameters
from scripts.cli.main import main
from scripts.repo.manifests import load_project, manifest_problems
from scripts.repo.model import Repo
from tests.helpers.mini_repo import VALID_MANIFEST, make_mini_repo

PIPELINE = """\
from kfp import dsl


@dsl.component
def fit(rows: int, rate: float, tag: str, fast: bool) -> str:
    return tag


@dsl.pipeline
def train(rows: int, rate: float = 0.1, tag: str = "x", fast: bool = False):
    fit(rows=rows, rate=rate, tag=tag, fast=fast)
"""
SCHEDULE = (
    "schedules:\n"
    "  - name: nightly\n"
    "    pipeline: train\n"
    "    cron: '0 3 * * *'\n"
    "    parameters: {rows: 100}\n"
)


@pytest.fixture
def mini(tmp_path):
    repo = make_mini_repo(tmp_path / "repo")
    repo.write("pipelines/demo/train.py", PIPELINE)
    return repo


def problems_of(mini, schedules: str) -> list[str]:
    mini.project("demo", VALID_MANIFEST + textwrap.dedent(schedules))
    return [str(problem) for problem in manifest_problems(Repo(mini.root))]


def test_a_valid_schedule_has_no_problems_and_gets_the_defaults(mini):
    assert problems_of(mini, SCHEDULE) == []
    (schedule,) = load_project(Repo(mini.root), "demo").schedules
    assert schedule.display_name == "demo/nightly"
    assert (schedule.experiment, schedule.environments) == ("Default", ("prod",))
    assert (schedule.enabled, schedule.max_concurrency, schedule.catchup) == (True, 1, False)
    assert (schedule.manifest_path, schedule.line) == ("projects/demo.yml", 12)


CASES = {
    "unknown pipeline": (
        SCHEDULE.replace("pipeline: train", "pipeline: trian"),
        "projects/demo.yml:13: schedule pipeline 'trian' is not a pipeline of this project — "
        "use one of: train",
    ),
    "unknown experiment": (
        SCHEDULE + "    experiment: Sneakers\n",
        "projects/demo.yml:16: schedule experiment 'Sneakers' is not in this manifest's "
        "experiments — add it there or use one of them",
    ),
    "duplicate name": (
        SCHEDULE + "  - {name: Nightly, pipeline: train, cron: '@daily'}\n",
        "projects/demo.yml:16: schedule 'Nightly' repeats 'nightly' (first at line 12) for KFP",
    ),
    "six-field cron": (
        SCHEDULE.replace("'0 3 * * *'", "'0 0 3 * * *'"),
        "projects/demo.yml:14: cron '0 0 3 * * *' has 6 fields — write the standard 5",
    ),
    "four-field cron": (
        SCHEDULE.replace("'0 3 * * *'", "'0 3 * *'"),
        "projects/demo.yml:14: cron '0 3 * *' has 4 field(s), not 5",
    ),
    "unknown macro": (
        SCHEDULE.replace("'0 3 * * *'", "'@every 1h'"),
        "projects/demo.yml:14: cron '@every 1h' is not a known macro",
    ),
    "max_concurrency above 10": (
        SCHEDULE + "    max_concurrency: 11\n",
        "projects/demo.yml:16: schedules[0].max_concurrency",
    ),
    "max_concurrency below 1": (
        SCHEDULE + "    max_concurrency: 0\n",
        "projects/demo.yml:16: schedules[0].max_concurrency",
    ),
    "unknown environment": (
        SCHEDULE + "    environments: [prod, staging]\n",
        "projects/demo.yml:16: schedule environment 'staging' is not defined in "
        "environments.yml — use one of dev, prod",
    ),
    "unknown key": (
        SCHEDULE + "    timezone: UTC\n",
        "projects/demo.yml:16: unknown key 'timezone'",
    ),
    "missing cron": (
        "schedules:\n  - name: nightly\n    pipeline: train\n",
        "projects/demo.yml:12: schedules[0]: missing key 'cron'",
    ),
    "bad name": (
        SCHEDULE.replace("name: nightly", "name: Nightly Train"),
        "projects/demo.yml:12: schedules[0].name 'Nightly Train' is not valid",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_schedule_rule(mini, case):
    schedules, expected = CASES[case]
    problems = problems_of(mini, schedules)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_the_default_environment_must_exist(mini):
    environments = (mini.root / "environments.yml").read_text()
    mini.write("environments.yml", environments.replace("  prod:", "  live:"))
    problems = problems_of(mini, SCHEDULE)
    assert any("schedule environment 'prod' (the default) is not defined" in p for p in problems)


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (
            "{rows: 100, learning_rate: 0.1}",
            "train has no parameter 'learning_rate' — its "
            "parameters: fast: bool = false, rate: float = 0.1, rows: int (required), tag: str",
        ),
        ("{rate: 0.2}", "train needs parameter rows (rows: int (required)) — add it"),
        ("{rows: '100'}", "parameter rows is text, not an integer (rows: int (required))"),
        ("{rows: 1.5}", "parameter rows is a number, not an integer"),
        ("{rows: true}", "parameter rows is true/false, not an integer"),
        ("{rows: 1, rate: fast}", "parameter rate is text, not a number"),
        ("{rows: 1, fast: 1}", "parameter fast is a number, not true or false"),
        ("{rows: 1, tag: 5}", "parameter tag is a number, not text"),
    ],
)
def test_parameters_are_checked_against_the_compiled_inputs(mini, parameters, expected):
    mini.project("demo", VALID_MANIFEST + SCHEDULE.replace("{rows: 100}", parameters))
    repo = Repo(mini.root)
    schedules = load_project(repo, "demo").schedules
    problems = [str(p) for p in check_schedule_parameters(repo, schedules)]
    assert (
        len(problems) == 1 and f"projects/demo.yml:12: schedule nightly: {expected}" in problems[0]
    )


def test_an_int_is_a_valid_float_and_valid_parameters_pass(mini):
    mini.project("demo", VALID_MANIFEST + SCHEDULE.replace("{rows: 100}", "{rows: 5, rate: 1}"))
    repo = Repo(mini.root)
    assert check_schedule_parameters(repo, load_project(repo, "demo").schedules) == []


def with_package(mini):
    mini.write(f"{Repo(mini.root).settings.components_package}/__init__.py", "")


def test_validate_reports_parameter_problems_with_the_line(mini, capsys):
    with_package(mini)
    mini.project("demo", VALID_MANIFEST + SCHEDULE.replace("{rows: 100}", "{rows: many}"))
    assert main(["--repo", str(mini.root), "validate"]) == 1
    err = capsys.readouterr().err
    assert "projects/demo.yml:12: schedule nightly: parameter rows is text, not an integer" in err
    assert "Traceback" not in err


def test_validate_counts_the_schedules_it_checked(mini, capsys):
    with_package(mini)
    mini.project("demo", VALID_MANIFEST + SCHEDULE)
    assert main(["--repo", str(mini.root), "validate"]) == 0
    assert "1 schedule(s)" in capsys.readouterr().out


def mapped(name: str) -> str:
    """How a workflow's env maps the secret ``name`` to the variable of that name (built
    without two braces in a row: this file passes through the template engine)."""
    return f"{name}: $" + "{" + "{" + f" secrets.{name} " + "}" + "}"


def test_slo_and_notify_are_read(mini):
    manifest = (
        VALID_MANIFEST
        + SCHEDULE
        + (
            "    slo: {max_duration: 1h30m, start_within: 10m}\n"
            "notify: {github_issue: false, slack_webhook_secret: SLACK_DEMO}\n"
        )
    )
    mini.write(".github/workflows/monitor.yml", f"    env:\n      {mapped('SLACK_DEMO')}\n")
    assert problems_of(mini, manifest[len(VALID_MANIFEST) :]) == []
    project = load_project(Repo(mini.root), "demo")
    (schedule,) = project.schedules
    assert (
        schedule.slo.max_duration.total_seconds(),
        schedule.slo.start_within.total_seconds(),
    ) == (
        5400.0,
        600.0,
    )
    assert (project.notify.github_issue, project.notify.slack_webhook_secret) == (
        False,
        "SLACK_DEMO",
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    slo: {max_duration: 2 hours}\n",
            "projects/demo.yml:16: schedules[0].slo.max_duration",
        ),
        ("    slo: {start_within: 0.5h}\n", "projects/demo.yml:16: schedules[0].slo.start_within"),
        ("    slo: {deadline: 2h}\n", "projects/demo.yml:16: unknown key 'deadline'"),
        (
            "notify: {slack_webhook_secret: https://hooks.slack.com/x}\n",
            "projects/demo.yml:16: notify.slack_webhook_secret",
        ),
    ],
)
def test_slo_and_notify_rules(mini, extra, expected):
    problems = problems_of(mini, SCHEDULE + extra)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_webhook_secret_the_monitor_workflow_does_not_pass_is_a_problem(mini):
    mini.write(".github/workflows/monitor.yml", f"    env:\n      {mapped('OTHER')}\n")
    problems = problems_of(mini, SCHEDULE + "notify: {slack_webhook_secret: SLACK_DEMO}\n")
    assert problems == [
        "projects/demo.yml:16: notify.slack_webhook_secret SLACK_DEMO is not passed to the monitor "
        f"— add `{mapped('SLACK_DEMO')}` to the env of the monitor step in "
        ".github/workflows/monitor.yml, and the secret to the prod Environment"
    ]
