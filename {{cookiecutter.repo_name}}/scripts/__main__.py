# Do not edit: the template owns this file (make template-update brings its changes).
"""``python -m scripts <command>``: the CLI lives in ``scripts/cli/main.py``."""

import sys

from scripts.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
