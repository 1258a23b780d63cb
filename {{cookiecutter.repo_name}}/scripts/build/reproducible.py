# Do not edit: the template owns this file (make template-update brings its changes).
"""Compiled bytes that depend on the pipeline alone, never on the Python process that compiled it.

The KFP compiler writes a header comment listing the pipeline's inputs with their defaults. It
renders a dict or list default from the spec's ``google.protobuf.Struct``, whose map iterates in
an order that changes with Python's hash seed, so the same pipeline compiled twice could differ
in that comment alone (the YAML body is written with sorted keys and is stable). A spec whose
bytes change from run to run breaks ``compile.json``'s digest, the "unchanged" check of publish
and any cache keyed on the file. ``stable_header`` rewrites each such default in the header from
the spec body, whose keys are sorted, exactly as the compiler prints it otherwise.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_LINE = re.compile(r"^(?P<head>#    (?P<name>[^:\s]+): (?:dict|list) \[Default: ).*\]$")


def stable_header(data: bytes) -> bytes:
    """``data`` (a compiled spec) with its header's dict and list defaults in key order."""
    text = data.decode("utf-8")
    header_end = 0
    lines = text.splitlines(keepends=True)
    while header_end < len(lines) and lines[header_end].startswith("#"):
        header_end += 1
    if not any(DEFAULT_LINE.match(line.rstrip("\n")) for line in lines[:header_end]):
        return data
    defaults = _input_defaults(text)
    for index in range(header_end):
        line = lines[index].rstrip("\n")
        match = DEFAULT_LINE.match(line)
        if match and match.group("name") in defaults:
            value = defaults[match.group("name")]
            lines[index] = f"{match.group('head')}{value}]\n"
    return "".join(lines).encode("utf-8")


def _input_defaults(text: str) -> dict[str, Any]:
    """The root inputs' defaults from the spec body (its first YAML document), as the compiler
    loads them: mappings in the body's sorted key order, numbers as floats."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = next(iter(yaml.load_all(text, Loader=loader)), None) or {}
    parameters = spec.get("root", {}).get("inputDefinitions", {}).get("parameters", {})
    return {
        name: body["defaultValue"]
        for name, body in parameters.items()
        if isinstance(body, dict) and isinstance(body.get("defaultValue"), dict | list)
    }
