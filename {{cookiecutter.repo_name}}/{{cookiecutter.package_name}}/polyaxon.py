"""Run a Polyaxonfile of this repository on Polyaxon from a pipeline, in one line::

    from <this package>.polyaxon import polyaxon_job

    @dsl.pipeline
    def explore(git_revision: str):
        polyaxon_job(
            polyaxonfile="pipelines/my-project/polyaxonfiles/train.yaml",
            project="my-project",
            git_revision=git_revision,
            params={"learning_rate": 0.1},
        )

The step is the ``polyaxon-job`` container component (components/polyaxon-job/): it clones
this repository at ``git_revision``, submits the run, follows its logs and fails unless the run
succeeded. Its outputs are ``polyaxon_project``, ``user``, ``run_uuid`` and ``status``. The pod
needs the Polyaxon token (and a git token for a private repository) mounted as files; see
components/polyaxon-job/component.yaml.
"""

from __future__ import annotations

import json
from typing import Any

from .component_specs import load


def params_json(params: dict[str, Any]) -> str:
    """``params`` as a JSON object text. Pipeline parameters become KFP placeholders that the
    backend fills in when the step starts (kfp's string interpolation); a text parameter is
    quoted, so its value must not contain a double quote or a backslash."""
    from kfp.dsl.pipeline_channel import PipelineChannel

    members = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, PipelineChannel):
            text = str(value)
            if value.channel_type == "String":
                text = f'"{text}"'
            elif value.channel_type not in ("Integer", "Float", "Boolean"):
                raise TypeError(
                    f"params[{key!r}] is a {value.channel_type} pipeline value; only text, "
                    "numbers and booleans can go into the run's parameters"
                )
        else:
            text = json.dumps(value)
        members.append(f"{json.dumps(key)}: {text}")
    return "{" + ", ".join(members) + "}"


def polyaxon_job(
    *,
    polyaxonfile: str,
    project: str,
    git_revision: Any,
    params: dict[str, Any] | Any = None,
    **inputs: Any,
) -> Any:
    """Add a polyaxon-job step to the pipeline being defined; returns the task.

    ``params`` is a dict (sent as JSON, keys sorted so the compiled spec is stable) whose
    values are constants or pipeline parameters, or a string already holding JSON. Other
    component inputs (``repository_url``, ``polyaxon_host``, ``polyaxon_owner``) pass through
    ``inputs``.
    """
    if params is None:
        params = {}
    if isinstance(params, dict):
        params = params_json(params)
    component = load("polyaxon-job")
    return component(
        polyaxonfile=polyaxonfile,
        project=project,
        git_revision=git_revision,
        params=params,
        **inputs,
    )
