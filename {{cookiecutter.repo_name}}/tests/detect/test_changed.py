"""Change detection end to end on real git repositories: what a change affects, and why.

The sample monorepo (``seed``) has five pipelines over a small components package ``mlkit``:

- ``sales/forecast`` and ``ops/capacity`` import ``mlkit.features``, which imports ``mlkit.io``:
  ``mlkit/io.py`` is two levels below them;
- ``sales/forecast`` and ``sales/report`` use ``pipelines/sales/_features.py`` (relative import);
- ``ops/scoring`` loads ``components/score-job/component.yaml`` by a literal path;
- ``ops/training`` loads ``train-job`` through the package helper ``mlkit.components.load``;
- ``sales/summary`` imports only kfp and the standard library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.core.errors import ConfigError
from scripts.detect.changes import ChangeSet, find_changes
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT, GitRepo, init_repo

PIPELINES = {
    "pipelines/ops/capacity.py",
    "pipelines/ops/scoring.py",
    "pipelines/ops/training.py",
    "pipelines/sales/forecast.py",
    "pipelines/sales/report.py",
    "pipelines/sales/summary.py",
}

FILES = {
    "pyproject.toml": (
        '[project]\nname = "sample"\nversion = "0"\n\n'
        '[tool.kfp-monorepo]\ncomponents-package = "mlkit"\nplatform-team = "@acme/platform"\n'
    ),
    "README.md": "# Sample\n",
    "uv.lock": "version = 1\n",
    "projects/sales.yml": "name: sales\n",
    "projects/ops.yml": "name: ops\n",
    "mlkit/__init__.py": '"""Shared components."""\n',
    "mlkit/io.py": "import json\n\n\ndef read(path):\n    return json.loads(path)\n",
    "mlkit/features.py": (
        '"""Feature steps.\n\nfrom mlkit import nothing  (prose, not code)\n"""\n'
        "from mlkit import io\n\n\ndef build(path):\n    return io.read(path)\n"
    ),
    "mlkit/components.py": (
        "def load(name):\n    from kfp import components\n\n"
        '    return components.load_component_from_file(f"components/{name}/component.yaml")\n'
    ),
    "components/score-job/component.yaml": "name: score\n",
    "components/score-job/Dockerfile": "FROM scratch\n",
    "components/train-job/component.yaml": "name: train\n",
    "components/train-job/Dockerfile": "FROM scratch\n",
    "pipelines/sales/_features.py": "def columns():\n    return ['price']\n",
    "pipelines/sales/forecast.py": (
        "from kfp import dsl\n\nfrom mlkit.features import build\n\nfrom . import _features\n"
    ),
    "pipelines/sales/report.py": (
        "from kfp import dsl\n\n\ndef helper():\n    from ._features import columns\n\n"
        "    return columns()\n"
    ),
    "pipelines/sales/summary.py": "import json\n\nfrom kfp import dsl\n",
    "pipelines/ops/capacity.py": (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import mlkit.features\n"
    ),
    "pipelines/ops/scoring.py": (
        "from kfp import components\n\n"
        'score = components.load_component_from_file("components/score-job/component.yaml")\n'
    ),
    "pipelines/ops/training.py": (
        'from mlkit import components\n\ntrain = components.load("train-job")\n'
    ),
}


def seed(repo: GitRepo) -> str:
    for path, text in FILES.items():
        repo.write(path, text)
    return repo.commit("seed")


@pytest.fixture
def sample(git_repo: GitRepo) -> GitRepo:
    seed(git_repo)
    git_repo.checkout("feature/x", create=True)
    return git_repo


def changes_of(repo: GitRepo, base: str = "main", head: str = "HEAD") -> ChangeSet:
    return find_changes(Repo(repo.path), base=base, head=head, env={})


def affected(changes: ChangeSet) -> set[str]:
    return {p.path for p in changes.pipelines}


def reasons(changes: ChangeSet, path: str) -> list[str]:
    return next(list(p.reasons) for p in changes.pipelines if p.path == path)


def test_a_module_two_levels_deep_affects_exactly_its_two_pipelines(sample: GitRepo):
    sample.write("mlkit/io.py", FILES["mlkit/io.py"] + "\nVERSION = 2\n")
    sample.commit()
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/sales/forecast.py", "pipelines/ops/capacity.py"}
    assert not changes.all
    assert reasons(changes, "pipelines/sales/forecast.py") == [
        "mlkit/io.py changed (imported by mlkit/features.py, which is imported by "
        "pipelines/sales/forecast.py)"
    ]
    assert changes.projects == () and changes.components == ()


def test_a_project_helper_affects_the_pipelines_importing_it_relatively(sample: GitRepo):
    sample.write("pipelines/sales/_features.py", "def columns():\n    return ['price', 'qty']\n")
    sample.commit()
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/sales/forecast.py", "pipelines/sales/report.py"}
    assert reasons(changes, "pipelines/sales/report.py") == [
        "pipelines/sales/_features.py changed (imported by pipelines/sales/report.py)"
    ]


def test_a_component_loaded_by_path_affects_its_pipeline_and_lists_the_component(sample: GitRepo):
    sample.write("components/score-job/component.yaml", "name: score\ndescription: v2\n")
    sample.commit()
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/ops/scoring.py"}
    assert changes.components == ("score-job",)
    assert reasons(changes, "pipelines/ops/scoring.py") == [
        "components/score-job/component.yaml changed (loaded by pipelines/ops/scoring.py)"
    ]


def test_a_component_loaded_through_the_helper_counts_any_file_of_its_folder(sample: GitRepo):
    sample.write("components/train-job/Dockerfile", "FROM scratch\nLABEL v=2\n")
    sample.commit()
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/ops/training.py"}
    assert changes.components == ("train-job",)


def test_pyproject_affects_every_pipeline(sample: GitRepo):
    sample.write("pyproject.toml", FILES["pyproject.toml"] + "# bump\n")
    sample.commit()
    changes = changes_of(sample)
    assert changes.all
    assert affected(changes) == PIPELINES
    assert changes.all_reasons == (
        "pyproject.toml changed (a repo-wide input: every pipeline counts)",
    )


@pytest.mark.parametrize(
    "path",
    ["uv.lock", "requirements-dev.txt", "scripts/build/compile.py", "scripts/build/discovery.py"],
)
def test_lock_files_and_compile_logic_are_repo_wide(sample: GitRepo, path: str):
    sample.write(path, "changed\n")
    sample.commit()
    assert changes_of(sample).all


def test_other_tooling_in_scripts_is_not_repo_wide(sample: GitRepo):
    sample.write("scripts/detect/changes.py", "changed\n")
    sample.commit()
    changes = changes_of(sample)
    assert not changes.all and not changes.any


def test_a_readme_alone_affects_nothing(sample: GitRepo):
    sample.write("README.md", "# Sample\n\nMore words.\n")
    sample.commit()
    changes = changes_of(sample)
    assert not changes.any
    assert changes.pipelines == () and not changes.all
    assert len(changes.files) == 1


def test_a_manifest_lists_its_project_not_its_pipelines(sample: GitRepo):
    sample.write("projects/sales.yml", "name: sales\nexperiments: [Default]\n")
    sample.commit()
    changes = changes_of(sample)
    assert changes.projects == ("sales",)
    assert changes.pipelines == ()


def test_a_deleted_pipeline_is_listed_under_its_own_key_and_never_as_affected(sample: GitRepo):
    sample.remove("pipelines/sales/summary.py")
    sample.commit()
    changes = changes_of(sample)
    assert changes.pipelines == ()
    assert [(d.selector, d.renamed_to) for d in changes.deleted_pipelines] == [
        ("sales/summary", None)
    ]
    assert changes.to_json()["deleted_pipelines"] == [
        {
            "project": "sales",
            "pipeline": "summary",
            "path": "pipelines/sales/summary.py",
            "renamed_to": None,
        }
    ]


def test_a_renamed_pipeline_counts_as_new_and_its_old_name_as_deleted(sample: GitRepo):
    sample.git("mv", "pipelines/sales/summary.py", "pipelines/sales/weekly_summary.py")
    sample.commit()
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/sales/weekly_summary.py"}
    assert reasons(changes, "pipelines/sales/weekly_summary.py") == [
        "pipelines/sales/weekly_summary.py added (renamed from pipelines/sales/summary.py)"
    ]
    assert [(d.path, d.renamed_to) for d in changes.deleted_pipelines] == [
        ("pipelines/sales/summary.py", "pipelines/sales/weekly_summary.py")
    ]


def test_a_deleted_module_affects_the_pipelines_still_importing_it(sample: GitRepo):
    sample.remove("pipelines/sales/_features.py")
    sample.commit()
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/sales/forecast.py", "pipelines/sales/report.py"}
    assert reasons(changes, "pipelines/sales/forecast.py")[0].startswith(
        "pipelines/sales/_features.py deleted"
    )


def test_only_the_branch_own_changes_count_after_a_merge_on_the_base(sample: GitRepo):
    sample.write("pipelines/sales/summary.py", FILES["pipelines/sales/summary.py"] + "# mine\n")
    sample.commit("branch work")
    sample.checkout("main")
    sample.write("mlkit/io.py", FILES["mlkit/io.py"] + "# theirs\n")
    sample.commit("main work")
    sample.checkout("other", create=True)
    sample.write("pipelines/ops/scoring.py", FILES["pipelines/ops/scoring.py"] + "# other\n")
    sample.commit("other work")
    sample.checkout("main")
    sample.git("merge", "--no-ff", "-q", "-m", "merge other", "other")
    sample.checkout("feature/x")
    changes = changes_of(sample)
    assert affected(changes) == {"pipelines/sales/summary.py"}
    assert changes.base == sample.git("merge-base", "main", "feature/x")


def test_branch_names_with_slashes_work_as_base_and_head(sample: GitRepo):
    sample.checkout("team/data/base-line", create=True)
    sample.write("mlkit/io.py", FILES["mlkit/io.py"] + "# 1\n")
    sample.commit()
    sample.checkout("team/data/feature-1", create=True)
    sample.write("pipelines/sales/summary.py", FILES["pipelines/sales/summary.py"] + "# 2\n")
    sample.commit()
    sample.checkout("main")  # --head names the commit: the checkout does not matter
    changes = changes_of(sample, base="team/data/base-line", head="team/data/feature-1")
    assert affected(changes) == {"pipelines/sales/summary.py"}
    assert changes.head == sample.git("rev-parse", "team/data/feature-1")


def test_the_code_is_read_at_head_not_from_the_working_tree(sample: GitRepo):
    sample.write("mlkit/io.py", FILES["mlkit/io.py"] + "# committed\n")
    sample.commit()
    # An uncommitted edit that would drop the import must not change the answer.
    (sample.path / "mlkit" / "features.py").write_text("def build(path):\n    return path\n")
    assert "pipelines/sales/forecast.py" in affected(changes_of(sample))


def test_an_unknown_reference_is_a_configuration_error(sample: GitRepo):
    with pytest.raises(ConfigError, match=r"unknown git reference 'nope'.*fetch-depth: 0"):
        changes_of(sample, base="nope")


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``python -m scripts`` of this repository, run against another checkout with --repo."""
    return subprocess.run(
        [sys.executable, "-m", "scripts", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_shallow_clone_is_exit_2_with_the_fetch_depth_fix(sample: GitRepo, tmp_path: Path):
    sample.write("pipelines/sales/summary.py", FILES["pipelines/sales/summary.py"] + "# 1\n")
    sample.commit()
    sample.checkout("main")
    sample.write("README.md", "# moved on\n")
    sample.commit()
    clone = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            "--branch",
            "feature/x",
            f"file://{sample.path}",
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    result = run_cli("changed", "--repo", str(clone), "--base", "origin/main", cwd=clone)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "no merge base" in result.stderr and "shallow" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_output_and_kfp_is_never_imported(sample: GitRepo, tmp_path: Path):
    sample.write("mlkit/io.py", FILES["mlkit/io.py"] + "# 1\n")
    sample.commit()
    probe = (
        "import sys\n"
        "from scripts.cli.main import main\n"
        f"code = main(['changed', '--repo', {str(sample.path)!r}, '--base', 'main',"
        " '--format', 'json'])\n"
        "leaked = sorted(m for m in sys.modules if m == 'kfp' or m.startswith(('kfp.', 'mlkit')))\n"
        "print('LEAKED', leaked, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "LEAKED []" in result.stderr
    document = json.loads(result.stdout)
    assert document["all"] is False
    assert document["base"] == sample.git("rev-parse", "main")
    assert document["head"] == sample.head()
    assert [p["path"] for p in document["pipelines"]] == [
        "pipelines/ops/capacity.py",
        "pipelines/sales/forecast.py",
    ]
    assert document["deleted_pipelines"] == [] and document["projects"] == []


def read_github_outputs(path: Path) -> dict[str, str]:
    """Parse ``name<<DELIMITER`` blocks the way the Actions runner does."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text("utf-8").splitlines())
    for line in lines:
        if "<<" not in line:
            name, _, outputs[name] = line.partition("=")
            continue
        name, _, delimiter = line.partition("<<")
        value = []
        for body in lines:
            if body == delimiter:
                break
            value.append(body)
        outputs[name] = "\n".join(value)
    return outputs


def test_github_format_writes_matrix_ready_outputs(sample: GitRepo, tmp_path: Path):
    sample.write("components/score-job/component.yaml", "name: score\ndescription: v2\n")
    sample.write("projects/ops.yml", "name: ops\nexperiments: [Default]\n")
    sample.remove("pipelines/sales/summary.py")
    sample.commit()
    output = tmp_path / "github_output"
    output.write_text("earlier=kept\n")
    result = run_cli(
        "changed",
        "--repo",
        str(sample.path),
        "--base",
        "main",
        "--format",
        "github",
        cwd=sample.path,
        env={"GITHUB_OUTPUT": str(output), "GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": ""},
    )
    assert result.returncode == 0, result.stderr
    assert output.read_text().startswith("earlier=kept\n")
    outputs = read_github_outputs(output)
    assert json.loads(outputs["pipelines"]) == ["ops/scoring"]
    assert outputs["pipeline_count"] == "1"
    assert json.loads(outputs["deleted_pipelines"]) == ["sales/summary"]
    assert json.loads(outputs["projects"]) == ["ops"]
    assert json.loads(outputs["components"]) == ["score-job"]
    assert outputs["any"] == "true" and outputs["all"] == "false"
    assert "ops/scoring" in result.stdout  # the text report goes to the log


def test_github_format_without_github_output_is_exit_2(sample: GitRepo):
    result = run_cli(
        "changed",
        "--repo",
        str(sample.path),
        "--base",
        "main",
        "--format",
        "github",
        cwd=sample.path,
        env={"GITHUB_OUTPUT": ""},
    )
    assert result.returncode == 2
    assert "GITHUB_OUTPUT" in result.stderr


def test_text_report_names_each_pipeline_with_its_reasons(sample: GitRepo):
    sample.write("pipelines/sales/_features.py", "def columns():\n    return []\n")
    sample.commit()
    result = run_cli("changed", "--repo", str(sample.path), "--base", "main", cwd=sample.path)
    assert result.returncode == 0, result.stderr
    assert "2 pipelines affected:" in result.stdout
    assert "  sales/report  (pipelines/sales/report.py)" in result.stdout
    assert (
        "    - pipelines/sales/_features.py changed (imported by pipelines/sales/report.py)"
        in result.stdout
    )


def write_event(tmp_path: Path, payload: dict) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


@pytest.fixture
def cloned(sample: GitRepo, tmp_path: Path) -> GitRepo:
    """A full clone (origin/main exists) checked out on a feature branch one commit ahead."""
    sample.write("pipelines/sales/summary.py", FILES["pipelines/sales/summary.py"] + "# pr\n")
    sample.commit("pr work")
    sample.checkout("main")
    sample.write("mlkit/io.py", FILES["mlkit/io.py"] + "# main moved on\n")
    sample.commit("main work")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--branch", "feature/x", str(sample.path), str(clone)],
        check=True,
        capture_output=True,
    )
    return GitRepo(clone)


def test_base_auto_in_a_pull_request_uses_the_merge_base_with_the_base_branch(
    cloned: GitRepo, tmp_path: Path
):
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "GITHUB_EVENT_PATH": write_event(tmp_path, {"pull_request": {"base": {"ref": "main"}}}),
    }
    changes = find_changes(Repo(cloned.path), base="auto", env=env)
    assert affected(changes) == {"pipelines/sales/summary.py"}
    assert changes.base_why == "merge base with origin/main (pull request into main)"


def test_base_auto_on_a_push_diffs_from_the_commit_before_it(cloned: GitRepo, tmp_path: Path):
    before = cloned.head()
    cloned.write("pipelines/ops/scoring.py", FILES["pipelines/ops/scoring.py"] + "# push\n")
    cloned.commit("pushed")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": write_event(tmp_path, {"before": before, "forced": False}),
    }
    changes = find_changes(Repo(cloned.path), base="auto", env=env)
    assert affected(changes) == {"pipelines/ops/scoring.py"}
    assert changes.base == before


@pytest.mark.parametrize("payload", [{"before": "0" * 40, "created": True}, {}])
def test_base_auto_on_a_new_branch_push_means_everything(
    cloned: GitRepo, tmp_path: Path, payload: dict
):
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": write_event(tmp_path, payload),
    }
    changes = find_changes(Repo(cloned.path), base="auto", env=env)
    assert changes.all and changes.base is None
    assert affected(changes) == PIPELINES
    assert changes.projects == ("ops", "sales")
    assert changes.components == ("score-job", "train-job")
    assert changes.all_reasons == ("the push creates the branch: every pipeline counts",)


def test_base_auto_outside_actions_uses_origin_main(cloned: GitRepo):
    changes = find_changes(Repo(cloned.path), base="auto", env={})
    assert changes.base_why == "merge base with origin/main"
    assert affected(changes) == {"pipelines/sales/summary.py"}


def test_base_auto_through_the_cli_with_a_push_event(cloned: GitRepo, tmp_path: Path):
    before = cloned.head()
    cloned.write("projects/ops.yml", "name: ops\nexperiments: [Default]\n")
    cloned.commit("manifest")
    result = run_cli(
        "changed",
        "--repo",
        str(cloned.path),
        "--base",
        "auto",
        "--format",
        "json",
        cwd=cloned.path,
        env={
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_EVENT_PATH": write_event(tmp_path, {"before": before}),
        },
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["projects"] == ["ops"] and document["pipelines"] == []
    assert document["base"] == before


def test_not_a_git_repository_is_exit_2(tmp_path: Path):
    plain = init_repo(tmp_path / "plain")
    for path, text in FILES.items():
        plain.write(path, text)
    (plain.path / ".git").rename(tmp_path / "moved-git")
    result = run_cli("changed", "--repo", str(plain.path), "--base", "main", cwd=plain.path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
