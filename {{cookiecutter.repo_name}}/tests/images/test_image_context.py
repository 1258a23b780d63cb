"""Image tags and pinning without a Docker Engine: the context hash, the pin edit, the warning."""

from __future__ import annotations

import os

import pytest

from scripts.core.errors import CheckFailed
from scripts.images import context as image_context
from scripts.images.context import context_hash, context_paths
from scripts.images.pin import pin_image
from scripts.repo.components import is_pinned, unpinned_components
from scripts.repo.model import Repo

DIGEST = "sha256:" + "ab" * 32
SPEC = """\
# The alpha component. Comments, order and quoting survive pinning.
name: Alpha
implementation:
  container:
    image: "registry.example.com/ml/alpha:dev"   # CI rewrites this value
    command: [cat, /hello.txt]
"""


@pytest.fixture
def component(tmp_path):
    folder = tmp_path / "alpha"
    (folder / "src").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "Dockerfile").write_text("FROM scratch\nCOPY src/ /\n")
    (folder / "src" / "hello.txt").write_text("hello\n")
    (folder / "tests" / "test_alpha.py").write_text("def test_nothing():\n    pass\n")
    (folder / "component.yaml").write_text(SPEC)
    return folder


def test_context_is_the_folder_less_spec_tests_and_dockerignore(component):
    (component / ".dockerignore").write_text("# notes\n*.md\n!KEEP.md\n")
    (component / "NOTES.md").write_text("not in the image\n")
    (component / "KEEP.md").write_text("in the image\n")
    (component / "src" / "__pycache__").mkdir()
    (component / "src" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert context_paths(component) == [
        ".dockerignore",
        "Dockerfile",
        "KEEP.md",
        "src",
        "src/hello.txt",
    ]


def test_the_hash_ignores_what_is_not_sent_to_the_engine(component):
    before = context_hash(component)
    pin_image(component / "component.yaml", f"registry.example.com/ml/alpha@{DIGEST}")
    (component / "tests" / "test_alpha.py").write_text("def test_more():\n    assert True\n")
    (component / ".dockerignore").write_text("*.md\n")
    after_dockerignore = context_hash(component)
    assert after_dockerignore != before  # .dockerignore itself is part of the context
    (component / "README.md").write_text("ignored\n")
    assert context_hash(component) == after_dockerignore


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda f: (f / "src" / "hello.txt").write_text("hello!\n"), id="bytes"),
        pytest.param(lambda f: (f / "src" / "new.txt").write_text(""), id="new-file"),
        pytest.param(lambda f: (f / "src" / "hello.txt").rename(f / "src" / "hi.txt"), id="rename"),
        pytest.param(lambda f: os.chmod(f / "src" / "hello.txt", 0o755), id="exec-bit"),
        pytest.param(lambda f: (f / "src" / "empty").mkdir(), id="empty-folder"),
        pytest.param(lambda f: (f / "Dockerfile").write_text("FROM scratch\n"), id="dockerfile"),
    ],
)
def test_any_change_to_the_context_changes_the_tag(component, change):
    before = context_hash(component)
    change(component)
    after = context_hash(component)
    assert after != before and len(after) == 24


def test_the_hash_does_not_depend_on_timestamps_or_location(component, tmp_path):
    before = context_hash(component)
    os.utime(component / "src" / "hello.txt", (0, 0))
    moved = component.rename(tmp_path / "elsewhere")
    assert context_hash(moved) == before


def test_a_dockerignore_that_is_not_utf8_is_one_line(component):
    # It was read with read_text("utf-8") and ended in an internal error.
    (component / ".dockerignore").write_bytes(b"caf\xe9\n")
    with pytest.raises(CheckFailed) as caught:
        context_paths(component, "components/alpha")
    assert str(caught.value) == (
        "components/alpha/.dockerignore:1: not UTF-8 text (byte 0xe9) — save the file as UTF-8"
    )


def test_files_are_hashed_in_chunks_to_the_same_tag(component, monkeypatch):
    # Large files (a model, a wheel) are streamed, not read whole. The tag is pinned to its
    # value before streaming: a changed hash would rebuild every image of every repo.
    (component / "src" / "model.bin").write_bytes(bytes(range(256)) * 64)
    (component / "run.sh").write_text("#!/bin/sh\n")
    (component / "run.sh").chmod(0o755)
    (component / "link").symlink_to("src/hello.txt")
    assert context_hash(component) == "bca9e516c7f412ede43beb24"
    monkeypatch.setattr(image_context, "CHUNK_BYTES", 7)
    assert context_hash(component) == "bca9e516c7f412ede43beb24"


