"""`make demo` is the main job: it must keep working as the template grows."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import TEMPLATE


@pytest.mark.slow
def test_demo_runs_the_ci_flow_end_to_end(tmp_path):
    result = subprocess.run(
        [sys.executable, str(TEMPLATE / "tools" / "demo.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    repo = tmp_path / "acme-ml-pipelines"

    # The change to shared code affects exactly the pipeline that imports it.
    assert "acme_components/data.py changed (imported by pipelines/price-suggestion/" in output
    compiled = json.loads((repo / "build" / "compile.json").read_text())
    assert [p["selector"] for p in compiled["pipelines"]] == ["price-suggestion/train_model"]
    # ... and the diff shows what it does to that pipeline's compiled spec.
    assert (
        "price-suggestion/train_model: 1 task changed; command of split-dataset changed; "
        "signature of split-dataset changed"
    ) in output
    assert "input seed: NUMBER_INTEGER = 42 -> NUMBER_INTEGER = 7" in output

    # The local run printed finite metrics.
    assert "evaluate-regression/metrics: rmse = " in output

    # The first publish created the version, the second found it: idempotent.
    summary = json.loads((repo / "build" / "publish.json").read_text())
    statuses = {p["selector"]: p["status"] for p in summary["pipelines"]}
    assert statuses == {"price-suggestion/train_model": "created"}
    assert output.count("1 exists") == 2  # on KFP, then on Vertex AI

    # Prod moved to Vertex AI: a tagged template, experiments, a schedule made then kept.
    vertex_part = output[output.index("Prod on Vertex AI instead") :]
    assert "publish to prod (vertex-ai://acme-ml-prod/europe-west4)" in vertex_part
    assert "price-suggestion-train-model/sha256:" in vertex_part
    assert "3 experiments created" in vertex_part
    assert "(1 create)" in vertex_part and "(1 unchanged)" in vertex_part
