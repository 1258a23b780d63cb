"""One module per subcommand: ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.

Command modules are imported every time the CLI builds its parser, so they import heavy
libraries (kfp, docker, github, polyaxon) inside ``run``, never at module level.
"""
