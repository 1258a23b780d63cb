"""List filters in the AIP-160 syntax (https://google.aip.dev/160), for the fields each Vertex AI
list method documents (`ListPipelineJobsRequest.filter`, `ListSchedulesRequest.filter`,
`ListContextsRequest.filter`).

Grammar kept: restrictions `field OP value` with OP in = != < > <= >= and `:` (has), values
quoted or bare (the SDK's `PipelineJobSchedule.list_jobs` sends `schedule_name=projects/...`
unquoted), `*` wildcards in string values, `field:*` presence, `labels.KEY` and `labels:KEY`,
NOT, parentheses, AND and OR, where OR binds tighter than AND as AIP-160 says. Field names may be
snake_case or camelCase (the SDK documents both). Anything else, an unknown field or a comparator
a field does not support is 400 INVALID_ARGUMENT, as the real service refuses filters it cannot
apply rather than ignoring them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.servers.vertex_backend.clock import parse_rfc3339
from tests.servers.vertex_backend.errors import ApiError, invalid_argument

Predicate = Callable[[Any], bool]
EQUALITY = frozenset({"=", "!="})
ORDERING = frozenset({"=", "!=", "<", ">", "<=", ">="})


@dataclass(frozen=True)
class Field:
    """One filterable field: `kind` is string, time, enum, labels or presence; `get` reads it
    from a record (a label map for labels, None when a time or string is unset)."""

    kind: str
    get: Callable[[Any], Any]
    ops: frozenset[str] = EQUALITY
    values: frozenset[str] = frozenset()


def compile_filter(text: str, fields: dict[str, Field]) -> Predicate:
    """The predicate `text` means for records described by `fields`; ApiError 400 if none."""
    if not text.strip():
        return lambda _record: True
    return _Parser(text, fields).parse()


def _snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


class _Parser:
    _NAME = re.compile(r'[A-Za-z_][\w.\-]*(?:"[^"]*")?')
    _OP = re.compile(r"<=|>=|!=|=|<|>|:")
    _BARE = re.compile(r"[^\s()]+")
    _QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')

    def __init__(self, text: str, fields: dict[str, Field]) -> None:
        self.text = text
        self.pos = 0
        self.fields = fields

    def parse(self) -> Predicate:
        predicate = self._expression()
        self._skip_space()
        if self.pos != len(self.text):
            raise self._error(f"unexpected text at {self.text[self.pos :]!r}")
        return predicate

    def _expression(self) -> Predicate:
        parts = [self._factor()]
        while self._keyword("AND"):
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else lambda r: all(p(r) for p in parts)

    def _factor(self) -> Predicate:
        parts = [self._term()]
        while self._keyword("OR"):
            parts.append(self._term())
        return parts[0] if len(parts) == 1 else lambda r: any(p(r) for p in parts)

    def _term(self) -> Predicate:
        if self._keyword("NOT"):
            inner = self._term()
            return lambda r: not inner(r)
        self._skip_space()
        if self.text.startswith("(", self.pos):
            self.pos += 1
            inner = self._expression()
            self._skip_space()
            if not self.text.startswith(")", self.pos):
                raise self._error("missing ')'")
            self.pos += 1
            return inner
        return self._restriction()

    def _restriction(self) -> Predicate:
        name = self._take(self._NAME, "a field name")
        op = self._take(self._OP, f"a comparator after {name!r}")
        self._skip_space()
        quoted = self._QUOTED.match(self.text, self.pos)
        if quoted:
            self.pos = quoted.end()
            value = re.sub(r"\\(.)", r"\1", quoted.group(1))
        else:
            value = self._take(self._BARE, f"a value after {name}{op}")
        return self._compare(name, op, value)

    def _compare(self, name: str, op: str, value: str) -> Predicate:
        head, _, key = name.partition(".")
        if _snake(head) == "labels":
            return self._labels(key.strip('"'), op, value)
        field_name = ".".join(_snake(part) for part in name.split("."))
        spec = self.fields.get(field_name)
        if spec is None or spec.kind == "labels":
            raise self._error(f"unsupported filter field {name!r}")
        if op == ":" and value == "*":
            return lambda r: spec.get(r) not in (None, "", False)
        if op not in spec.ops:
            raise self._error(f"field {name!r} does not support the comparator {op!r}")
        if spec.kind == "time":
            return _time_comparison(spec, op, self._timestamp(value))
        if spec.kind == "enum" and value not in spec.values:
            raise self._error(f"invalid value {value!r} for {name!r}")
        matches = _wildcard(value).fullmatch
        if op == "!=":
            return lambda r: not matches(spec.get(r) or "")
        return lambda r: bool(matches(spec.get(r) or ""))

    def _labels(self, key: str, op: str, value: str) -> Predicate:
        if "labels" not in self.fields:
            raise self._error("unsupported filter field 'labels'")
        labels = self.fields["labels"].get
        if not key:  # labels:KEY, the presence of a key
            if op != ":":
                raise self._error("labels supports only labels.KEY comparisons and labels:KEY")
            return lambda r: value in labels(r)
        if op == ":" and value == "*":
            return lambda r: key in labels(r)
        if op not in ("=", "!=", ":"):
            raise self._error(f"labels.{key} does not support the comparator {op!r}")
        matches = _wildcard(value).fullmatch
        if op == "!=":
            return lambda r: not matches(labels(r).get(key, ""))
        return lambda r: key in labels(r) and bool(matches(labels(r)[key]))

    def _timestamp(self, value: str) -> Any:
        try:
            return parse_rfc3339(value)
        except ValueError:
            raise self._error(f"{value!r} is not an RFC 3339 timestamp") from None

    def _keyword(self, word: str) -> bool:
        match = re.compile(rf"\s*{word}(?=[\s(])").match(self.text, self.pos)
        if match:
            self.pos = match.end()
        return bool(match)

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _take(self, pattern: re.Pattern[str], what: str) -> str:
        self._skip_space()
        match = pattern.match(self.text, self.pos)
        if not match:
            raise self._error(f"expected {what} at position {self.pos}")
        self.pos = match.end()
        return match.group(0)

    def _error(self, problem: str) -> ApiError:
        return invalid_argument(f"Invalid filter {self.text!r}: {problem}.")


def _time_comparison(spec: Field, op: str, bound: Any) -> Predicate:
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    check = compare[op]

    def predicate(record: Any) -> bool:
        moment = spec.get(record)
        if moment is None:  # an unset time matches only "!="
            return op == "!="
        return check(moment, bound)

    return predicate
