"""The review diff on real pipelines: each kind of change gives exactly its entries.

One git repository holds every pair of ``pairs.CASES`` (base commit, then head commit); one
``diff_pipelines`` run compiles both sides with the real compiler (the base in a worktree) and
each test reads its own pipeline's result (fixtures in ``conftest.py``).
"""

from __future__ import annotations

import pytest

from scripts.build.diff.model import ComponentChange, FieldChange, ItemDiff
from scripts.build.diff.report import DiffReport
from scripts.build.diff.run import diff_pipelines
from scripts.repo.model import Repo
from tests.review.pairs import CASES

# How the compiler writes the input `text` into a container's args, in double braces (built
# from parts: the template renders this file and would read the braces as its own).
TEXT_PLACEHOLDER = "{" * 2 + "$.inputs.parameters['text']" + "}" * 2


def test_every_case_is_reported_once_in_path_order(report):
    assert [p.selector for p in report.pipelines] == sorted(f"cases/{n}" for n in CASES)
    assert report.base is not None and report.head is None  # the working tree


def test_pipeline_inputs_added_removed_and_changed(diffs):
    pipeline = diffs["inputs"]
    assert pipeline.inputs == (
        ItemDiff("lr", "changed", (FieldChange("default", 0.1, 0.05),)),
        ItemDiff(
            "new",
            "added",
            (FieldChange("type", None, "BOOLEAN"), FieldChange("default", None, True)),
        ),
        ItemDiff(
            "old",
            "removed",
            (FieldChange("type", "STRING", None), FieldChange("default", "x", None)),
        ),
        ItemDiff(
            "tag",
            "changed",
            (FieldChange("type", "STRING", "NUMBER_INTEGER"), FieldChange("default", "v1", 1)),
        ),
    )
    assert pipeline.tasks == (
        ItemDiff(
            "say", "changed", (FieldChange("input message", "inputs.old", '"x"'),), None, "say"
        ),
    )
    assert pipeline.summary.startswith("1 task changed; default of lr 0.1 -> 0.05; input new added")


def test_tasks_added_and_removed(diffs):
    assert diffs["tasks"].tasks == (
        ItemDiff("add", "removed", (), None, "add"),
        ItemDiff("echo", "added", (FieldChange("image", None, "alpine:3.19"),), None, "echo"),
    )
    assert diffs["tasks"].summary == "1 task added, 1 removed"


def test_a_task_renamed_by_the_compiler_is_matched_by_component(diffs):
    # A second `say` before the first one: the old task is now `say-2`, unchanged otherwise.
    assert diffs["rename"].tasks == (
        ItemDiff("say", "added", (FieldChange("image", None, "python:3.11"),), None, "say"),
        ItemDiff("say-2", "renamed", (), "say", "say"),
    )


def test_an_image_change_is_shown_once_for_the_component(diffs):
    pipeline = diffs["image"]
    assert pipeline.components == (
        ComponentChange(
            "train", ("train", "train-2"), (FieldChange("image", "python:3.11", "python:3.12"),)
        ),
    )
    assert [(t.name, t.status, t.changes) for t in pipeline.tasks] == [
        ("train", "changed", ()),
        ("train-2", "changed", ()),
    ]
    assert pipeline.summary == "2 tasks changed; image of train changed"


def test_command_and_args_of_a_container_component(diffs):
    assert diffs["command"].components == (
        ComponentChange(
            "shout",
            ("shout",),
            (
                FieldChange("command", ["echo"], ["printf"]),
                FieldChange(
                    "args",
                    [TEXT_PLACEHOLDER],
                    ["%s", TEXT_PLACEHOLDER],
                ),
            ),
        ),
    )


def test_the_code_of_a_lightweight_component_is_its_command(diffs):
    (change,) = diffs["code"].components
    assert change.component == "train"
    assert [c.field for c in change.changes] == ["command"]
    assert "return x * 2" in change.changes[0].after[-1]
    assert "return x * 2" not in change.changes[0].before[-1]


def test_input_wiring_and_the_edge_it_made(diffs):
    pipeline = diffs["wiring"]
    assert pipeline.tasks == (
        ItemDiff(
            "say-2", "changed", (FieldChange("input message", "say.Output", '"b"'),), None, "say"
        ),
    )
    assert pipeline.edges_removed == (("say", "say-2"),)
    assert pipeline.edges_added == ()


