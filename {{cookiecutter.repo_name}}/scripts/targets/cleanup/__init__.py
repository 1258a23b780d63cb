# Do not edit: the template owns this file (make template-update brings its changes).
"""Cleanup of the pipeline versions pull requests uploaded: read, plan, delete, report."""
