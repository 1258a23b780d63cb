"""Change detection of data files, dynamic imports and third-party components, end to end on
real git repositories (the sample monorepo of test_changed.py plus):

- ``sales/weekly`` reads ``queries/weekly.sql`` beside it (``Path(__file__).parent / ...``) and
  names the manifest ``projects/sales.yml`` by a literal;
- ``ops/audit`` imports ``mlkit.validation``, which reads ``mlkit/schema.json``
  (``os.path.join(os.path.dirname(__file__), ...)``), and reads ``configs/thresholds.yaml``
  by a path from the repo root;
- ``ops/dynamic`` imports ``mlkit.io`` with ``importlib.import_module``, and ``ops/borrowed``
  imports ``sales/_features.py`` with a relative one from its project folder;
- ``ops/external`` loads ``ext-op``, a third-party component (a component.yaml, no Dockerfile),
  through the renamed helper ``mlkit.component_specs.load``;
- ``sales/adhoc`` reads a file whose path comes from the environment (line 4);
- ``pipelines/sales/notes.md`` is named by nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.core.report import code_span, render_markdown
from scripts.detect.changes import find_changes
from scripts.images.plan import changed_components
from scripts.repo.model import Repo
from tests.detect.test_changed import FILES, affected, changes_of, reasons, run_cli, write_event
from tests.helpers.git_repos import GitRepo

DATA_FILES = {
    **FILES,
    "pipelines/sales/queries/weekly.sql": "select 1\n",
    "pipelines/sales/weekly.py": (
        "from pathlib import Path\n\nfrom kfp import dsl\n\n"
        'QUERY = Path(__file__).parent / "queries" / "weekly.sql"\n'
        'MANIFEST = "projects/sales.yml"\n'
    ),
    "pipelines/sales/notes.md": "# Notes\n",
    "pipelines/sales/adhoc.py": (
        'import os\n\nfrom kfp import dsl\nQUERY = open(os.environ["QUERY"]).read()\n'
    ),
    "mlkit/schema.json": "{}\n",
    "mlkit/validation.py": (
        "import json\nimport os\n\n"
        'SCHEMA = os.path.join(os.path.dirname(__file__), "schema.json")\n\n\n'
        "def schema():\n    with open(SCHEMA) as file:\n        return json.load(file)\n"
    ),
    "configs/thresholds.yaml": "max_rmse: 10\n",
    "pipelines/ops/audit.py": (
        "from mlkit import validation\n\n"
        'with open("configs/thresholds.yaml", encoding="utf-8") as file:\n'
        "    THRESHOLDS = file.read()\n"
    ),
    "pipelines/ops/dynamic.py": 'import importlib\n\nio = importlib.import_module("mlkit.io")\n',
    "pipelines/ops/borrowed.py": (
        "from importlib import import_module\n\n"
        'features = import_module("..sales._features", package=__package__)\n'
    ),
    "mlkit/component_specs.py": "def load(name):\n    return name\n",
    "components/ext-op/component.yaml": "name: ext\n",
    "pipelines/ops/external.py": (
        'from mlkit import component_specs\n\nop = component_specs.load("ext-op")\n'
    ),
}
SALES = {
    "pipelines/sales/adhoc.py",
    "pipelines/sales/forecast.py",
    "pipelines/sales/report.py",
    "pipelines/sales/summary.py",
    "pipelines/sales/weekly.py",
}


@pytest.fixture
def sample(git_repo: GitRepo) -> GitRepo:
    for path, text in DATA_FILES.items():
        git_repo.write(path, text)
    git_repo.commit("seed")
    git_repo.checkout("feature/data", create=True)
    return git_repo


def change(repo: GitRepo, path: str, extra: str = "-- v2\n") -> None:
    repo.write(path, DATA_FILES.get(path, "") + extra)
    repo.commit()


def test_a_sql_file_beside_its_pipeline_marks_exactly_that_pipeline(sample: GitRepo):
    change(sample, "pipelines/sales/queries/weekly.sql")
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/sales/weekly.py"}
    assert reasons(changes, "pipelines/sales/weekly.py") == [
        "pipelines/sales/queries/weekly.sql changed (read by pipelines/sales/weekly.py)"
    ]
    assert not changes.all and changes.components == ()


def test_a_data_file_read_by_an_imported_module_marks_the_importers(sample: GitRepo):
    change(sample, "mlkit/schema.json", "\n")
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/ops/audit.py"}
    assert reasons(changes, "pipelines/ops/audit.py") == [
        "mlkit/schema.json changed (read by mlkit/validation.py, which is imported by "
        "pipelines/ops/audit.py)"
    ]


def test_a_data_file_named_from_the_repo_root(sample: GitRepo):
    change(sample, "configs/thresholds.yaml", "min_rows: 5\n")
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/ops/audit.py"}
    assert reasons(changes, "pipelines/ops/audit.py") == [
        "configs/thresholds.yaml changed (read by pipelines/ops/audit.py)"
    ]


def test_a_deleted_data_file_marks_the_pipelines_still_naming_it(sample: GitRepo):
    sample.remove("pipelines/sales/queries/weekly.sql")
    sample.commit()
    changes = changes_of(sample)
    assert reasons(changes, "pipelines/sales/weekly.py") == [
        "pipelines/sales/queries/weekly.sql deleted (read by pipelines/sales/weekly.py)"
    ]


def test_a_file_in_a_project_folder_named_by_no_pipeline_marks_the_whole_project(
    sample: GitRepo,
):
    change(sample, "pipelines/sales/notes.md", "More.\n")
    changes = changes_of(sample)
    assert affected(changes) == SALES
    assert reasons(changes, "pipelines/sales/summary.py") == [
        "pipelines/sales/notes.md changed (in pipelines/sales/, named by no pipeline through a "
        "literal path: every pipeline of sales counts)"
    ]


def test_a_data_file_outside_pipelines_named_by_nothing_marks_nothing(sample: GitRepo):
    change(sample, "configs/unused.yaml", "a: 1\n")
    changes = changes_of(sample)
    assert changes.pipelines == () and not changes.any


def test_a_manifest_named_by_a_literal_still_affects_its_project_only(sample: GitRepo):
    sample.write("projects/sales.yml", "name: sales\nexperiments: [Default]\n")
    sample.commit()
    changes = changes_of(sample)
    assert changes.projects == ("sales",) and changes.pipelines == ()


def test_a_dynamic_import_with_a_literal_name_is_followed(sample: GitRepo):
    change(sample, "mlkit/io.py", "# v2\n")
    changes = changes_of(sample)
    assert "pipelines/ops/dynamic.py" in affected(changes)
    assert reasons(changes, "pipelines/ops/dynamic.py") == [
        "mlkit/io.py changed (imported by pipelines/ops/dynamic.py)"
    ]


def test_a_relative_dynamic_import_reaches_into_another_project(sample: GitRepo):
    change(sample, "pipelines/sales/_features.py", "# v2\n")
    changes = changes_of(sample)
    assert affected(changes) == {
        "pipelines/ops/borrowed.py",
        "pipelines/sales/forecast.py",
        "pipelines/sales/report.py",
    }
    assert reasons(changes, "pipelines/ops/borrowed.py") == [
        "pipelines/sales/_features.py changed (imported by pipelines/ops/borrowed.py)"
    ]


def test_a_third_party_component_marks_its_pipelines_but_is_no_image_to_build(
    sample: GitRepo,
):
    change(sample, "components/ext-op/component.yaml", "description: v2\n")
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/ops/external.py"}
    assert reasons(changes, "pipelines/ops/external.py") == [
        "components/ext-op/component.yaml changed (loaded by pipelines/ops/external.py)"
    ]
    assert changes.components == ()
    assert changes.to_json()["components"] == []
    assert changed_components(Repo(sample.path), "main") == []


def test_a_component_with_a_dockerfile_is_an_image_to_build(sample: GitRepo):
    sample.write("components/ext-op/Dockerfile", "FROM scratch\n")
    sample.commit()
    changes = changes_of(sample)
    assert changes.components == ("ext-op",)
    assert [c.name for c in changed_components(Repo(sample.path), "main")] == ["ext-op"]


def test_a_new_branch_lists_container_components_only(sample: GitRepo, tmp_path: Path):
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": write_event(tmp_path, {"before": "0" * 40, "created": True}),
    }
    changes = find_changes(Repo(sample.path), base="auto", env=env)
    assert changes.all and changes.components == ("score-job", "train-job")


# -- warnings -----------------------------------------------------------------------------------

ADHOC_WARNING = "pipelines/sales/adhoc.py:4: warning: reads a file whose path change detection"


def test_a_data_change_warns_about_reads_it_cannot_resolve(sample: GitRepo):
    change(sample, "configs/thresholds.yaml", "min_rows: 5\n")
    changes = changes_of(sample)
    assert [(w.path, w.line, w.severity) for w in changes.warnings] == [
        ("pipelines/sales/adhoc.py", 4, "warning")
    ]
    assert str(changes.warnings[0]).startswith(ADHOC_WARNING)
    assert not changes.all and affected(changes) == {"pipelines/ops/audit.py"}


def test_a_code_change_warns_about_the_changed_files_only(sample: GitRepo):
    change(sample, "pipelines/sales/summary.py", "# v2\n")
    assert changes_of(sample).warnings == ()
    change(sample, "pipelines/sales/adhoc.py", "# v2\n")
    assert [w.path for w in changes_of(sample).warnings] == ["pipelines/sales/adhoc.py"]


def test_warnings_in_the_job_summary_are_code_spans(sample: GitRepo):
    sample.write("pipelines/sales/adhoc.py", "open(f'<img src=x>{name}')\n")
    sample.commit()
    (warning,) = changes_of(sample).warnings
    markdown = render_markdown(changes_of(sample).document())
    assert "1 warning:" in markdown
    assert f"- {code_span(warning)}" in markdown and code_span(warning).startswith("`` ")


def test_warnings_in_json_text_and_github_annotations(sample: GitRepo):
    change(sample, "pipelines/sales/queries/weekly.sql")
    args = ("changed", "--repo", str(sample.path), "--base", "main")
    result = run_cli(*args, "--format", "json", cwd=sample.path, env={"GITHUB_ACTIONS": ""})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [(w["path"], w["line"]) for w in document["warnings"]] == [
        ("pipelines/sales/adhoc.py", 4)
    ]
    assert set(document["warnings"][0]) == {"path", "line", "message"}
    assert document["pipelines"][0]["reasons"] == [
        "pipelines/sales/queries/weekly.sql changed (read by pipelines/sales/weekly.py)"
    ]
    assert ADHOC_WARNING in result.stderr and "::warning" not in result.stderr

    text = run_cli(*args, cwd=sample.path, env={"GITHUB_ACTIONS": ""})
    assert "1 warning:" in text.stdout and ADHOC_WARNING in text.stdout
    assert text.stderr == ""

    actions = run_cli(*args, cwd=sample.path, env={"GITHUB_ACTIONS": "true"})
    assert actions.returncode == 0, actions.stderr
    assert "::warning file=pipelines/sales/adhoc.py,line=4::reads a file" in actions.stderr
