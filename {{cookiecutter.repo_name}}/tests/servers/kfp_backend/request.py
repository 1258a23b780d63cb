"""One decoded HTTP request, with grpc-gateway's and Go's ways of reading it.

The JSON endpoints read path parameters, query parameters (typed by the proto: a bad integer is
a 400) and a protojson body (an unknown field is a 400). The upload endpoints read the query with
Go's `r.URL.Query().Get` (first value, or "") and the multipart part `uploadfile`.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import errors

# Body fields that are messages or maps (a JSON object) or repeated (a JSON array); every other
# field the server's bodies carry here is a string (ids, names, timestamps, enums).
MESSAGE_FIELDS = frozenset(
    {
        "error",
        "tags",
        "package_url",
        "pipeline_spec",
        "runtime_config",
        "pipeline_version_reference",
        "run_details",
        "plugins_input",
        "pipeline",
        "pipeline_version",
    }
)
LIST_FIELDS = frozenset({"state_history"})


@dataclass
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> str:
        values = self.query.get(name)
        return values[0] if values else ""

    def int_arg(self, name: str) -> int:
        """A proto int32 query parameter, parsed as grpc-gateway's `runtime.Int32` does."""
        raw = self.arg(name)
        if raw == "":
            return 0
        if not re.fullmatch(r"[+-]?\d+", raw) or not -(2**31) <= int(raw) < 2**31:
            raise errors.ApiError(
                errors.INVALID_ARGUMENT,
                f'parsing field "{name}": strconv.ParseInt: parsing {json.dumps(raw)}: '
                "invalid syntax",
                None,
            )
        return int(raw)

    def bool_arg(self, name: str) -> bool:
        raw = self.arg(name)
        if raw in ("", "false", "False", "FALSE", "0", "f", "F"):
            return False
        if raw in ("true", "True", "TRUE", "1", "t", "T"):
            return True
        raise errors.ApiError(
            errors.INVALID_ARGUMENT,
            f'parsing field "{name}": strconv.ParseBool: parsing {json.dumps(raw)}: invalid syntax',
            None,
        )

    def json_body(self, allowed: Mapping[str, str]) -> dict:
        """A protojson message body: keys by proto name or JSON (camelCase) name.

        `allowed` maps every accepted key to the proto field name it sets. Returns the fields
        keyed by proto name.
        """
        try:
            document = json.loads(self.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _body_error(f"proto: syntax error: {exc}") from None
        if not isinstance(document, dict):
            raise _body_error("proto: syntax error: unexpected token, expected {")
        message: dict = {}
        for key, value in document.items():
            if key not in allowed:
                raise _body_error(f'proto: unknown field "{key}"')
            field_name = allowed[key]
            expected = dict if field_name in MESSAGE_FIELDS else str
            expected = list if field_name in LIST_FIELDS else expected
            if value is not None and not isinstance(value, expected):
                raise _body_error(f"proto: invalid value for field {field_name}: {value!r}")
            message[field_name] = value
        return message

    def uploaded_file(self) -> tuple[str, bytes] | None:
        """Go's `r.FormFile("uploadfile")`: (filename, bytes), or None when absent/unreadable."""
        content_type = self.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            return None
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        if not message.is_multipart():
            return None
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") != "uploadfile":
                continue
            filename = part.get_filename()
            if filename is None:
                continue
            return filename, part.get_payload(decode=True) or b""
        return None


def _body_error(message: str) -> errors.ApiError:
    return errors.ApiError(errors.INVALID_ARGUMENT, message, None)


def proto_keys(*names: str) -> dict[str, str]:
    """Accepted body keys for the given proto field names: snake_case and lowerCamelCase."""
    accepted = {}
    for name in names:
        head, *rest = name.split("_")
        accepted[name] = name
        accepted[head + "".join(part.title() for part in rest)] = name
    return accepted
