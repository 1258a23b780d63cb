"""Finish the generated monorepo: prune options that were not chosen, record the answers,
generate CODEOWNERS.

``finish()`` reads as a decision table; each step is a small function the unit tests call
directly. No network calls: everything here works offline.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

# Rendered by cookiecutter (see pre_gen_project.py for why it is data in a raw string).
ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

# Paths (relative to the generated repo) that exist only for an option. Keep these lists
# in step with the template: tests assert the exact generated file set for every combination.
POLYAXON_PATHS = (
    "scripts/integrations/polyaxon",  # the integration, registered by its presence alone
    "tests/integrations/polyaxon",
    "components/polyaxon-job",
    "{package}/polyaxon.py",
    "pipelines/price-suggestion/explore_on_polyaxon.py",
    "pipelines/price-suggestion/polyaxonfiles",
    "benchmarks/polyaxon_sync.py",
)
MLFLOW_PATHS = (
    "scripts/integrations/mlflow",  # the integration, registered by its presence alone
    "tests/integrations/mlflow",
    "{package}/mlflow_tracking.py",
    "pipelines/price-suggestion/_tracked_training.py",
)
EXAMPLE_PROJECT_PATHS = (
    "projects/price-suggestion.yml",
    "pipelines/price-suggestion",
    "tests/test_price_suggestion.py",
)


def remove_paths(root: Path, relative_paths: tuple[str, ...], package: str) -> None:
    """Delete files or folders; a path the template does not have (yet) is not an error."""
    for relative in relative_paths:
        path = root / relative.format(package=package)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def recorded_answers(answers: dict) -> dict:
    """The answers a later `cruft link` / `cruft update` needs: the questions only, no
    derived values (they are derived again) and no cookiecutter bookkeeping."""
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def write_answers(root: Path, answers: dict) -> None:
    """``.cookiecutter.json``: the answers, and the template version they were given to (what
    ``python -m scripts --version`` shows; a template update rewrites it)."""
    recorded = {**recorded_answers(answers), "_template_version": answers["__template_version"]}
    text = json.dumps(recorded, indent=2, sort_keys=True) + "\n"
    (root / ".cookiecutter.json").write_text(text, encoding="utf-8")


class FinishFailed(Exception):
    """An expected failure while finishing the repo; its message says what and how to fix it."""


def generate_codeowners(root: Path) -> None:
    """Render .github/CODEOWNERS with the repo's own tool, so the hook and CI agree."""
    sys.path.insert(0, str(root))
    try:
        from scripts.core.errors import ScriptError
        from scripts.repo.codeowners import write_codeowners
    finally:
        sys.path.pop(0)
    try:
        write_codeowners(root)
    except ScriptError as error:
        raise FinishFailed(
            f"could not generate .github/CODEOWNERS ({error}) — the answers passed validation, "
            "so this is a template bug: report it with the cookiecutter command you ran"
        ) from error


def finish(root: Path, answers: dict) -> None:
    package = answers["package_name"]
    if not answers["include_polyaxon"]:
        remove_paths(root, POLYAXON_PATHS, package)
    if not answers["include_mlflow"]:
        remove_paths(root, MLFLOW_PATHS, package)
    if not answers["include_example_project"]:
        remove_paths(root, EXAMPLE_PROJECT_PATHS, package)
    write_answers(root, answers)
    generate_codeowners(root)


def main(root: Path | None = None, answers: dict | None = None) -> int:
    """Finish the repo; an expected failure is one line, ``ERROR: what — how to fix``, exit 1
    (cookiecutter then deletes the half-generated folder)."""
    root = root or Path.cwd()
    answers = answers if answers is not None else json.loads(ANSWERS_JSON)
    try:
        finish(root, answers)
    except FinishFailed as error:
        message = str(error)
    except OSError as error:
        message = (
            f"could not write the generated repository ({error}) — check that the output "
            "folder is writable and has room, then run cookiecutter again"
        )
    else:
        return 0
    print(f"ERROR: {' '.join(message.splitlines())}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