def test_pin_rewrites_only_the_image_value(component):
    spec = component / "component.yaml"
    reference = f"127.0.0.1:5000/ml/alpha@{DIGEST}"
    assert pin_image(spec, reference) is True
    old, new = SPEC.splitlines(), spec.read_text().splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert changed == [4]
    assert new[4] == f"    image: {reference}   # CI rewrites this value"
    assert pin_image(spec, reference) is False  # already pinned: the file is not written


def test_pin_keeps_crlf_line_endings_and_flow_style(tmp_path):
    spec = tmp_path / "component.yaml"
    original = "name: x\r\nimplementation: {container: {image: 'a/b:1', command: [x]}}\r\n"
    spec.write_bytes(original.encode())
    pin_image(spec, f"a/b@{DIGEST}")
    assert spec.read_bytes() == original.replace("'a/b:1'", f"a/b@{DIGEST}").encode()


def test_pin_refuses_a_spec_without_an_image_and_leaves_it_alone(tmp_path):
    spec = tmp_path / "component.yaml"
    spec.write_text("name: x\nimplementation:\n  container:\n    command: [x]\n")
    with pytest.raises(CheckFailed, match=r"no implementation\.container\.image"):
        pin_image(spec, f"a/b@{DIGEST}")
    assert spec.read_text() == "name: x\nimplementation:\n  container:\n    command: [x]\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # The image through an alias: the anchor's line was edited, the alias left dangling,
        # and PyYAML's ComposerError escaped as an internal error.
        (
            "name: x\nbase: &img a/b:1\nimplementation:\n  container:\n    image: *img\n",
            "spec.yaml:2: cannot pin this image value in place",
        ),
        # Two image keys: the first was pinned while readers use the last; validate rejects it.
        (
            "name: x\nimplementation:\n  container:\n    image: a\n    image: b\n",
            "spec.yaml:5: duplicate key 'image' (first at line 4)",
        ),
        (b"name: caf\xe9\nimplementation: {container: {image: a}}\n", "spec.yaml:1: not UTF-8"),
        ("name: [x\n", "spec.yaml:2: invalid YAML"),
    ],
    ids=["alias", "duplicate key", "not UTF-8", "bad YAML"],
)
def test_pin_refuses_a_spec_it_cannot_edit_safely_in_one_line(tmp_path, content, expected):
    spec = tmp_path / "component.yaml"
    original = content if isinstance(content, bytes) else content.encode()
    spec.write_bytes(original)
    with pytest.raises(CheckFailed) as caught:
        pin_image(spec, f"a/b@{DIGEST}", display_path="spec.yaml")
    assert str(caught.value).startswith(expected), str(caught.value)
    assert spec.read_bytes() == original


def test_pin_refuses_what_is_not_an_image_reference(component):
    with pytest.raises(CheckFailed, match="not an image reference"):
        pin_image(component / "component.yaml", "a/b@sha256:x\n  evil: true")
    assert (component / "component.yaml").read_text() == SPEC


def test_is_pinned():
    assert is_pinned(f"ghcr.io/acme/x@{DIGEST}")
    assert not is_pinned("ghcr.io/acme/x:latest")
    assert not is_pinned("ghcr.io/acme/x@sha256:abc")


def test_unpinned_components_warn_with_the_image_line(tmp_path):
    repo_root = tmp_path / "repo"
    (repo_root / "components" / "built").mkdir(parents=True)
    (repo_root / "components" / "external").mkdir()
    (repo_root / "components" / "pinned").mkdir()
    (repo_root / "components" / "built" / "Dockerfile").write_text("FROM scratch\n")
    (repo_root / "components" / "built" / "component.yaml").write_text(SPEC)
    (repo_root / "components" / "external" / "component.yaml").write_text(
        "name: e\nimplementation:\n  container:\n    image: python:3.12\n"
    )
    (repo_root / "components" / "pinned" / "component.yaml").write_text(
        f"name: p\nimplementation:\n  container:\n    image: python@{DIGEST}\n"
    )
    warnings = unpinned_components(Repo(repo_root))
    assert [(w.path, w.line, w.severity) for w in warnings] == [
        ("components/built/component.yaml", 5, "warning"),
        ("components/external/component.yaml", 4, "warning"),
    ]
    assert "CI pins it" in warnings[0].message
    assert "image: <name>@sha256:<digest>" in warnings[1].message
