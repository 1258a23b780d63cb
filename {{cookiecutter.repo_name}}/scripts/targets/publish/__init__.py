"""Publishing compiled pipelines: ``plan`` (no network), ``apply`` (side effects, per item),
``report`` (what happened: JSON and the document people read), ``versions`` (the version name)."""
