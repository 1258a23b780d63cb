"""Run parameters against a pipeline's root inputs: `validatePipelineJobInputs`.

From `template/v2_template.go` at backend tag 2.17.0. Go walks the inputs in map order (random),
so which of several problems is reported first varies there; here inputs are checked in name
order and extra names are listed sorted. Literal constraints (`literals`) are not checked.
"""

from __future__ import annotations

from . import errors

_KINDS = {
    "NUMBER_DOUBLE": ("double or integer", "number value", lambda v: _is_number(v)),
    "NUMBER_INTEGER": ("double or integer", "number value", lambda v: _is_number(v)),
    "STRING": ("string", "string value", lambda v: isinstance(v, str)),
    "BOOLEAN": ("bool", "bool value", lambda v: isinstance(v, bool)),
    "LIST": ("list", "list value", lambda v: isinstance(v, list)),
    "STRUCT": ("struct", "struct value", lambda v: isinstance(v, dict)),
}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def root_parameters(pipeline_spec: dict) -> dict[str, dict]:
    """The root component's parameter definitions of a stored spec (the IR's JSON form, or
    `{"pipeline_spec": ..., "platform_spec": ...}`)."""
    spec = pipeline_spec.get("pipeline_spec", pipeline_spec)
    root = spec.get("root") or {}
    return (root.get("inputDefinitions") or {}).get("parameters") or {}


def validate(pipeline_spec: dict, parameters: dict) -> None:
    """Raises the server's InvalidInputError for the first parameter that does not fit."""
    required = root_parameters(pipeline_spec)
    for name in sorted(required):
        definition = required[name]
        if name not in parameters:
            if not definition.get("isOptional") and "defaultValue" not in definition:
                raise errors.invalid_input(
                    f"parameter {name} is not optional, yet has neither default value nor user "
                    "provided value"
                )
            continue
        _check_type(name, definition.get("parameterType", ""), parameters[name])
    extra = sorted(set(parameters) - set(required))
    if extra:
        raise errors.invalid_input(
            f"parameter(s) provided are not required by pipeline: {', '.join(extra)}"
        )


def _check_type(name: str, parameter_type: str, value: object) -> None:
    if parameter_type in ("", "PARAMETER_TYPE_ENUM_UNSPECIFIED"):
        raise errors.invalid_input(f"input parameter {name} has unspecified type")
    if parameter_type == "TASK_FINAL_STATUS":
        raise errors.invalid_input(
            f"input parameter {name} requires type TASK_FINAL_STATUS, which is invalid for root "
            "component"
        )
    if parameter_type not in _KINDS:
        raise errors.invalid_input(f"input parameter {name} requires type unknown")
    wanted, kind, fits = _KINDS[parameter_type]
    if not fits(value):
        # The server's two phrasings: "the parameter value" for numbers, "the input parameter"
        # for the others.
        subject = "parameter value" if kind == "number value" else "input parameter"
        raise errors.invalid_input(
            f"input parameter {name} requires type {wanted}, but the {subject} is not of {kind} "
            "type"
        )
