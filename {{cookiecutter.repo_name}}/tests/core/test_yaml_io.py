"""Strict YAML reading: every bad input is one clear line with its line number."""

from __future__ import annotations

import os

import pytest

from scripts.core.yaml_io import YamlError, load_yaml_mapping, parse_yaml


def error_of(tmp_path, content: bytes | str) -> str:
    file = tmp_path / "m.yml"
    file.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(YamlError) as caught:
        load_yaml_mapping(file, display_path="projects/m.yml")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_lines_of_keys_and_items():
    document = parse_yaml("a: 1\nb:\n  - x: 2\n  - y: 3\n", "f.yml")
    assert document.value == {"a": 1, "b": [{"x": 2}, {"y": 3}]}
    assert document.line_of(("b", 1, "y")) == 4
    assert document.line_of(("b", 0)) == 3
    assert document.line_of(("b", 5, "missing")) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", "projects/m.yml:3: duplicate key 'a' (first at line 1)"),
        ("a:\n\tb: 1\n", "projects/m.yml:2: a tab character where YAML needs spaces"),
        ("", "projects/m.yml: the file is empty"),
        ("   \n", "projects/m.yml: the file is empty"),
        ("- a\n- b\n", "projects/m.yml:1: the top level is a list"),
        ("just text\n", "projects/m.yml:1: the top level is a single value"),
        ("a: [1, 2\n", "projects/m.yml:"),
        ("a: 1\n1: x\n", "projects/m.yml:2: key '1' is read as int"),
        (b"name: caf\xe9\n", "projects/m.yml:1: not UTF-8 text (byte 0xe9)"),
        ("a: &x [*x]\n", "projects/m.yml:1: "),
    ],
)
def test_bad_input_is_one_line(tmp_path, content, expected):
    assert error_of(tmp_path, content).startswith(expected)


def test_alias_bomb_is_bounded(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    message = error_of(tmp_path, "\n".join(lines) + "\n")
    assert "aliases expanding without bound" in message


def test_oversized_file(tmp_path):
    message = error_of(tmp_path, "a: " + "x" * (1024 * 1024) + "\n")
    assert "over the 1024 KiB limit" in message


def test_missing_file(tmp_path):
    with pytest.raises(YamlError, match="does not exist"):
        load_yaml_mapping(tmp_path / "none.yml")


def test_merge_keys_keep_explicit_values():
    document = parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", "f.yml")
    assert document.value["c"] == {"x": 1, "y": 3}


def test_a_folder_is_named_as_such(tmp_path):
    (tmp_path / "m.yml").mkdir()
    with pytest.raises(YamlError) as caught:
        load_yaml_mapping(tmp_path / "m.yml", display_path="projects/m.yml")
    assert str(caught.value) == "projects/m.yml: this is a folder — replace it with a file"


def test_a_fifo_is_refused_instead_of_blocking_the_read(tmp_path):
    # Reading a FIFO with no writer blocks forever: validate hung on projects/x.yml as a FIFO.
    os.mkfifo(tmp_path / "m.yml")
    with pytest.raises(YamlError) as caught:
        load_yaml_mapping(tmp_path / "m.yml", display_path="projects/m.yml")
    assert str(caught.value) == (
        "projects/m.yml: this is not a regular file — replace it with a file"
    )
