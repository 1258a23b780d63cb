"""``python -m scripts diff``: formats, selection, errors, and the compile code it uses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scripts.cli.main import main

TRAIN_MODEL = "pipelines/price-suggestion/train_model.py"
COMPILE_CODE = "scripts/build/compile.py"


def diff(repo, base, *args: str) -> int:
    return main(["diff", "--repo", str(repo.path), "--base", base, *args])


def test_text_names_each_change(cases, capsys):
    repo, base = cases
    assert diff(repo, base, "cases/caching", "cases/edges") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:4] == [
        "cases/caching: 1 task changed",
        "Tasks",
        "  changed task say (component say)",
        "    - caching: on -> off",
    ]
    assert "cases/edges: 1 edge added" in out and "  added say -> add" in out


def test_markdown_has_the_pictures_and_json_goes_to_a_file(cases, capsys, tmp_path):
    repo, base = cases
    assert diff(repo, base, "cases/loop", "--format", "markdown") == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Pipeline diff: `")
    assert "<details><summary><b>cases/loop</b>: 1 task changed</summary>" in markdown
    assert "```mermaid\nflowchart TD\n" in markdown

    out = tmp_path / "diff.json"
    assert diff(repo, base, "cases/loop", "--format", "json", "--output", str(out)) == 0
    assert capsys.readouterr().out == f"wrote the json diff of 1 pipeline(s) to {out}\n"
    document = json.loads(out.read_text("utf-8"))
    assert document["schema"] == "kfp-monorepo/review-diff@1"
    assert [p["selector"] for p in document["pipelines"]] == ["cases/loop"]
    assert document["head"] is None  # the working tree


def test_a_head_commit_is_compiled_in_its_own_worktree(cases, capsys):
    repo, base = cases
    assert diff(repo, base, "cases/retry", "--head", "HEAD", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["head"] == repo.head()
    assert document["pipelines"][0]["summary"] == "1 task changed"
    assert repo.git("worktree", "list").count("\n") == 0  # the temporary worktrees are gone


def test_in_github_actions_the_markdown_goes_to_the_job_summary(cases, monkeypatch, tmp_path):
    repo, base = cases
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert diff(repo, base, "cases/caching", "--format", "json") == 0
    assert "<b>cases/caching</b>: 1 task changed" in summary.read_text("utf-8")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--changed", "cases/loop"], "give SELECTORs or --changed, not both"),
        (["cases/nope"], "selector 'cases/nope' matches no pipeline"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(cases, capsys, args, expected):
    repo, base = cases
    assert diff(repo, base, *args) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err


def test_an_unknown_base_is_one_line_and_exit_2(cases, capsys):
    repo, _ = cases
    assert diff(repo, "no-such-branch", "cases/loop") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("unknown git reference 'no-such-branch'") and "\n" not in err


def test_uncommitted_changes_are_a_warning_with_the_default_selection(tmp_path, capsys):
    from tests.helpers.pipeline_repos import make_pipeline_repo, pipeline_source

    repo = make_pipeline_repo(tmp_path / "repo", {"alpha": ["train"]})
    repo.write("pipelines/alpha/train.py", pipeline_source("edited"))
    assert diff(repo, "HEAD") == 0
    captured = capsys.readouterr()
    assert "warning: uncommitted changes are compiled, but the pipelines are picked" in (
        captured.err
    )
    assert "No pipeline to compare." in captured.out


def test_the_base_is_compiled_by_the_heads_compile_code(monorepo):
    """The base commit's compile code cannot even be imported; the diff never runs it."""
    if not (monorepo.path / TRAIN_MODEL).is_file():
        pytest.skip("the example project is not part of this repository")
    working = (monorepo.path / COMPILE_CODE).read_text("utf-8")
    monorepo.write(COMPILE_CODE, working + '\nraise RuntimeError("the base compile code")\n')
    base = monorepo.commit("break the compile code")
    monorepo.write(COMPILE_CODE, working)
    train = (monorepo.path / TRAIN_MODEL).read_text("utf-8")
    assert "l2: float = 1.0," in train
    monorepo.write(TRAIN_MODEL, train.replace("l2: float = 1.0,", "l2: float = 0.5,"))
    monorepo.commit("fix the compile code, lower l2")
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "diff", "--base", base, "--format", "json"],
        cwd=monorepo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pipelines = {p["selector"]: p for p in json.loads(result.stdout)["pipelines"]}
    # scripts/ changed: every pipeline is affected, and only train_model's spec differs
    assert pipelines["price-suggestion/train_model"]["summary"] == "default of l2 1.0 -> 0.5"
    assert pipelines["price-suggestion/batch_predict"]["status"] == "unchanged"
