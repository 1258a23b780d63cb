"""Repo-level helpers the corpus pipelines import (statically and by name)."""
