"""Shared fixtures. Fixture modules live in tests/helpers/ and tests/servers/; an integration's
own fixtures live in its folder (tests/integrations/<name>/conftest.py)."""

pytest_plugins = [
    "tests.helpers.git_repos",
    "tests.helpers.pipeline_repos",
    "tests.helpers.docker_services",
    "tests.helpers.prod_target",
    "tests.helpers.kfp_environment",
    "tests.servers.fixtures",
    "tests.servers.github_fixtures",
    "tests.servers.slack_fixtures",
    "tests.servers.tls_fixtures",
    "tests.servers.registry_fixtures",
    "tests.servers.vertex_fixtures",
]
