# Do not edit: the template owns this file (make template-update brings its changes).
"""Vertex AI Pipelines: the session (``connection``: credentials, retries, one-line errors), the
Artifact Registry templates (``registry``), publish, jobs and schedules, cleanup, and the
``Target`` that ties them together (``target``)."""
