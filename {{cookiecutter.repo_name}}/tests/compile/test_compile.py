"""``compile``: discovery, the real KFP compiler, compile.json, reproducible bytes."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from scripts.build.compile import spec_digest
from scripts.build.discovery import DiscoveryError, discover
from scripts.cli import main as cli
from scripts.repo.model import pipeline_from_path
from tests.helpers.pipeline_repos import make_pipeline_repo, pipeline_source


def compile_(repo_path: Path, *args: str) -> int:
    return cli.main(["compile", "--repo", str(repo_path), *args])


def read_index(repo_path: Path, out: str = "build") -> dict:
    return json.loads((repo_path / out / "compile.json").read_text("utf-8"))


# -- discovery ------------------------------------------------------------------------------


def discover_path(root: Path, relative: str):
    return discover(root, pipeline_from_path(relative))


def test_discovery_finds_the_single_pipeline(pipeline_repo):
    found = discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    assert found.function.name == "pipeline"
    assert found.line == 8  # where the decorated definition starts (the decorator)


def test_discovery_lists_every_candidate_when_there_are_several(pipeline_repo):
    pipeline_repo.write(
        "pipelines/alpha/score.py",
        pipeline_source(function="first") + "\n\n" + pipeline_source(function="second"),
    )
    with pytest.raises(DiscoveryError) as caught:
        discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    message = str(caught.value)
    assert message.startswith("pipelines/alpha/score.py:")
    assert "2 @dsl.pipeline functions found: first (line 8), second (line" in message


def test_discovery_with_no_pipeline_names_the_components_found(pipeline_repo):
    pipeline_repo.write(
        "pipelines/alpha/score.py",
        "from kfp import dsl\n\n\n@dsl.component(base_image='python:3.11')\n"
        "def lonely() -> int:\n    return 1\n",
    )
    with pytest.raises(DiscoveryError) as caught:
        discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    assert "no @dsl.pipeline function found; it has components only (lonely)" in str(caught.value)


def test_a_pipeline_imported_from_elsewhere_does_not_count(pipeline_repo):
    pipeline_repo.write(
        "pipelines/alpha/score.py",
        pipeline_source(function="score")
        + "\nfrom .train_model import pipeline as imported_pipeline  # noqa: E402\n",
    )
    found = discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    assert found.function.name == "score"


def test_an_import_error_gives_the_file_line_and_message(pipeline_repo):
    pipeline_repo.write(
        "pipelines/alpha/score.py",
        "import json\n\nCONFIG = json.loads('{not json')\n",
    )
    with pytest.raises(DiscoveryError) as caught:
        discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    assert str(caught.value).startswith(
        "pipelines/alpha/score.py:3: cannot import the pipeline module: JSONDecodeError: "
    )


def test_an_error_raised_in_a_helper_names_both_places(pipeline_repo):
    pipeline_repo.write("pipelines/alpha/_broken.py", "VALUE = 1\nraise RuntimeError('boom')\n")
    pipeline_repo.write(
        "pipelines/alpha/score.py", "from . import _broken  # noqa: F401\n" + pipeline_source()
    )
    with pytest.raises(DiscoveryError) as caught:
        discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    assert str(caught.value) == (
        "pipelines/alpha/score.py:1: cannot import the pipeline module: RuntimeError: boom "
        "(raised at pipelines/alpha/_broken.py:2)"
    )


def test_a_syntax_error_points_at_its_line(pipeline_repo):
    pipeline_repo.write("pipelines/alpha/score.py", "from kfp import dsl\n\ndef broken(:\n")
    with pytest.raises(DiscoveryError) as caught:
        discover_path(pipeline_repo.path, "pipelines/alpha/score.py")
    assert str(caught.value).startswith(
        "pipelines/alpha/score.py:3: cannot import the pipeline module: SyntaxError"
    )


# -- compile --------------------------------------------------------------------------------


def test_compile_all_writes_specs_named_after_project_and_pipeline(pipeline_repo, capsys):
    assert compile_(pipeline_repo.path, "--all") == 0
    spec_path = pipeline_repo.path / "build/pipelines/alpha/train_model.yaml"
    spec = yaml.safe_load(spec_path.read_text("utf-8"))
    assert spec["pipelineInfo"]["name"] == "alpha-train-model"
    assert spec["pipelineInfo"]["displayName"] == "alpha/train_model"
    assert spec["pipelineInfo"]["description"] == "says alpha train_model"
    out = capsys.readouterr().out
    assert "compiled alpha/train_model -> build/pipelines/alpha/train_model.yaml" in out
    assert "3 compiled, 0 failed" in out


def test_compile_json_lists_selector_source_output_and_normalised_sha(pipeline_repo):
    assert compile_(pipeline_repo.path, "--all") == 0
    index = read_index(pipeline_repo.path)
    assert index["schema"] == 1
    assert index["kfp_version"] == "2.17.0"
    assert index["failed"] == []
    assert index["projects"] == ["alpha", "beta"]
    assert [p["selector"] for p in index["pipelines"]] == [
        "alpha/score",
        "alpha/train_model",
        "beta/report",
    ]
    entry = index["pipelines"][1]
    assert entry == {
        "selector": "alpha/train_model",
        "project": "alpha",
        "pipeline": "train_model",
        "name": "alpha-train-model",
        "display_name": "alpha/train_model",
        "source": "pipelines/alpha/train_model.py",
        "output": "pipelines/alpha/train_model.yaml",
        "sha256": entry["sha256"],
    }
    data = (pipeline_repo.path / "build" / entry["output"]).read_bytes()
    without_sdk = b"".join(
        line for line in data.splitlines(keepends=True) if not line.startswith(b"sdkVersion:")
    )
    assert b"sdkVersion: kfp-2.17.0" in data
    assert entry["sha256"] == hashlib.sha256(without_sdk).hexdigest()
    assert entry["sha256"] != hashlib.sha256(data).hexdigest()


def test_the_digest_ignores_only_the_sdk_version_line():
    spec = b"a: 1\nsdkVersion: kfp-2.17.0\nz: 2\n"
    assert spec_digest(spec) == spec_digest(spec.replace(b"2.17.0", b"2.18.1"))
    assert spec_digest(spec) != spec_digest(spec.replace(b"z: 2", b"z: 3"))


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_output_is_byte_for_byte_reproducible_across_runs_and_checkouts(pipeline_repo, tmp_path):
    assert compile_(pipeline_repo.path, "--all") == 0
    first = tree_bytes(pipeline_repo.path / "build")
    assert compile_(pipeline_repo.path, "--all", "--out", "again") == 0
    assert tree_bytes(pipeline_repo.path / "again") == first
    elsewhere = tmp_path / "another" / "checkout"
    shutil.copytree(pipeline_repo.path, elsewhere, ignore=shutil.ignore_patterns("build", "again"))
    assert compile_(elsewhere, "--all") == 0
    assert tree_bytes(elsewhere / "build") == first
    assert not [name for name in first if "/." in name or name.startswith(".")]  # no temp files


def test_parallel_compile_gives_the_same_bytes(pipeline_repo):
    from scripts.build.compile import can_fork_safely

    assert can_fork_safely()  # so the forked workers really run here
    assert compile_(pipeline_repo.path, "--all") == 0
    assert compile_(pipeline_repo.path, "--all", "--jobs", "2", "--out", "parallel") == 0
    assert tree_bytes(pipeline_repo.path / "parallel") == tree_bytes(pipeline_repo.path / "build")


def test_a_failing_pipeline_is_reported_and_the_others_still_compile(pipeline_repo, capsys):
    pipeline_repo.write("pipelines/alpha/score.py", "import json\n\njson.loads('')\n")
    assert compile_(pipeline_repo.path, "--all") == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "pipelines/alpha/score.py:3: cannot import the pipeline module: JSONDecodeError: "
        "Expecting value: line 1 column 1 (char 0)"
    ]
    assert "2 compiled, 1 failed" in captured.out
    index = read_index(pipeline_repo.path)
    assert [p["selector"] for p in index["pipelines"]] == ["alpha/train_model", "beta/report"]
    assert index["failed"] == [
        {
            "selector": "alpha/score",
            "source": "pipelines/alpha/score.py",
            "line": 3,
            "message": "cannot import the pipeline module: JSONDecodeError: "
            "Expecting value: line 1 column 1 (char 0)",
        }
    ]
    assert (pipeline_repo.path / "build/pipelines/beta/report.yaml").is_file()


def test_a_compile_time_error_points_at_the_pipeline_definition(pipeline_repo, capsys):
    # A module stem that is not a valid KFP name is refused before compiling anything.
    pipeline_repo.write("pipelines/alpha/Bad_Name.py", pipeline_source())
    assert compile_(pipeline_repo.path, "alpha") == 1
    err = capsys.readouterr().err
    assert err.startswith("pipelines/alpha/Bad_Name.py: KFP pipeline name 'alpha-Bad-Name'")


def test_selectors_compile_only_what_they_name(pipeline_repo):
    assert compile_(pipeline_repo.path, "beta", "alpha/score") == 0
    index = read_index(pipeline_repo.path)
    assert [p["selector"] for p in index["pipelines"]] == ["alpha/score", "beta/report"]
    assert index["projects"] == ["alpha", "beta"]


def test_an_unknown_selector_is_a_usage_error(pipeline_repo, capsys):
    assert compile_(pipeline_repo.path, "gamma") == 2
    assert "selector 'gamma' matches no pipeline" in capsys.readouterr().err
    assert not (pipeline_repo.path / "build").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "say what to compile"),
        (("--all", "alpha"), "say what to compile"),
        (("--changed",), "--changed needs --base REF"),
        (("alpha", "--base", "main"), "--base only goes with --changed"),
        (("--all", "--jobs", "0"), "--jobs must be at least 1"),
    ],
    ids=["nothing", "all-and-selector", "changed-without-base", "base-alone", "zero-jobs"],
)
def test_bad_flag_combinations_are_usage_errors(pipeline_repo, capsys, args, message):
    assert compile_(pipeline_repo.path, *args) == 2
    assert message in capsys.readouterr().err


def test_a_rerun_after_a_fix_replaces_the_failure(pipeline_repo):
    pipeline_repo.write("pipelines/alpha/score.py", "raise SystemExit(3)\n")
    assert compile_(pipeline_repo.path, "alpha/score") == 1
    assert read_index(pipeline_repo.path)["failed"][0]["message"] == (
        "cannot import the pipeline module: SystemExit: 3"
    )
    pipeline_repo.write("pipelines/alpha/score.py", pipeline_source("fixed"))
    assert compile_(pipeline_repo.path, "alpha/score") == 0
    index = read_index(pipeline_repo.path)
    assert index["failed"] == [] and len(index["pipelines"]) == 1


def test_compile_json_is_independent_of_the_checkout_path(tmp_path):
    first = make_pipeline_repo(tmp_path / "one", {"p": ["x"]})
    second = make_pipeline_repo(tmp_path / "two" / "deeper", {"p": ["x"]})
    assert compile_(first.path, "--all") == 0
    assert compile_(second.path, "--all") == 0
    assert read_index(first.path) == read_index(second.path)
    assert re.fullmatch(r"[0-9a-f]{64}", read_index(first.path)["pipelines"][0]["sha256"])


def test_changed_compiles_only_the_affected_pipelines(pipeline_repo, capsys):
    pipeline_repo.checkout("feature/score", create=True)
    pipeline_repo.write("pipelines/alpha/score.py", pipeline_source("changed"))
    manifest = pipeline_repo.path / "projects/beta.yml"
    manifest.write_text(manifest.read_text("utf-8").replace("Default", "Nightly"), encoding="utf-8")
    pipeline_repo.commit("change score and beta's experiments")
    assert compile_(pipeline_repo.path, "--changed", "--base", "main") == 0
    index = read_index(pipeline_repo.path)
    assert [p["selector"] for p in index["pipelines"]] == ["alpha/score"]
    # beta's manifest changed: publish must sync its experiments though nothing compiled.
    assert index["projects"] == ["alpha", "beta"]


def test_changed_with_a_shared_helper_compiles_its_users(pipeline_repo):
    pipeline_repo.checkout("feature/helpers", create=True)
    helpers = pipeline_repo.path / "pipelines/alpha/_helpers.py"
    helpers.write_text(helpers.read_text("utf-8") + "\n# tuned\n", encoding="utf-8")
    pipeline_repo.commit("tune helpers")
    assert compile_(pipeline_repo.path, "--changed", "--base", "main") == 0
    index = read_index(pipeline_repo.path)
    assert [p["selector"] for p in index["pipelines"]] == ["alpha/score", "alpha/train_model"]


def test_a_second_compile_in_one_process_reads_edited_helpers(pipeline_repo):
    assert compile_(pipeline_repo.path, "alpha/score") == 0
    before = read_index(pipeline_repo.path)["pipelines"][0]["sha256"]
    helpers = pipeline_repo.path / "pipelines/alpha/_helpers.py"
    helpers.write_text(
        helpers.read_text("utf-8").replace("return message", "return message.upper()"),
        encoding="utf-8",
    )
    assert compile_(pipeline_repo.path, "alpha/score") == 0
    assert read_index(pipeline_repo.path)["pipelines"][0]["sha256"] != before
