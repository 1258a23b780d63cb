"""A component loaded from its YAML spec by a literal path (a third-party component)."""

from kfp import components, dsl

echo = components.load_component_from_file("components/echo-yaml/component.yaml")


@dsl.pipeline
def yaml_component(message: str = "hello"):
    echo(message=message)
