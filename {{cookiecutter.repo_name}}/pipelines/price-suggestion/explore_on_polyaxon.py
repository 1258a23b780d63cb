"""Explore the price-suggestion baseline on Polyaxon from KFP: one Polyaxon job, followed.

The job is the Polyaxonfile polyaxonfiles/explore.yaml next to this file, the same file the
team runs by hand with ``polyaxon run`` while exploring; here KFP submits it to the project's
Polyaxon project (``polyaxon:`` in projects/price-suggestion.yml, created by CI) at
``git_revision`` and fails when the Polyaxon run does not succeed.

The step runs the polyaxon-job container component, so it needs the cluster: Polyaxon is not
reachable from ``python -m scripts run --local``.
"""

from kfp import dsl

from {{ cookiecutter.package_name }}.polyaxon import polyaxon_job

POLYAXONFILE = "pipelines/price-suggestion/polyaxonfiles/explore.yaml"
POLYAXON_PROJECT = "price-suggestion"


@dsl.pipeline(description="Runs the price-suggestion exploration job on Polyaxon.")
def explore_on_polyaxon(git_revision: str = "main", rows: int = 500, max_rmse: float = 10.0):
    """
    Args:
        git_revision: the commit SHA (or branch) of this repository to run the job from.
        rows: how many synthetic listings the job trains on.
        max_rmse: the worst acceptable test RMSE; the Polyaxon run fails above it.
    """
    params = {"rows": rows, "max_rmse": max_rmse, "revision": git_revision}
    polyaxon_job(
        polyaxonfile=POLYAXONFILE,
        project=POLYAXON_PROJECT,
        git_revision=git_revision,
        params=params,
    )
