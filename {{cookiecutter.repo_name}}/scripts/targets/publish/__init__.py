# Do not edit: the template owns this file (make template-update brings its changes).
"""Publishing compiled pipelines: ``plan`` (no network), ``apply`` (side effects, per item),
``report`` (what happened: JSON and the document people read), ``versions`` (the version name)."""
