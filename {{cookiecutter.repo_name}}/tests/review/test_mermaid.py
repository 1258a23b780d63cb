"""The Mermaid picture: structure, styling, safe labels, and the size bound.

That the text is valid Mermaid is checked by rendering it to SVG with mermaid-cli and a real
browser, in the template's own tests (they have node).
"""

from __future__ import annotations

import copy
import re

import pytest

from scripts.build.diff.mermaid import MAX_NODES, label
from scripts.build.diff.run import diff_specs

NODE = re.compile(r"^\s+[tr]\d+\[", re.MULTILINE)


def with_image(spec, image: str, only: str | None = None):
    """``spec`` with the image of every executor (or of executor ``only``) replaced."""
    changed = copy.deepcopy(spec)
    for name, executor in changed["deploymentSpec"]["executors"].items():
        if only is None or name == only:
            executor["container"]["image"] = image
    return changed


@pytest.mark.parametrize(
    "text",
    ['say "hi"', "a[0] (b) {c}", "<b>bold</b> & <script>", "`code` #35; end", "x\ny --> z;"],
)
def test_a_label_shows_any_text_and_cannot_break_out(text):
    quoted = label(text)
    inner = quoted[1:-1]
    assert quoted.startswith('"') and quoted.endswith('"')
    assert not set(inner) & set('"<>[](){}`\n;#|') - {"#", ";"}
    decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), inner)
    assert decoded == text


def test_a_label_is_cut_to_a_readable_length():
    assert len(re.sub(r"#\d+;", "x", label("a" * 500))) <= 62


def test_conditions_loops_and_nested_pipelines_are_subgraphs(diffs):
    assert 'subgraph g0["if / elif / else"]' in diffs["branches"].picture
    assert 'subgraph g1["if inputs.flag == true"]' in diffs["branches"].picture
    assert ":::changed" in diffs["branches"].picture
    loop = diffs["loop"].picture
    assert 'subgraph g0["for each item in #91;1, 2, 3#93; #40;at most 2 at once#41;"]' in loop
    nested = diffs["nested"].picture
    assert 'subgraph t0["pipeline inner"]' in nested
    assert re.search(r't\d+\["add"\]:::added', nested)
    assert "class t0 changed" in nested


def test_removed_tasks_and_edges_are_dashed(diffs):
    tasks = diffs["tasks"].picture
    assert re.search(r'r\d+\["add"\]:::removed', tasks)
    assert re.search(r"t\d+ -\.-> r\d+", tasks)  # its base edge from `say`
    assert re.search(r"t\d+ -\.-> t\d+", diffs["wiring"].picture)  # say -> say-2, gone


def test_a_condition_on_user_text_stays_inside_its_label(diffs):
    picture = diffs["tricky"].picture
    condition_line = next(line for line in picture.splitlines() if "evil" in line)
    assert condition_line.lstrip().startswith("subgraph g") and condition_line.count('"') == 2
    assert "<img" not in picture and "`" not in picture
    assert 'subgraph g0["exit handler"]' in picture
    assert re.search(r'subgraph g\d+\["for each item in #91;1, 2#93;"\]', picture)
    assert re.search(r'subgraph t\d+\["pipeline inner"\]', picture)


def test_two_hundred_changed_tasks_stay_within_the_bound(big_spec):
    result = diff_specs(
        "p/big", "pipelines/p/big.py", big_spec, with_image(big_spec, "python:3.12")
    )
    assert result.task_count == 200
    assert len(result.components) == 1 and len(result.components[0].tasks) == 200
    nodes = NODE.findall(result.picture)
    assert len(nodes) == MAX_NODES
    assert '["#8230; 140 more tasks not drawn, 140 of them changed"]:::note' in result.picture
    assert len(result.picture) < 50_000  # Mermaid's default maxTextSize


def test_a_big_pipeline_keeps_the_changed_task_and_its_neighbours(big_spec):
    executors = big_spec["deploymentSpec"]["executors"]
    target = sorted(executors)[57]  # some task in the middle
    result = diff_specs("p/big", "pipelines/p/big.py", big_spec, with_image(big_spec, "x", target))
    (change,) = result.components
    (changed_task,) = change.tasks
    drawn = re.findall(r'^\s+t\d+\["([^"]+)"\]', result.picture, re.MULTILINE)
    assert changed_task in drawn
    assert len(drawn) <= MAX_NODES
    assert f'["{changed_task}"]:::changed' in result.picture
    assert "more tasks not drawn #40;all unchanged#41;" in result.picture
