"""From pipeline modules to compiled specs: discovery, the KFP compiler, ``compile.json``
(typed), spec comparison and pipeline parameters."""
