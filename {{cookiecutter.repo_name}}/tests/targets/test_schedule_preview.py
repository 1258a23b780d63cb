"""The PR comment's "Schedules on merge": computed from the manifests at the merge base and the
head, with no server and no credentials."""

from __future__ import annotations

import pytest

from scripts.cli import main as cli
from scripts.repo.environments import Environment
from scripts.repo.model import Repo
from scripts.targets.schedules.preview import preview_schedules
from tests.helpers.pipeline_repos import manifest

SCHEDULES = (
    "schedules:\n"
    "  - {name: nightly, pipeline: train_model, cron: '0 3 * * *'}\n"
    "  - {name: hourly, pipeline: score, cron: '@hourly'}\n"
    "  - {name: weekly, pipeline: score, cron: '@weekly'}\n"
)
PROD = Environment("prod", "https://kfp.example.com", timezone="Europe/Berlin")


def test_the_preview_lists_what_the_merge_creates_replaces_pauses_and_removes(pipeline_repo):
    alpha = manifest("alpha", ["Default", "Trading Cards"])
    pipeline_repo.write("projects/alpha.yml", alpha + SCHEDULES)
    pipeline_repo.commit("schedules")
    pipeline_repo.git("checkout", "-q", "-b", "feature")
    changed = (
        SCHEDULES.replace("'0 3 * * *'", "'0 4 * * *'")
        .replace("'@hourly'}", "'@hourly', enabled: false}")
        .replace("  - {name: weekly, pipeline: score, cron: '@weekly'}\n", "")
        + "  - {name: monthly, pipeline: train_model, cron: '@monthly', environments: [prod]}\n"
        + "  - {name: dev-only, pipeline: score, cron: '@daily', environments: [dev]}\n"
    )
    pipeline_repo.write("projects/alpha.yml", alpha + changed)
    pipeline_repo.commit("change schedules")
    report = preview_schedules(Repo(pipeline_repo.path), PROD, base="main")
    rows = {row.key: (row.action, row.changes) for row in report.rows}
    assert rows == {
        "alpha/hourly": ("pause", []),
        "alpha/monthly": ("create", []),
        "alpha/nightly": ("replace", ["cron"]),
        "alpha/weekly": ("remove", []),
    }
    text = report.document()
    assert "crons read in Europe/Berlin" in str(text.blocks[0])


def test_a_changed_pipeline_re_pins_its_schedules(pipeline_repo):
    pipeline_repo.write("projects/alpha.yml", manifest("alpha", ["Default"]) + SCHEDULES)
    pipeline_repo.commit("schedules")
    pipeline_repo.git("checkout", "-q", "-b", "feature")
    path = pipeline_repo.path / "pipelines/alpha/score.py"
    pipeline_repo.write("pipelines/alpha/score.py", path.read_text().replace("says", "tells"))
    pipeline_repo.commit("change score")
    report = preview_schedules(Repo(pipeline_repo.path), PROD, base="main")
    assert {row.key: (row.action, row.changes) for row in report.rows} == {
        "alpha/hourly": ("replace", ["version"]),
        "alpha/weekly": ("replace", ["version"]),
    }


def test_the_preview_reaches_the_pr_comment_through_its_summary_file(
    pipeline_repo, tmp_path, capsys
):
    from scripts.targets.publish.report import PublishReport

    pipeline_repo.write("projects/alpha.yml", manifest("alpha", ["Default"]))
    pipeline_repo.commit("no schedules yet")
    pipeline_repo.git("checkout", "-q", "-b", "feature")
    pipeline_repo.write("projects/alpha.yml", manifest("alpha", ["Default"]) + SCHEDULES)
    pipeline_repo.commit("schedules")
    preview = tmp_path / "schedules.json"
    root = str(pipeline_repo.path)
    assert (
        cli.main(
            [
                "schedules",
                "--repo",
                root,
                "--env",
                "prod",
                "--preview",
                "main",
                "--summary-json",
                str(preview),
            ]
        )
        == 0
    )
    summary = tmp_path / "publish.json"
    report = PublishReport("dev", "https://kfp.dev", "feature-1a2b3c4d", False, [], [])
    summary.write_text(__import__("json").dumps(report.to_json()), encoding="utf-8")
    capsys.readouterr()
    assert (
        cli.main(
            [
                "comment",
                "--repo",
                root,
                "--pr",
                "7",
                "--summary",
                str(summary),
                "--schedules",
                str(preview),
                "--dry-run",
            ]
        )
        == 0
    )
    body = capsys.readouterr().out
    assert "Schedules on merge (prod)" in body
    assert "`alpha/nightly`" in body and "create (planned)" in body
    assert "`0 3 * * *` (UTC)" in body


@pytest.mark.parametrize("content", ["[1, 2]", '{"rows": 3}', "not json"])
def test_a_broken_preview_file_is_one_configuration_error(tmp_path, capsys, content):
    from scripts.targets.publish.report import PublishReport

    summary = tmp_path / "publish.json"
    report = PublishReport("dev", "https://kfp.dev", "feature-1a2b3c4d", False, [], [])
    summary.write_text(__import__("json").dumps(report.to_json()), encoding="utf-8")
    preview = tmp_path / "preview.json"
    preview.write_text(content, encoding="utf-8")
    args = ["comment", "--pr", "7", "--summary", str(summary), "--schedules", str(preview)]
    code = cli.main([*args, "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(preview) in err and "Traceback" not in err and "internal error" not in err
