"""Reads a SQL file beside it at compile time: the query becomes a parameter default."""

from pathlib import Path

from kfp import dsl

from ._shared import say

QUERY = (Path(__file__).parent / "queries" / "daily.sql").read_text(encoding="utf-8").strip()


@dsl.pipeline
def data_file(query: str = QUERY):
    say(message=query)
