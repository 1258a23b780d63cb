"""A container component with placeholders, beside a lightweight one."""

from kfp import dsl

from ._shared import say


@dsl.container_component
def word_count(text: str, count: dsl.OutputPath(str)):
    return dsl.ContainerSpec(
        image="busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        command=["sh", "-c", 'echo "$0" | wc -w > "$1"'],
        args=[text, count],
    )


@dsl.pipeline
def container(text: str = "one two three"):
    counted = word_count(text=text)
    say(message=counted.outputs["count"])
