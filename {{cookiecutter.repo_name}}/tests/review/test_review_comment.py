"""The pipelines' diff in the pull-request comment: one collapsed section per pipeline, safe,
and within GitHub's size limit."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest

from scripts.build.diff.model import FieldChange, ItemDiff, PipelineDiff
from scripts.build.diff.report import DiffReport
from scripts.build.diff.run import diff_specs
from scripts.cli.main import main
from scripts.core.report import Document
from scripts.github import comment
from tests.github.test_comment import pipeline, summary_document


def as_report(*pipelines: PipelineDiff) -> DiffReport:
    return DiffReport("a" * 40, "b" * 40, "origin/main", tuple(pipelines))


def test_each_changed_pipeline_is_a_collapsed_section_with_its_summary(report):
    body = comment.render_comment(summary_document(), review=report)
    assert body.startswith(comment.MARKER)
    image = (
        "<details><summary><b>cases/image</b>: 2 tasks changed; image of <code>train</code> "
        "changed</summary>"
    )
    assert image in body
    section = body[body.index(image) : body.index("</details>", body.index(image))]
    assert "**Components**" in section and "- image: `python:3.11` -> `python:3.12`" in section
    assert "```mermaid\nflowchart TD" in section
    assert "- <b>cases/gone</b>: deleted pipeline" in body  # nothing to unfold
    assert "No change to the compiled pipeline: `cases/noop`, `cases/variable`." in body
    assert body.index("### KFP") < body.index("### Pipeline diff") < body.index("<sub>Written by")
    assert "To fit GitHub's size limit" not in body


def test_extra_sections_follow_the_diff(report):
    schedules = Document("Schedules on merge", (("nightly: ", "unchanged"),))
    body = comment.render_comment(summary_document(), review=report, sections=[schedules])
    assert "### Schedules on merge\n\nnightly: unchanged" in body
    assert body.index("### Pipeline diff") < body.index("### Schedules on merge")
    assert body.index("### Schedules on merge") < body.index("<sub>Written by")
    without_diff = comment.render_comment(summary_document(), sections=[schedules])
    assert "### Schedules on merge" in without_diff and "Pipeline diff" not in without_diff


def test_values_in_the_summary_line_cannot_mention_link_or_add_html():
    evil = PipelineDiff(
        "shop/train",
        "pipelines/shop/train.py",
        "changed",
        inputs=(ItemDiff("lr", "changed", (FieldChange("default", "@acme/all <b>", "[x](y)"),)),),
    )
    body = comment.render_comment(summary_document(), review=as_report(evil))
    assert "<code>@acme/all &lt;b&gt;</code>" in body
    assert "- default: `@acme/all <b>` -> `[x](y)`" in body  # in the body: code spans
    assert "<b>@" not in body and " @acme" not in body.replace("`@acme", "")


def fifty(pipeline_diff: PipelineDiff) -> DiffReport:
    copies = [
        dataclasses.replace(pipeline_diff, selector=f"shop/pipeline_{i:02d}") for i in range(50)
    ]
    return as_report(*copies)


def test_fifty_large_pipelines_fit_dropping_pictures_then_details(big_spec):
    changed = copy.deepcopy(big_spec)
    for task in changed["root"]["dag"]["tasks"].values():  # every task gets its own change
        task["inputs"]["parameters"]["message"]["runtimeValue"]["constant"] += "!"
    big = diff_specs("p/big", "pipelines/p/big.py", big_spec, changed)
    assert len(big.tasks) == 200
    summary = summary_document(*(pipeline(f"shop/pipeline_{i:02d}", "uploaded") for i in range(50)))
    body = comment.render_comment(summary, review=fifty(big))
    assert len(body) <= comment.MAX_COMMENT_CHARS
    assert "```mermaid" not in body
    assert "To fit GitHub's size limit: pictures of 50 pipeline(s) left out; " in body
    assert re.search(r"the details of 4\d pipeline\(s\) left out\. `make diff BASE=", body)
    for i in range(50):  # every pipeline keeps at least its summary line
        assert f"<b>shop/pipeline_{i:02d}</b>: 200 tasks changed</summary>" in body or (
            f"- <b>shop/pipeline_{i:02d}</b>: 200 tasks changed\n" in body
        )
    assert "| `shop/pipeline_49` | uploaded |" in body  # the publish table is whole


def test_a_component_change_names_its_tasks_once(big_spec):
    changed = copy.deepcopy(big_spec)
    for executor in changed["deploymentSpec"]["executors"].values():
        executor["container"]["image"] = "python:3.12"
    big = diff_specs("p/big", "pipelines/p/big.py", big_spec, changed)
    body = comment.render_comment(summary_document(), review=as_report(big))
    assert "200 tasks changed; image of <code>step</code> changed" in body
    assert "`step-9`, `step-10` and 190 more" in body  # the component's tasks, once
    assert "**Tasks**" not in body  # and no task again on its own


def test_fifty_ordinary_pipelines_keep_the_pictures_that_fit(diffs):
    body = comment.render_comment(summary_document(), review=fifty(diffs["inputs"]))
    assert len(body) <= comment.MAX_COMMENT_CHARS
    drawn = body.count("```mermaid")
    assert drawn == 50 or (0 < drawn < 50 and f"pictures of {50 - drawn} pipeline(s)" in body)


def test_the_comment_command_reads_the_diff_file(tmp_path, capsys, report):
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps(summary_document()), encoding="utf-8")
    review = tmp_path / "diff.json"
    review.write_text(json.dumps(report.to_json()), encoding="utf-8")
    args = ["comment", "--pr", "7", "--summary", str(summary), "--diff", str(review)]
    assert main([*args, "--dry-run"]) == 0
    assert "<details><summary><b>cases/caching</b>: 1 task changed</summary>" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file — write it first with `diff --format json --output FILE`"),
        ("{", "not a JSON pipeline diff"),
        ('{"schema": "other"}', "not a pipeline diff of schema kfp-monorepo/review-diff@1"),
        ('{"schema": "kfp-monorepo/review-diff@1", "pipelines": [{}]}', "not a pipeline diff"),
    ],
)
def test_a_bad_diff_file_is_one_line_and_exit_2(tmp_path, capsys, content, expected):
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps(summary_document()), encoding="utf-8")
    review = tmp_path / "diff.json"
    if content is not None:
        review.write_text(content, encoding="utf-8")
    args = ["comment", "--pr", "7", "--summary", str(summary), "--diff", str(review), "--dry-run"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{review}: {expected}") and "\n" not in err
