# Do not edit: the template owns this file (make template-update brings its changes).
"""Commands around pull requests once CI has published them: commands people give in PR
comments (``pr-command``) and the cleanup of the versions pull requests left on dev."""
