# Do not edit: the template owns this file (make template-update brings its changes).
"""Pipeline parameters for ``run``: the signature, and ``--param`` values checked against it.

Parameters are read from the compiled spec (``root.inputDefinitions.parameters``), not from the
Python signature: it is what KFP itself checks, it is the same for a local run (the spec of the
function just loaded) and a remote one (the spec of the uploaded version), and ``@dsl.pipeline``
has already turned ``int``, ``list`` ... into KFP's types there. Every problem with the given
values is reported in one go, before anything runs, together with the list of parameters.

No kfp import here: the values are plain JSON types.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scripts.core.errors import Problem, UsageError

# KFP parameter types -> how they are written in Python, for messages.
TYPE_NAMES = {
    "STRING": "str",
    "NUMBER_INTEGER": "int",
    "NUMBER_DOUBLE": "float",
    "BOOLEAN": "bool",
    "LIST": "list",
    "STRUCT": "dict",
}
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Parameter:
    """One pipeline parameter: its KFP type and default (``optional`` when it has one)."""

    name: str
    kfp_type: str
    default: Any = None
    optional: bool = False

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.kfp_type, self.kfp_type.lower())

    def describe(self) -> str:
        """``rows: int = 500`` or ``model_uri: str (required)``."""
        if not self.optional:
            return f"{self.name}: {self.type_name} (required)"
        default = self.default
        if self.kfp_type == "NUMBER_INTEGER" and isinstance(default, float):
            default = int(default)  # JSON specs store every number as a float
        return f"{self.name}: {self.type_name} = {json.dumps(default)}"


class ParameterError(UsageError):
    """``--param`` values that do not fit the pipeline: every problem, then the parameters."""

    def __init__(self, problems: Sequence[str], *, path: str, line: int | None):
        super().__init__("; ".join(problems), path=path, line=line)
        self._messages = list(problems)

    def problems(self) -> list[Problem]:
        return [Problem(self.path or "", self.line, message) for message in self._messages]


def root_spec(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The PipelineSpec of a compiled document: KFP returns ``{pipeline_spec, platform_spec}``
    for a version uploaded with a platform section, the plain spec otherwise."""
    if "root" not in spec and isinstance(spec.get("pipeline_spec"), Mapping):
        return spec["pipeline_spec"]
    return spec


def pipeline_parameters(spec: Mapping[str, Any]) -> tuple[list[Parameter], list[str]]:
    """``(parameters, artifact inputs)`` of a compiled pipeline spec (a dict, camelCase keys as
    in the YAML file), parameters sorted by name (specs do not keep the signature's order)."""
    definitions = root_spec(spec).get("root", {}).get("inputDefinitions", {})
    parameters = []
    for name, definition in (definitions.get("parameters") or {}).items():
        default = definition.get("defaultValue", _NO_DEFAULT)
        optional = bool(definition.get("isOptional")) or default is not _NO_DEFAULT
        parameters.append(
            Parameter(
                name=name,
                kfp_type=definition.get("parameterType", "STRING"),
                default=None if default is _NO_DEFAULT else default,
                optional=optional,
            )
        )
    parameters.sort(key=lambda parameter: parameter.name)
    return parameters, sorted(definitions.get("artifacts") or {})


def parse_param_flags(values: Sequence[str]) -> dict[str, str]:
    """``["rows=100", "category=Trading Cards"]`` -> a dict; a flag without ``=`` or a name given
    twice is a UsageError (exit 2)."""
    parsed: dict[str, str] = {}
    for value in values:
        name, equals, text = value.partition("=")
        name = name.strip()
        if not equals or not name:
            raise UsageError(f"--param {value!r} is not KEY=VALUE — e.g. --param rows=100")
        if name in parsed:
            raise UsageError(f"--param {name} is given twice — keep one")
        parsed[name] = text
    return parsed


def convert(text: str, kfp_type: str) -> Any:
    """The typed value of one ``--param`` text; ValueError saying what was expected."""
    if kfp_type == "STRING":
        return text
    if kfp_type == "NUMBER_INTEGER":
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError("expected an integer") from None
    if kfp_type == "NUMBER_DOUBLE":
        try:
            number = float(text.strip())
        except ValueError:
            raise ValueError("expected a number") from None
        if not math.isfinite(number):
            raise ValueError("expected a finite number")
        return number
    if kfp_type == "BOOLEAN":
        try:
            return BOOLEANS[text.strip().lower()]
        except KeyError:
            raise ValueError("expected true or false") from None
    if kfp_type in ("LIST", "STRUCT"):
        wanted = list if kfp_type == "LIST" else dict
        example = '["a", "b"]' if kfp_type == "LIST" else '{"key": "value"}'
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, wanted):
            raise ValueError(f"expected a JSON {wanted.__name__}, e.g. {example}")
        return value
    raise ValueError(f"parameters of type {kfp_type} cannot be set from the command line")


def bind_parameters(
    spec: Mapping[str, Any],
    given: Mapping[str, str],
    *,
    pipeline: str,
    path: str,
    line: int | None = None,
) -> dict[str, Any]:
    """The typed arguments for a run of ``spec`` from ``--param`` texts.

    Unknown names, values of the wrong type and missing required parameters are all reported in
    one ParameterError (exit 2) whose last line lists the pipeline's parameters. Parameters not
    given are left out, so the pipeline's own defaults apply.
    """
    parameters, artifacts = pipeline_parameters(spec)
    by_name = {parameter.name: parameter for parameter in parameters}
    problems = []
    arguments: dict[str, Any] = {}
    for name, text in given.items():
        parameter = by_name.get(name)
        if parameter is None:
            problems.append(f"{pipeline} has no parameter {name!r}")
            continue
        try:
            arguments[name] = convert(text, parameter.kfp_type)
        except ValueError as error:
            problems.append(f"--param {name}={text!r}: {error} ({parameter.describe()})")
    for parameter in parameters:
        if not parameter.optional and parameter.name not in given:
            problems.append(
                f"{pipeline} needs --param {parameter.name}=... ({parameter.describe()})"
            )
    if artifacts:
        problems.append(
            f"{pipeline} takes artifact inputs ({', '.join(artifacts)}), which `run` cannot pass "
            "— give the pipeline a URI parameter and a dsl.importer instead"
        )
    if problems:
        listed = ", ".join(parameter.describe() for parameter in parameters) or "none"
        problems.append(f"parameters of {pipeline}: {listed}")
        raise ParameterError(problems, path=path, line=line)
    return arguments
