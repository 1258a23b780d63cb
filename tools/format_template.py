"""Format the template's plain Python sources with the generated repo's own ruff settings.

The root linters skip the template folder (its files may hold Jinja). This bakes the default
combination, runs ``ruff check --fix`` and ``ruff format`` there with the generated
pyproject.toml, and copies each fixed file back to its template source when that source has
no Jinja in it. Files with Jinja are reported so they can be fixed by hand.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bake import TEMPLATE, bake

TEMPLATE_DIR = TEMPLATE / "{{cookiecutter.repo_name}}"
PACKAGE_PLACEHOLDER = "{{cookiecutter.package_name}}"


def template_source(relative: Path, package: str) -> Path:
    parts = [PACKAGE_PLACEHOLDER if part == package else part for part in relative.parts]
    return TEMPLATE_DIR.joinpath(*parts)


def main() -> int:
    ruff = str(Path(sys.executable).with_name("ruff"))
    with tempfile.TemporaryDirectory() as tmp:
        repo = bake(Path(tmp), {"include_polyaxon": True, "include_mlflow": True})
        package = "acme_components"
        before = {path: path.read_bytes() for path in repo.rglob("*.py")}
        subprocess.run([ruff, "check", "--fix", "--quiet", "."], cwd=repo, check=False)
        subprocess.run([ruff, "format", "--quiet", "."], cwd=repo, check=False)
        for rendered in sorted(repo.rglob("*.py")):
            relative = rendered.relative_to(repo)
            source = template_source(relative, package)
            if before.get(rendered) == rendered.read_bytes():
                continue  # ruff changed nothing here
            if not source.exists() or filecmp.cmp(source, rendered, shallow=False):
                continue
            text = source.read_text("utf-8")
            if "{{" in text or "{%" in text:
                print(f"needs a hand fix (has Jinja): {source.relative_to(TEMPLATE)}")
                continue
            shutil.copyfile(rendered, source)
            print(f"formatted {source.relative_to(TEMPLATE)}")
        return subprocess.run([ruff, "check", "."], cwd=repo, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
