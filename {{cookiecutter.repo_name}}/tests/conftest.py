"""Shared fixtures. Fixture modules live in tests/helpers/ and tests/servers/."""

from pathlib import Path

pytest_plugins = [
    "tests.helpers.git_repos",
    "tests.helpers.pipeline_repos",
    "tests.helpers.docker_services",
    "tests.servers.fixtures",
    "tests.servers.github_fixtures",
]

# Present only in repos generated with Polyaxon support (include_polyaxon).
if (Path(__file__).parent / "helpers" / "polyaxon_sandbox.py").is_file():
    pytest_plugins.append("tests.helpers.polyaxon_sandbox")
