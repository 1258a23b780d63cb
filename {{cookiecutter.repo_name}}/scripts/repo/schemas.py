# Do not edit: the template owns this file (make template-update brings its changes).
"""JSON Schema checks of YAML documents, reported as problems on the offending line.

Manifests, ``environments.yml`` and every ``component.yaml`` are checked against the schemas in
``schemas/`` (the same files editors validate with). jsonschema's own messages describe the
schema ("'x' does not match '^[a-z0-9]...'"); a person needs the line and the fix, so each error
becomes ``path:line: <field> ... — <how to fix>``, the fix taken from the schema's
``description`` of that field. jsonschema is imported inside the function so that modules which
only read manifests (CODEOWNERS generation in the post-generation hook) do not need it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from scripts.core.errors import ConfigError, Problem
from scripts.core.yaml_io import YamlDocument

SCHEMAS_DIR = "schemas"
TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "number": "a number",
    "integer": "a whole number",
    "null": "empty",
}


@cache
def _read_schema(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"cannot read the schema ({error}) — restore it from the template",
            path=f"{SCHEMAS_DIR}/{path.name}",
        ) from None


def load_schema(root: Path, name: str) -> dict[str, Any]:
    """The schema ``schemas/<name>`` of the repo at ``root``; unreadable is a ConfigError."""
    return _read_schema(Path(root).resolve() / SCHEMAS_DIR / name)


def field_label(key_path: Iterable[Any]) -> str:
    """``("experiments", 2, "name")`` -> ``experiments[2].name``."""
    label = ""
    for part in key_path:
        label += f"[{part}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "a mapping", list: "a list", str: "text"}.get(type(value), "empty")


def _with_hint(message: str, schema: dict[str, Any], lead: str = "") -> str:
    hint = schema.get("description") if isinstance(schema, dict) else None
    return f"{message} — {lead}{hint}" if hint else message


def _unknown_key_message(key: str, allowed: list[str]) -> str:
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"{message} — did you mean {close[0]!r}? Allowed keys: {', '.join(allowed)}"
    return f"{message} — remove it; allowed keys: {', '.join(allowed)}"


def _problems_of_error(error: Any, document: YamlDocument) -> list[Problem]:
    """One jsonschema error -> the problems a person reads (several for several bad keys)."""
    path = tuple(error.absolute_path)
    found = _key_messages(error, path)
    if found is None:
        found = [_value_message(error, path)]
    return [
        Problem(document.path, document.line_of(key_path), message) for key_path, message in found
    ]


def _key_messages(error: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]] | None:
    """(key path, message) for errors about a mapping's keys, each on the key's own line so
    that several bad keys are several problems; None for any other error."""
    label = field_label(path)
    schema = error.schema
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        return [((*path, key), _unknown_key_message(key, allowed)) for key in extra]
    if validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        properties = schema.get("properties", {})
        where = f"{label}: " if label else ""
        return [
            (path, _with_hint(f"{where}missing key {key!r}", hint, "add it: "))
            for key in missing
            for hint in [properties.get(key, schema)]
        ]
    if "propertyNames" in error.absolute_schema_path:
        key = error.instance
        subject = label or "the document"
        return [((*path, key), _with_hint(f"{subject}: key {key!r} is not valid", schema))]
    return None


def _value_message(error: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], str]:
    """(key path, message) for an error about one value: what it must be instead, with the
    schema's description as the fix, rather than jsonschema's wording of the schema."""
    subject = field_label(path) or "the document"
    schema = error.schema
    validator = error.validator
    if validator == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(TYPE_NAMES[name] for name in expected)
        actual = type_name(error.instance)
        return path, _with_hint(f"{subject} must be {wanted}, not {actual}", schema)
    if validator == "const":
        return path, _with_hint(
            f"{subject} must be {error.validator_value!r}, not {error.instance!r}", schema
        )
    if validator in ("minItems", "minProperties") or (
        validator == "minLength" and error.validator_value == 1
    ):
        return path, _with_hint(f"{subject} is empty", schema)
    if validator == "maxLength":
        return (
            path,
            f"{subject} is {len(error.instance)} characters, over the limit of "
            f"{error.validator_value} — shorten it",
        )
    if validator == "uniqueItems" and (repeat := _first_repeat(error.instance)) is not None:
        index, item = repeat
        return (*path, index), f"{subject} lists {item!r} twice — keep one"
    if validator == "pattern":
        return path, _with_hint(f"{subject} {error.instance!r} is not valid", schema)
    return path, _with_hint(f"{subject}: {error.message}", schema)


def _first_repeat(items: Iterable[Any]) -> tuple[int, Any] | None:
    """The index and value of the first item equal to an earlier one (compared as JSON, so
    mappings and lists count too), to point at the repeat rather than the whole list."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        marker = json.dumps(item, sort_keys=True)
        if marker in seen:
            return index, item
        seen.add(marker)
    return None


def schema_problems(document: YamlDocument, schema: dict[str, Any]) -> list[Problem]:
    """Every schema violation in ``document``, each on the line of the offending key."""
    from jsonschema import Draft202012Validator  # lazily: see the module docstring

    errors = list(Draft202012Validator(schema).iter_errors(document.value))
    # An empty string also fails the field's pattern; "is empty" already says what to do.
    empty = {
        tuple(e.absolute_path)
        for e in errors
        if e.validator == "minLength" and e.validator_value == 1
    }
    problems: list[Problem] = []
    for error in errors:
        if error.validator == "pattern" and tuple(error.absolute_path) in empty:
            continue
        for problem in _problems_of_error(error, document):
            if problem not in problems:
                problems.append(problem)
    return sorted(problems, key=lambda p: (p.line or 0, p.message))
