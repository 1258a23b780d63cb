"""Lightweight KFP components shared by every pipeline in this repository.

Each module holds ``@dsl.component`` functions with typed inputs and outputs; pipelines import
them (``from <package>.tabular import split_dataset``). A change here marks exactly the pipelines
that import the changed module as affected in CI.
"""
