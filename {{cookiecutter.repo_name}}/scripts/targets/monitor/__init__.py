# Do not edit: the template owns this file (make template-update brings its changes).
"""Watching the runs of managed schedules: the window, the findings, the pass, the report."""
