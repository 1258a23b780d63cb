# Do not edit: the template owns this file (make template-update brings its changes).
"""Pull-request commands (``/kfp run``, ``/kfp runs``, ``/kfp help``): the grammar, the event,
the handling and the replies."""
