"""Artifacts between steps: Output[Dataset] -> Input[Dataset] -> Output[Model], plus Metrics."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output


@dsl.component(base_image="python:3.11-slim")
def make_data(rows: int, data: Output[Dataset]):
    with open(data.path, "w") as file:
        file.write("\n".join(str(i) for i in range(rows)))


@dsl.component(base_image="python:3.11-slim")
def fit(data: Input[Dataset], model: Output[Model], metrics: Output[Metrics]):
    with open(data.path) as file:
        values = [float(line) for line in file]
    with open(model.path, "w") as file:
        file.write(str(sum(values) / len(values)))
    metrics.log_metric("rows", len(values))


@dsl.pipeline
def artifacts(rows: int = 10):
    fit(data=make_data(rows=rows).outputs["data"])
