"""hello-echo: the program as the container runs it, and the spec as KFP loads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COMPONENT = Path(__file__).resolve().parents[1]


def test_writes_the_greeting_where_kfp_asks(tmp_path):
    output = tmp_path / "outputs" / "greeting"  # the parent does not exist yet, as in KFP
    result = subprocess.run(
        [
            sys.executable,
            str(COMPONENT / "src" / "hello_echo.py"),
            "--name",
            "Ada",
            "--greeting-path",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == "Hello, Ada!"


def test_the_spec_loads_in_kfp_with_its_input_and_output():
    from kfp import components

    component = components.load_component_from_file(str(COMPONENT / "component.yaml"))
    spec = component.component_spec
    assert set(spec.inputs) == {"name"} and spec.inputs["name"].default == "world"
    assert set(spec.outputs) == {"greeting"}
    assert spec.implementation.container.command == ["python", "/app/hello_echo.py"]
