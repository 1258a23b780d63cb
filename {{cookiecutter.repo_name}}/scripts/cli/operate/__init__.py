# Do not edit: the template owns this file (make template-update brings its changes).
"""The commands that look after production once a merge has published: schedules, and later
the run monitor, pull-request commands and cleanup."""
