"""compile.json as typed objects: what compile writes is what publish reads back."""

from __future__ import annotations

import json

import pytest

from scripts.build.index import CompiledPipeline, CompileIndex, FailedPipeline
from scripts.core.errors import ConfigError

INDEX = CompileIndex(
    kfp_version="2.17.0",
    compiled=[
        CompiledPipeline(
            selector="p/train_model",
            project="p",
            pipeline="train_model",
            name="p-train-model",
            display_name="p/train_model",
            source="pipelines/p/train_model.py",
            output="pipelines/p/train_model.yaml",
            sha256="0" * 64,
        )
    ],
    failed=[FailedPipeline("q/broken", "pipelines/q/broken.py", 3, "cannot compile")],
    projects={"r"},
)


def test_write_then_read_gives_the_same_index(tmp_path):
    path = INDEX.write(tmp_path)
    again = CompileIndex.read(tmp_path)
    assert again.compiled == INDEX.compiled and again.failed == INDEX.failed
    assert again.kfp_version == "2.17.0"
    # The projects publish syncs: the listed ones, and those of compiled and failed pipelines.
    assert json.loads(path.read_text())["projects"] == ["p", "q", "r"]
    assert again.projects == {"p", "q", "r"}


def test_a_missing_index_says_to_compile_first(tmp_path):
    with pytest.raises(ConfigError, match="run `python -m scripts compile` first"):
        CompileIndex.read(tmp_path)


@pytest.mark.parametrize(
    "document",
    [
        {"schema": 2, "pipelines": []},
        {"schema": 1, "pipelines": [{"selector": "p/x"}]},
        {"schema": 1, "failed": [7]},
        [],
    ],
    ids=["other-schema", "row-missing-keys", "row-not-an-object", "not-an-object"],
)
def test_a_foreign_file_is_one_configuration_error(tmp_path, document):
    (tmp_path / "compile.json").write_text(json.dumps(document))
    with pytest.raises(ConfigError, match="rerun compile"):
        CompileIndex.read(tmp_path)
