"""The command line: ``main.py`` parses and maps errors to exit codes; one thin module per
command (``HELP``, ``add_arguments``, ``run``) calls into the layers below."""
