"""What an endpoint handler gets: the state, the moment, and the request as decoded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.servers.vertex_backend.state import State

if TYPE_CHECKING:
    from tests.servers.vertex_backend.firing import Simulation


@dataclass
class Call:
    state: State
    simulation: Simulation
    now: dt.datetime
    params: dict[str, str]  # the route's named groups (project, location, ids)
    query: dict[str, str]
    body: dict[str, Any]
    principal: str
    # The REST transport asks for `$alt=json;enum-encoding=int`: enums as numbers.
    enum_numbers: bool = False

    def enum(self, names: dict[str, int], value: str) -> str | int:
        return names[value] if self.enum_numbers else value

    def canonical(self, name: str) -> str:
        """`name` with the project as its number, the way Vertex AI names resources."""
        prefix = f"projects/{self.state.project_id}/"
        if name.startswith(prefix):
            return f"projects/{self.state.project_number}/" + name[len(prefix) :]
        return name
