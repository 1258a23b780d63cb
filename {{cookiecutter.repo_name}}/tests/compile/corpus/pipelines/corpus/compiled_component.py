"""A pipeline compiled elsewhere (its KFP YAML in components/scale-pipeline/) used as one step."""

from kfp import components, dsl

from ._shared import say

scale = components.load_component_from_file("components/scale-pipeline/component.yaml")


@dsl.pipeline
def compiled_component(x: float = 4.0):
    scaled = scale(x=x, factor=2.5)
    say(message="scaled").after(scaled)
