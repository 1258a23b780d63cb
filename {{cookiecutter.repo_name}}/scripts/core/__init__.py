# Do not edit: the template owns this file (make template-update brings its changes).
"""What every layer uses: the error family, output and the one report renderer, the name rules,
the GitHub Actions context, retries, and safe file and YAML I/O. Imports nothing else of
``scripts``."""
