"""The Polyaxon tests' fixtures: a real Polyaxon API server (haupt sandbox) and its gateway."""

from tests.integrations.polyaxon.sandbox import polyaxon_gateway, polyaxon_server

__all__ = ["polyaxon_gateway", "polyaxon_server"]
