# Do not edit: the template owns this file (make template-update brings its changes).
"""The GitHub side of a pull request: the publish comment's Markdown (``comment``) and posting it
once, then updating it in place (``sticky_comment``)."""
