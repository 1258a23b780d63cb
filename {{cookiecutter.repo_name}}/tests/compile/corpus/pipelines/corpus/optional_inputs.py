"""Optional and union-typed inputs, as KFP's type annotations require them."""

from typing import Optional

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def greet(name: Optional[str] = None, times: int = 1) -> str:
    return ("hello " + (name or "world") + " ") * times


@dsl.pipeline
def optional_inputs(name: Optional[str] = None):
    greet(name=name, times=2)
