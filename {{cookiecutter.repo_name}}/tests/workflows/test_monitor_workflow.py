"""monitor.yml, read as data: when it runs, what it may do, and what it passes the monitor.

actionlint and zizmor check it with the other workflows in the template's own tests."""

from __future__ import annotations

import re

import yaml

from scripts.repo.environments import load_environment
from scripts.repo.manifests import load_projects
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.prod_target import google_permissions

MONITOR = REPO_ROOT / ".github" / "workflows" / "monitor.yml"
OPEN = "$" + "{" * 2  # a GitHub expression, without two braces in a row (template engine)


def workflow() -> dict:
    return yaml.safe_load(MONITOR.read_text(encoding="utf-8"))


def monitor_step(document: dict) -> dict:
    (step,) = [s for s in document["jobs"]["monitor"]["steps"] if "scripts monitor" in str(s)]
    return step


def test_it_runs_on_the_monitor_cron_and_by_hand():
    document = workflow()
    (schedule,) = document[True]["schedule"]  # PyYAML reads the key `on` as True
    assert "workflow_dispatch" in document[True]
    prod = load_environment(REPO_ROOT, "prod", environ={})
    assert schedule["cron"] == prod.monitor_cron  # --since auto reads the latter


def test_it_may_only_read_the_code_and_write_issues():
    document = workflow()
    job = document["jobs"]["monitor"]
    assert document["permissions"] == {}
    expected = {"contents": "read", "issues": "write"} | google_permissions("prod")
    assert job["permissions"] == expected
    assert job["environment"] == "prod"
    (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["persist-credentials"] is False


def test_the_monitor_gets_its_secrets_through_env_never_in_the_script():
    step = monitor_step(workflow())
    assert step["run"] == "python -m scripts monitor --env prod --since auto --format github"
    assert OPEN not in step["run"]
    assert step["env"]["KFP_TOKEN"] == f"{OPEN} secrets.KFP_TOKEN " + "}" * 2
    assert step["env"]["GITHUB_TOKEN"] == f"{OPEN} github.token " + "}" * 2


def test_every_webhook_secret_a_manifest_names_is_passed():
    env = monitor_step(workflow())["env"]
    for project in load_projects(Repo(REPO_ROOT)):
        secret = project.notify.slack_webhook_secret
        if secret:
            assert env[secret] == f"{OPEN} secrets.{secret} " + "}" * 2
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in env)
