"""Git plumbing for change detection on real repositories: NUL-separated diffs with renames and
deletions, merge bases, unknown references and shallow clones, blobs read in one call, and what
``--base auto`` picks in and out of GitHub Actions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scripts.core.errors import ConfigError
from scripts.detect.base import resolve_auto_base
from scripts.detect.git import (
    FileChange,
    changed_files,
    list_tree,
    merge_base,
    parse_name_status,
    read_blobs,
    resolve_commit,
)
from tests.helpers.git_repos import GitRepo


def test_changed_files_with_renames_deletions_and_awkward_names(git_repo: GitRepo):
    git_repo.write("keep.py", "x = 1\n")
    git_repo.write("old name.py", "a = 1\nb = 2\nc = 3\nd = 4\n")
    git_repo.write("gone.py", "y = 2\n")
    base = git_repo.commit()
    git_repo.git("mv", "old name.py", "nouveau_nom_é.py")
    git_repo.remove("gone.py")
    git_repo.write("keep.py", "x = 2\n")
    git_repo.write("dir with space/new\tfile.py", "z = 3\n")
    head = git_repo.commit()
    changes = changed_files(git_repo.path, base, head)
    assert sorted(changes, key=lambda c: c.path) == [
        FileChange("A", "dir with space/new\tfile.py"),
        FileChange("D", "gone.py"),
        FileChange("M", "keep.py"),
        FileChange("R", "nouveau_nom_é.py", "old name.py"),
    ]


def test_user_configuration_cannot_change_what_is_parsed(git_repo: GitRepo):
    git_repo.write("a.py", "a = 1\nb = 2\nc = 3\n")
    base = git_repo.commit()
    git_repo.git("mv", "a.py", "b.py")
    head = git_repo.commit()
    git_repo.git("config", "diff.renames", "false")
    git_repo.git("config", "diff.noprefix", "true")
    git_repo.git("config", "core.quotepath", "true")
    assert changed_files(git_repo.path, base, head) == [FileChange("R", "b.py", "a.py")]


def test_parse_name_status_handles_every_status():
    out = b"M\0a.py\0R087\0old.py\0new.py\0C100\0src.py\0copy.py\0D\0gone.py\0T\0link\0"
    assert parse_name_status(out) == [
        FileChange("M", "a.py"),
        FileChange("R", "new.py", "old.py"),
        FileChange("C", "copy.py", "src.py"),
        FileChange("D", "gone.py"),
        FileChange("T", "link"),
    ]


def test_merge_base_ignores_commits_on_the_base_after_the_branch_point(git_repo: GitRepo):
    git_repo.write("a.py", "1\n")
    point = git_repo.commit()
    git_repo.checkout("feature/one", create=True)
    git_repo.write("b.py", "2\n")
    git_repo.commit()
    git_repo.checkout("main")
    git_repo.write("c.py", "3\n")
    git_repo.commit()
    assert merge_base(git_repo.path, "main", "feature/one") == point


def test_unknown_reference_says_how_to_fix(git_repo: GitRepo):
    git_repo.write("a.py", "1\n")
    git_repo.commit()
    with pytest.raises(ConfigError) as error:
        resolve_commit(git_repo.path, "origin/does-not-exist")
    assert "unknown git reference 'origin/does-not-exist'" in str(error.value)
    assert "fetch-depth: 0" in str(error.value)


def test_an_option_looking_reference_is_a_reference_not_an_option(git_repo: GitRepo):
    git_repo.write("a.py", "1\n")
    git_repo.commit()
    with pytest.raises(ConfigError, match="unknown git reference '--output=x'"):
        resolve_commit(git_repo.path, "--output=x")
    assert not (git_repo.path / "x").exists()


def test_no_merge_base_in_a_shallow_clone_is_an_error(git_repo: GitRepo, tmp_path: Path):
    git_repo.write("a.py", "1\n")
    git_repo.commit()
    git_repo.checkout("feature", create=True)
    git_repo.write("b.py", "2\n")
    git_repo.commit()
    git_repo.checkout("main")
    git_repo.write("c.py", "3\n")
    git_repo.commit()
    clone = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            f"file://{git_repo.path}",
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    with pytest.raises(ConfigError) as error:
        merge_base(clone, "origin/main", "origin/feature")
    assert "this clone is shallow" in str(error.value)
    assert "fetch-depth: 0" in str(error.value)


def test_blobs_with_equal_content_each_get_their_content(git_repo: GitRepo):
    git_repo.write("a.py", "same\n")
    git_repo.write("b/c.py", "same\n")
    git_repo.write("d.py", "")
    head = git_repo.commit()
    tree = {entry.path: entry.object_id for entry in list_tree(git_repo.path, head)}
    assert set(tree) == {"a.py", "b/c.py", "d.py"}
    blobs = read_blobs(git_repo.path, list(tree.values()))
    assert blobs[tree["a.py"]] == blobs[tree["b/c.py"]] == b"same\n"
    assert blobs[tree["d.py"]] == b""


# -- --base auto -------------------------------------------------------------------------------


@pytest.fixture
def clone(git_repo: GitRepo, tmp_path: Path) -> GitRepo:
    git_repo.write("a.py", "1\n")
    git_repo.commit()
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(git_repo.path), str(target)], check=True)
    return GitRepo(target)


def event(tmp_path: Path, name: str, payload: dict) -> dict[str, str]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(payload))
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path)}


def test_auto_pull_request_prefers_the_remote_base_branch(clone: GitRepo, tmp_path: Path):
    env = {**event(tmp_path, "pull_request", {}), "GITHUB_BASE_REF": "main"}
    assert resolve_auto_base(clone.path, env).ref == "origin/main"


def test_auto_pull_request_falls_back_to_the_event_base_sha(clone: GitRepo, tmp_path: Path):
    sha = clone.head()
    payload = {"pull_request": {"base": {"ref": "release/2026", "sha": sha}}}
    env = {**event(tmp_path, "pull_request_target", payload), "GITHUB_BASE_REF": "release/2026"}
    assert resolve_auto_base(clone.path, env).ref == sha


def test_auto_pull_request_with_the_base_branch_missing_is_an_error(clone: GitRepo, tmp_path: Path):
    env = {**event(tmp_path, "pull_request", {}), "GITHUB_BASE_REF": "develop"}
    with pytest.raises(ConfigError, match=r"base branch develop is not in this clone.*fetch-depth"):
        resolve_auto_base(clone.path, env)


def test_auto_push_uses_before(clone: GitRepo, tmp_path: Path):
    before = clone.head()
    choice = resolve_auto_base(clone.path, event(tmp_path, "push", {"before": before}))
    assert choice.ref == before


@pytest.mark.parametrize("payload", [{"before": "0" * 40}, {"before": ""}, {}])
def test_auto_push_of_a_new_branch_means_everything(clone: GitRepo, tmp_path: Path, payload):
    choice = resolve_auto_base(clone.path, event(tmp_path, "push", payload))
    assert choice.ref is None
    assert "every pipeline" in choice.why


def test_auto_push_with_an_unknown_before(clone: GitRepo, tmp_path: Path):
    missing = "1" * 40
    with pytest.raises(ConfigError, match=r"not in this clone.*fetch-depth: 0"):
        resolve_auto_base(clone.path, event(tmp_path, "push", {"before": missing}))
    forced = resolve_auto_base(
        clone.path, event(tmp_path, "push", {"before": missing, "forced": True})
    )
    assert forced.ref is None and "forced push" in forced.why


def test_auto_on_other_events_means_everything(clone: GitRepo, tmp_path: Path):
    choice = resolve_auto_base(clone.path, event(tmp_path, "workflow_dispatch", {}))
    assert choice.ref is None and "workflow_dispatch" in choice.why


def test_auto_with_an_unreadable_event_file_is_an_error(clone: GitRepo, tmp_path: Path):
    env = event(tmp_path, "push", {})
    Path(env["GITHUB_EVENT_PATH"]).write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read the GitHub event payload"):
        resolve_auto_base(clone.path, env)


def test_auto_outside_actions(clone: GitRepo, git_repo: GitRepo):
    assert resolve_auto_base(clone.path, {}).ref == "origin/main"
    assert resolve_auto_base(git_repo.path, {"GITHUB_EVENT_NAME": "push"}).ref == "main"
    git_repo.git("branch", "-m", "main", "trunk")
    with pytest.raises(ConfigError, match="neither origin/main nor main"):
        resolve_auto_base(git_repo.path, {})
