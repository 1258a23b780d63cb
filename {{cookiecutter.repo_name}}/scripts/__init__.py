# Do not edit: the template owns this file (make template-update brings its changes).
"""CI tooling of this monorepo: run as ``python -m scripts <command>`` (``--help`` lists them).

Plain Python read at run time: settings come from ``pyproject.toml`` ([tool.kfp-monorepo]),
``environments.yml`` and the project manifests, never from template values baked into code.
"""
