"""The workflow flow tests run against this repo's own prod: its project and region."""

import pytest

from tests.helpers.prod_target import prod_site


@pytest.fixture
def vertex_site() -> tuple[str, str]:
    return prod_site()
