# Do not edit: the template owns this file (make template-update brings its changes).
"""Change detection: git, the import graph (read with ``ast``, never imported), dependents, the
base to compare with, and the affected set. Never imports kfp or pipeline code."""
