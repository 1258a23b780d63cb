"""A pipeline reused as a step of another pipeline in the same module."""

from kfp import dsl

from ._shared import add, say


@dsl.pipeline
def scale(x: float = 1.0, factor: float = 2.0) -> float:
    return add(a=x, b=factor).output


@dsl.pipeline
def pipeline_as_component(x: float = 5.0):
    scaled = scale(x=x, factor=3.0)
    again = scale(x=scaled.output)
    say(message="scaled twice").after(again)
