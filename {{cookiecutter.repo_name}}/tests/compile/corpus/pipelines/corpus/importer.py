"""An artifact imported by URI, then consumed by a component."""

from kfp import dsl
from kfp.dsl import Dataset, Input


@dsl.component(base_image="python:3.11-slim")
def rows(data: Input[Dataset]) -> int:
    with open(data.path) as file:
        return sum(1 for _ in file)


@dsl.pipeline
def importer(uri: str = "gs://example-bucket/listings.csv"):
    data = dsl.importer(
        artifact_uri=uri, artifact_class=Dataset, reimport=False, metadata={"source": "corpus"}
    )
    rows(data=data.output)
