# Do not edit: the template owns this file (make template-update brings its changes).
"""Strict YAML reading for manifests and configuration: line numbers, no surprises.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys, loses line numbers and
expands aliases without bound (the "billion laughs" bomb). Manifests are infrastructure as code,
so this module reads them strictly instead: it builds plain Python values from the node graph
itself, rejects duplicate keys, counts every node it builds (bounded time and memory), and
records the line of every key so an error can point at the offending line, not the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scripts.core.errors import CheckFailed

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000
# Nesting is bounded too: PyYAML and jsonschema both recurse per level, and a file of "[[[[..."
# would otherwise end in a RecursionError instead of a line saying what is wrong.
MAX_DEPTH = 64
MERGE_TAG = "tag:yaml.org,2002:merge"

KeyPath = tuple[Any, ...]


class YamlError(CheckFailed):
    """A file that is not the YAML we accept; str() is ``path[:line]: message``."""


@dataclass
class YamlDocument:
    """A parsed YAML document: plain Python ``value`` plus the line of every key and item."""

    path: str
    value: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key_path: Sequence[Any]) -> int | None:
        """The line of ``key_path`` or of its nearest ancestor that has one."""
        key_path = tuple(key_path)
        while True:
            if key_path in self.lines:
                return self.lines[key_path]
            if not key_path:
                return None
            key_path = key_path[:-1]


class _Builder:
    """Turns a composed node graph into Python values, recording lines and counting nodes."""

    def __init__(self, loader: yaml.SafeLoader, path: str):
        self.loader = loader
        self.path = path
        self.lines: dict[KeyPath, int] = {}
        self.nodes = 0
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> YamlError:
        return YamlError(message, path=self.path, line=node.start_mark.line + 1)

    def build(self, node: yaml.Node, key_path: KeyPath) -> Any:
        self.nodes += 1
        if len(key_path) > MAX_DEPTH:
            raise self.fail(node, f"nested more than {MAX_DEPTH} levels deep — flatten it")
        if self.nodes > MAX_NODES:
            raise self.fail(
                node,
                f"more than {MAX_NODES} values (aliases expanding without bound?) — write the "
                "values out instead of nesting anchors",
            )
        self.lines.setdefault(key_path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if id(node) in self.active:
            raise self.fail(node, "an alias refers to itself — remove the recursive anchor")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*key_path, i)) for i, item in enumerate(node.value)]
            return self.build_mapping(node, key_path)
        finally:
            self.active.discard(id(node))

    def build_mapping(self, node: yaml.MappingNode, key_path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit_lines: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail(source, "'<<' merges mappings only — merge a mapping")
                    for key, value in self.build_mapping(source, key_path).items():
                        merged.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a key must be plain text — quote it or restructure")
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str):
                raise self.fail(
                    key_node,
                    f"key {key_node.value!r} is read as {type(key).__name__}, not text — quote it",
                )
            line = key_node.start_mark.line + 1
            if key in explicit_lines:
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (first at line {explicit_lines[key]}) — keep one",
                )
            explicit_lines[key] = line
            self.lines[(*key_path, key)] = line
            result[key] = self.build(value_node, (*key_path, key))
        for key, value in merged.items():
            result.setdefault(key, value)
        return result


def parse_yaml(text: str, path: str) -> YamlDocument:
    """Parse one YAML document strictly; errors are YamlError with the line."""
    if not text.strip():
        raise YamlError("the file is empty — write the YAML document into it", path=path)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlError("the file has no YAML content — write the document", path=path)
        builder = _Builder(loader, path)
        value = builder.build(node, ())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        if "\t" in problem or "'\\t'" in problem:
            message = "a tab character where YAML needs spaces — indent with spaces"
        else:
            message = f"invalid YAML: {problem} — fix the syntax on this line"
        raise YamlError(message, path=path, line=line) from None
    except RecursionError:
        raise YamlError(
            f"nested too deeply to read (the limit is {MAX_DEPTH} levels) — flatten it", path=path
        ) from None
    except yaml.YAMLError as error:
        raise YamlError(f"invalid YAML: {error} — fix the syntax", path=path) from None
    finally:
        loader.dispose()
    return YamlDocument(path=path, value=value, lines=builder.lines)


def read_text_file(file: Path, display_path: str, *, max_bytes: int = MAX_BYTES) -> str:
    """A small UTF-8 text file's content; size, encoding and access problems are YamlError."""
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            # A folder, or a FIFO or device that would block the read forever.
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise YamlError(f"this is {kind} — replace it with a file", path=display_path)
        size = info.st_size
        if size > max_bytes:
            raise YamlError(
                f"the file is {size} bytes, over the {max_bytes // 1024} KiB limit — split it "
                "or remove what does not belong in it",
                path=display_path,
            )
        data = file.read_bytes()
    except FileNotFoundError:
        if file.is_symlink():
            raise YamlError(
                f"a symbolic link to {os.readlink(file)}, which does not exist — fix or remove "
                "the link",
                path=display_path,
            ) from None
        raise YamlError("the file does not exist — create it", path=display_path) from None
    except OSError as error:
        raise YamlError(f"cannot read the file: {error.strerror}", path=display_path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise YamlError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x}) — save the file as UTF-8",
            path=display_path,
            line=line,
        ) from None


def load_yaml_mapping(file: Path, *, display_path: str | None = None) -> YamlDocument:
    """Read ``file`` as a YAML document whose top level must be a mapping."""
    shown = display_path or str(file)
    document = parse_yaml(read_text_file(file, shown), shown)
    if not isinstance(document.value, dict):
        kind = "a list" if isinstance(document.value, list) else "a single value"
        raise YamlError(
            f"the top level is {kind}, not a mapping of keys — write 'key: value' lines",
            path=shown,
            line=1,
        )
    return document
