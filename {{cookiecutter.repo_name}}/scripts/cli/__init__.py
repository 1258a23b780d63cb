# Do not edit: the template owns this file (make template-update brings its changes).
"""The command line: ``main.py`` parses and maps errors to exit codes; one thin module per
command (``HELP``, ``add_arguments``, ``run``) calls into the layers below.

Every command module is imported for ``--help``: import heavy libraries (kfp, docker, PyGithub)
inside ``run``, never at module level, so help and usage errors stay instant."""
