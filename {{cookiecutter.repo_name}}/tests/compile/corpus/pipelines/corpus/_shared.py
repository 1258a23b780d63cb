"""Lightweight components shared by the corpus pipelines (a helper module: not a pipeline)."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def say(message: str) -> str:
    return message


@dsl.component(base_image="python:3.11-slim")
def add(a: float, b: float) -> float:
    return a + b


@dsl.component(base_image="python:3.11-slim")
def coin(seed: int = 0) -> str:
    import random

    return "heads" if random.Random(seed).random() < 0.5 else "tails"
