"""The review diff's Mermaid pictures are valid: mermaid-cli renders every one of them to SVG.

Here, at template level, because rendering needs node, the npm package `@mermaid-js/mermaid-cli`
(installed with `PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix tools/mermaid`) and a browser: the
one puppeteer would download cannot be fetched, so it drives Debian's `chromium`. The pictures
are those of a baked repo's own review tests (every kind of change, groups of every kind, a
condition on text with quotes, brackets, `<img>` and backticks) and of a 200-task pipeline cut
to the size bound, drawn as the PR comment draws them (```mermaid fences in Markdown). A broken
picture is shown to mermaid-cli too, so a renderer that accepts anything fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.conftest import TEMPLATE

MMDC = TEMPLATE / "tools" / "mermaid" / "node_modules" / ".bin" / "mmdc"

# Run inside the baked repo: its review tests' cases diffed, as the comment's Markdown, and the
# picture of a 200-task pipeline whose every task changed.
DRAW = """
import copy, sys, tempfile
from pathlib import Path
from scripts.build.diff.markdown import report_markdown
from scripts.build.diff.run import diff_specs
from scripts.cli.diff import compare_with
from scripts.repo.model import Repo
from tests.review.conftest import write_cases
from tests.review.pairs import BIG, compiled

scratch = Path(tempfile.mkdtemp())
repo, base = write_cases(scratch / "repo")
markdown = report_markdown(compare_with(Repo(repo.path), base=base))
spec = compiled(scratch, BIG, "big")
changed = copy.deepcopy(spec)
for executor in changed["deploymentSpec"]["executors"].values():
    executor["container"]["image"] = "python:3.12"
big = diff_specs("p/big", "pipelines/p/big.py", spec, changed).picture
Path(sys.argv[1]).write_text(markdown + "\\n```mermaid\\n" + big + "```\\n", encoding="utf-8")
"""
BROKEN = "# broken\n\n```mermaid\nflowchart TD\n  a[[[x --> \n```\n"


def browser() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("rendering Mermaid needs a browser: `apt-get install chromium`")


def mmdc() -> list[str]:
    node = shutil.which("node")
    if not node or not MMDC.exists():
        pytest.fail(
            "rendering Mermaid needs node and mermaid-cli: `apt-get install nodejs npm` and "
            "`PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix tools/mermaid`"
        )
    return [node, str(MMDC)]


def render(markdown: Path, out: Path, config: Path) -> subprocess.CompletedProcess:
    """mermaid-cli on a Markdown file: each ```mermaid block becomes out-<n>.svg."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [*mmdc(), "--quiet", "-p", str(config), "-i", str(markdown), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="module")
def puppeteer_config(tmp_path_factory) -> Path:
    config = tmp_path_factory.mktemp("mermaid") / "puppeteer.json"
    # --no-sandbox: CI runs the tests as root, where chromium's sandbox refuses to start.
    settings = {"executablePath": browser(), "args": ["--no-sandbox", "--disable-gpu"]}
    config.write_text(json.dumps(settings), encoding="utf-8")
    return config


@pytest.mark.slow
def test_every_picture_of_the_review_diff_renders(tmp_path, puppeteer_config):
    repo = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "bake")))
    pictures = tmp_path / "pictures.md"
    drawn = subprocess.run(
        [sys.executable, "-c", DRAW, str(pictures)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert drawn.returncode == 0, drawn.stderr[-3000:]
    text = pictures.read_text("utf-8")
    blocks = text.count("```mermaid")
    assert blocks >= 15 and "evil" in text and "200 more" not in text
    result = render(pictures, tmp_path / "svg" / "out.md", puppeteer_config)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    svgs = sorted((tmp_path / "svg").glob("out-*.svg"))
    assert len(svgs) == blocks
    assert all(svg.read_text("utf-8").lstrip().startswith("<svg") for svg in svgs)


@pytest.mark.slow
def test_a_broken_picture_fails_to_render(tmp_path, puppeteer_config):
    broken = tmp_path / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    result = render(broken, tmp_path / "svg" / "out.md", puppeteer_config)
    assert result.returncode != 0
    assert "Parse error" in result.stdout + result.stderr
