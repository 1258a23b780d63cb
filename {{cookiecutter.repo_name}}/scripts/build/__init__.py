# Do not edit: the template owns this file (make template-update brings its changes).
"""From pipeline modules to compiled specs: discovery, the KFP compiler, ``compile.json``
(typed), spec comparison and pipeline parameters."""
