"""Imports a repo module by a literal name with importlib (followed by `changed`)."""

import importlib

from kfp import dsl

from ._shared import say

features = importlib.import_module("corpus_lib.features")


@dsl.pipeline
def dynamic_import(columns: str = ",".join(features.COLUMNS)):
    say(message=columns)
