"""An exit handler that always runs and reads the pipeline's final status."""

from kfp import dsl

from ._shared import add


@dsl.component(base_image="python:3.11-slim")
def report(status: dsl.PipelineTaskFinalStatus) -> str:
    return f"{status.pipeline_job_resource_name}: {status.state}"


@dsl.pipeline
def exit_handler(a: float = 1.0):
    with dsl.ExitHandler(exit_task=report()):
        add(a=a, b=a)
