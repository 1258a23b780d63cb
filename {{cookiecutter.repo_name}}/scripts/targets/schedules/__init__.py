# Do not edit: the template owns this file (make template-update brings its changes).
"""Schedules as code: the manifests' ``schedules:`` as KFP recurring runs, pinned and swapped
safely (model, resolve, plan, apply, report, sync; preview for the pull-request comment)."""
