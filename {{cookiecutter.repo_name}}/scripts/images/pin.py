"""Pinning a component's image by digest, and finding components that are not pinned.

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

from scripts.core.errors import CheckFailed, Problem
from scripts.core.fileio import write_atomically
from scripts.core.yaml_io import YamlError, load_yaml_mapping, parse_yaml, read_text_file
from scripts.repo.model import Repo

SPEC_FILE = "component.yaml"
IMAGE_KEY = ("implementation", "container", "image")
PINNED = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
PIN_CHECK = "sha256:" + "0" * 64  # a digest for the dry edit of check_pinnable
# A reference that needs no quotes in YAML: registry hosts, paths, tags and digests.
PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")


def is_pinned(image: str) -> bool:
    return bool(PINNED.match(image))


def image_of(spec: Path, display_path: str) -> tuple[str | None, int | None]:
    """The image reference in a component spec and its line (None when it has none)."""
    document = load_yaml_mapping(spec, display_path=display_path)
    node = document.value
    for key in IMAGE_KEY:
        node = node.get(key) if isinstance(node, dict) else None
    return (node if isinstance(node, str) else None), document.line_of(IMAGE_KEY)


def unpinned_components(repo: Repo) -> list[Problem]:
    """A warning for every component whose image is not ``name@sha256:<digest>``.

    ``validate`` reports these: an image referenced by tag can change under a pipeline without
    any commit. Specs that cannot be read are left to validate's own errors.
    """
    warnings = []
    for folder in repo.component_dirs():
        spec = folder / SPEC_FILE
        shown = repo.relative(spec)
        try:
            image, line = image_of(spec, shown)
        except YamlError:
            continue
        if image is None or is_pinned(image):
            continue
        if (folder / "Dockerfile").is_file():
            fix = (
                "CI pins it when it builds the image on main (python -m scripts images --env "
                "prod --push --pin)"
            )
        else:
            fix = "pin it to the digest of the image you use: image: <name>@sha256:<digest>"
        warnings.append(
            Problem(shown, line, f"image {image} is not pinned by digest — {fix}", "warning")
        )
    return warnings


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
