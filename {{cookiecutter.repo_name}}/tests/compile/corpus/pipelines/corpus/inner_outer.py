"""Nested pipelines where no function is named like the module: the one no other calls wins."""

from kfp import dsl

from ._shared import add


@dsl.pipeline
def double(x: float = 1.0) -> float:
    return add(a=x, b=x).output


@dsl.pipeline
def quadruple(x: float = 1.0) -> float:
    return double(x=double(x=x).output).output


@dsl.pipeline
def outer(x: float = 3.0):
    quadruple(x=x)
