"""Dict and list defaults, nested: the compiled header lists them (in a stable order)."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def describe(config: dict, columns: list, weights: dict) -> str:
    return f"{sorted(config)} {columns} {sorted(weights)}"


@dsl.pipeline
def defaults(
    config: dict = {
        "zeta": {"b": [3, 2, 1], "a": {"y": True, "x": "none"}},
        "alpha": 1.5,
        "mid": ["q", {"k2": 2, "k1": 1}],
    },
    columns: list = [{"name": "price", "type": "float"}, "rooms", 3, ["x", "y"]],
    weights: dict = {"w9": 0.9, "w1": 0.1, "w5": {"n": 5, "m": [5.5]}},
):
    describe(config=config, columns=columns, weights=weights)
