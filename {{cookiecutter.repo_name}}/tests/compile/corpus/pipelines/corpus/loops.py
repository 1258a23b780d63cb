"""ParallelFor over a literal list and over a parameter, with dsl.Collected results."""

from kfp import dsl

from ._shared import add, say


@dsl.component(base_image="python:3.11-slim")
def total(values: list) -> float:
    return float(sum(values))


@dsl.pipeline
def loops(factors: list = [1.0, 2.0, 3.0]):
    with dsl.ParallelFor(items=[{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 4.0}]) as pair:
        say(message="pair")
        add(a=pair.a, b=pair.b)
    with dsl.ParallelFor(items=factors, parallelism=2) as factor:
        doubled = add(a=factor, b=factor)
    total(values=dsl.Collected(doubled.output))
