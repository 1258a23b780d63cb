"""Bake, then run the generated repo's own checks: what a platform engineer does first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import COMBINATIONS, bake_ok

SUITE_COMBINATIONS = ["defaults", "everything-flipped"]
# Skip reasons that mean "this option combination has no such part", not "a service is missing".
OPTION_SKIP_REASONS = ("the example project is not part of this repository",)


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", SUITE_COMBINATIONS)
def test_generated_test_suite_passes(cookies, name):
    """The generated suite, run with this environment's Python (same pinned versions)."""
    root = bake_ok(cookies, COMBINATIONS[name])
    result = run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"], root)
    tail = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, tail
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    if all(os.environ.get(f"REQUIRE_{part}") == "1" for part in ("DOCKER", "POLYAXON", "MLFLOW")):
        # CI promises the real services: the only skips allowed are for parts this option
        # combination does not generate.
        skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
        unexpected = [line for line in skips if not line.endswith(OPTION_SKIP_REASONS)]
        assert unexpected == [], "\n".join(unexpected)


@pytest.mark.slow
def test_the_example_pipeline_logs_to_mlflow_when_generated_with_both(cookies):
    """everything-flipped has MLflow but no example project, so its suite cannot run the
    example pipeline's MLflow logging: here the two together, only the tests that need both."""
    root = bake_ok(cookies, {"include_mlflow": True})
    tests = ["tests/integrations/mlflow/test_tracking.py", "tests/test_price_suggestion.py"]
    pytest_command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"]
    result = run([*pytest_command, *tests], root)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    if os.environ.get("REQUIRE_MLFLOW") == "1":
        assert "SKIPPED" not in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
def test_make_setup_and_make_test_right_after_generation(cookies):
    """The README promise, for real: a fresh .venv from the pinned pyproject, then the suite
    and the linters through the generated Makefile."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    root = bake_ok(cookies, {})
    python = Path(sys.base_prefix) / "bin" / "python3"
    for target in ("setup", "lint", "test"):
        result = run(["make", target, f"PYTHON={python}"], root)
        assert result.returncode == 0, f"make {target}:\n{(result.stdout + result.stderr)[-6000:]}"