@pytest.mark.parametrize(
    ("case", "changes"),
    [
        ("caching", (FieldChange("caching", "on", "off"),)),
        (
            "retry",
            (
                FieldChange(
                    "retry",
                    None,
                    {
                        "backoffDuration": "30s",
                        "backoffFactor": 2.0,
                        "backoffMaxDuration": "3600s",
                        "maxRetryCount": 2,
                    },
                ),
            ),
        ),
        (
            "resources",
            (
                FieldChange(
                    "resources",
                    {"cpu limit": "1", "memory limit": "1G"},
                    {"cpu limit": "2", "memory limit": "1G"},
                ),
                FieldChange("accelerator", None, {"type": "nvidia.com/gpu", "count": "1"}),
            ),
        ),
        (
            "kubernetes",
            (
                FieldChange("env", {"MODE": "fast"}, {"MODE": "slow"}),
                FieldChange(
                    "node selector", {"labels": {"pool": "cpu"}}, {"labels": {"pool": "gpu"}}
                ),
            ),
        ),
        (
            "condition",
            (FieldChange("conditions", ["inputs.flag == true"], ["inputs.flag == false"]),),
        ),
    ],
)
def test_a_setting_of_one_task(diffs, case, changes):
    (task,) = diffs[case].tasks
    assert (task.status, task.changes) == ("changed", changes)
    assert diffs[case].summary == "1 task changed"


def test_loop_items_and_parallelism(diffs):
    (task,) = diffs["loop"].tasks
    assert task.name == "add"
    assert task.changes == (
        FieldChange(
            "loops",
            ["for each item in [1, 2]"],
            ["for each item in [1, 2, 3] (at most 2 at once)"],
        ),
    )


def test_an_exit_handler_around_a_task(diffs):
    assert diffs["exit_handler"].tasks == (
        ItemDiff("add", "added", (FieldChange("image", None, "python:3.11"),), None, "add"),
        ItemDiff(
            "say",
            "changed",
            (FieldChange("exit handler", None, "inside an exit handler's group"),),
            None,
            "say",
        ),
    )
    assert "subgraph" in diffs["exit_handler"].picture


def test_an_edge_added_by_after(diffs):
    assert diffs["edges"].tasks == ()
    assert diffs["edges"].edges_added == (("say", "add"),)
    assert diffs["edges"].summary == "1 edge added"


def test_nested_pipelines_are_compared_recursively(diffs):
    assert diffs["nested"].tasks == (
        ItemDiff(
            "inner", "changed", (FieldChange("default of input msg", "x", "y"),), None, "inner"
        ),
        ItemDiff("inner/add", "added", (FieldChange("image", None, "python:3.11"),), None, "add"),
    )


def test_the_else_branch_of_an_if(diffs):
    assert diffs["branches"].tasks == (
        ItemDiff(
            "say-2", "changed", (FieldChange("input message", '"no"', '"never"'),), None, "say"
        ),
    )


@pytest.mark.parametrize("case", ["noop", "variable"])
def test_no_op_changes_give_an_empty_diff(diffs, case):
    """A comment, reordered imports and reformatting (noop), or a renamed Python variable."""
    pipeline = diffs[case]
    assert pipeline.status == "unchanged" and pipeline.empty
    assert pipeline.summary == "no change to the compiled pipeline"


def test_new_deleted_and_failing_pipelines_say_so(diffs):
    assert (diffs["brand_new"].status, diffs["brand_new"].summary) == (
        "new",
        "new pipeline, 2 tasks",
    )
    assert ":::added" in diffs["brand_new"].picture
    assert (diffs["gone"].status, diffs["gone"].summary) == ("deleted", "deleted pipeline")
    broken = diffs["broken_base"]
    assert broken.status == "failed"
    assert broken.message.startswith("does not compile at the base: cannot import the pipeline")
    assert "undefined_name" in broken.message


def test_the_json_round_trips_and_a_second_run_gives_the_same_bytes(cases, report):
    document = report.to_json()
    assert DiffReport.from_json(document).to_json() == document
    repo, base = cases
    selected = Repo(repo.path).select(["cases"])  # named, not found by `changed`: same result
    again = diff_pipelines(Repo(repo.path), base=base, pipelines=selected, jobs=2)
    gone = [p for p in document["pipelines"] if p["status"] == "deleted"]
    assert again.to_json()["pipelines"] == [p for p in document["pipelines"] if p not in gone]
