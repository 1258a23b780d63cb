# Do not edit: the template owns this file (make template-update brings its changes).
"""Pinning a component's image by digest (``validate`` finds the unpinned ones:
``scripts/repo/components.py``).

``component.yaml`` is written by people (comments, key order, quoting), so pinning edits the
text, not a re-dumped YAML tree: only the characters of the ``implementation.container.image``
value change, every other byte stays. The edit is checked by parsing the result again before it
is written, and written atomically, so a surprise in the file's shape is an error, never a
half-written spec.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from scripts.core.errors import CheckFailed
from scripts.core.fileio import write_atomically
from scripts.core.yaml_io import YamlError, parse_yaml, read_text_file
from scripts.repo.components import IMAGE_KEY

PIN_CHECK = "sha256:" + "0" * 64  # a digest for the dry edit of check_pinnable
# A reference that needs no quotes in YAML: registry hosts, paths, tags and digests.
PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")


def _image_scalar(text: str, shown: str) -> yaml.ScalarNode:
    """The YAML node of ``implementation.container.image``, with its character positions."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for key in IMAGE_KEY:
        if not isinstance(node, yaml.MappingNode):
            node = None
            break
        node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if not isinstance(node, yaml.ScalarNode):
        raise CheckFailed(
            "no implementation.container.image to pin — add the image line", path=shown
        )
    return node


def pin_image(spec: Path, reference: str, *, display_path: str | None = None) -> bool:
    """Point ``spec``'s image at ``reference``; True when the file changed.

    Only the image value's characters are replaced (its quotes too, if it had any); comments,
    spacing, key order and line endings stay as they were.
    """
    shown = display_path or str(spec)
    # Decoded from bytes, not read in text mode: universal newlines would hide \r\n, and the
    # node's marks must index the text exactly as stored.
    text = read_text_file(spec, shown)
    updated = pinned_text(text, reference, shown)
    if updated == text:
        return False
    write_atomically(spec, updated, display_path=shown, error=CheckFailed)
    return True


def check_pinnable(spec: Path, *, display_path: str) -> None:
    """Raise the CheckFailed that pinning ``spec`` would raise, writing nothing: ``images
    --pin`` asks this of every spec before it builds or pushes anything."""
    pinned_text(read_text_file(spec, display_path), f"pin.invalid/check@{PIN_CHECK}", display_path)


def pinned_text(text: str, reference: str, shown: str) -> str:
    """``text`` with its image value replaced by ``reference``.

    The text is read as strictly as ``validate`` reads it (duplicate keys, aliases, tabs), and
    the edit is accepted only if the result reads back as the same document with nothing but
    the image changed: an image given through an alias or anchor, for instance, would
    otherwise edit another line.
    """
    if not PLAIN_SCALAR.match(reference):
        raise CheckFailed(f"refusing to pin {reference!r}: not an image reference", path=shown)
    expected = parse_yaml(text, shown).value
    node = _image_scalar(text, shown)
    if node.value == reference:
        return text
    start, end = node.start_mark.index, node.end_mark.index
    updated = text[:start] + reference + text[end:]
    expected["implementation"]["container"]["image"] = reference
    try:
        unchanged_otherwise = parse_yaml(updated, shown).value == expected
    except YamlError:
        unchanged_otherwise = False
    if not unchanged_otherwise or updated.count("\n") != text.count("\n"):
        raise CheckFailed(
            "cannot pin this image value in place (write it on one line as image: <reference>)",
            path=shown,
            line=node.start_mark.line + 1,
        )
    return updated
