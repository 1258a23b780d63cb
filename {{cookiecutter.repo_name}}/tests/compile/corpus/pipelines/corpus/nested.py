"""A main pipeline calling an inner pipeline: only the one named like the module is published."""

from kfp import dsl

from ._shared import add, say


@dsl.pipeline
def prepare(x: float = 1.0) -> float:
    return add(a=x, b=x).output


@dsl.pipeline
def nested(x: float = 2.0):
    total = prepare(x=x)
    say(message="prepared").after(total)
