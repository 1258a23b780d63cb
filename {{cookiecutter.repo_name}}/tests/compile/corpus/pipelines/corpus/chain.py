"""Two steps, the second consuming the first's output."""

from kfp import dsl

from ._shared import add, say


@dsl.pipeline(description="Adds twice and reports.")
def chain(a: float = 1.0, b: float = 2.0):
    first = add(a=a, b=b)
    second = add(a=first.output, b=b)
    say(message="done").after(second)
