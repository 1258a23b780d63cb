# Do not edit: the template owns this file (make template-update brings its changes).
"""The review diff: what a change does to the compiled pipelines, compared as data, not text.

``run.diff_pipelines`` compiles the chosen pipelines at the base (in a temporary git worktree,
``worktree``, with the compile code of this process, so a change to the compile code itself is
no difference) and at the head; ``graph`` reads each compiled spec as tasks with their settings
(``fields``, ``wiring``), ``matching`` pairs base and head tasks, ``compare`` lists what differs
(``model``), ``document`` words it, ``mermaid`` draws it, ``report.DiffReport`` gathers the
pipelines for the command and ``markdown`` fits them into a pull-request comment.
"""
