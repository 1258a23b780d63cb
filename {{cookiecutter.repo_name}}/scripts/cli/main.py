# Do not edit: the template owns this file (make template-update brings its changes).
"""The CLI: ``python -m scripts <command> [--repo PATH] [--debug] ...``.

Only parsing and the error-to-exit-code handler live here; each command is a thin module in
``scripts/cli/`` (or in an integration's folder, ``scripts/integrations/<name>/``) and the work
itself lives in the layers below it.
Exit codes: 0 success, 1 the checked thing failed, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import importlib
import re
import traceback
from pathlib import Path
from types import ModuleType

from scripts.core.errors import ScriptError
from scripts.core.output import Reporter

# Subcommands in the order --help lists them: the module under scripts/cli/ (the commands that
# look after what runs in production after a merge live in scripts/cli/operate/, those around pull
# requests once CI published them, PR commands and cleanup, in scripts/cli/pulls/), and the command
# name users type: the module's own name, with "-" for "_". The installed integrations' commands
# follow publish (see scripts/integrations/__init__.py).
COMMANDS: tuple[str, ...] = (
    "validate",
    "codeowners",
    "changed",
    "compile",
    "diff",
    "publish",
    "operate.schedules",
    "operate.monitor",
    "pulls.pr_command",
    "pulls.cleanup",
    "images",
    "comment",
    "run",
    "new_project",
)
INTEGRATIONS_AFTER = "publish"


def command_name(module_name: str) -> str:
    return module_name.rpartition(".")[2].replace("_", "-")


def summary_line(help_text: str) -> str:
    """The head of a command's help (up to the first '.', ';' or '('): its entry in the
    top-level listing, which stays short while `<command> --help` shows the whole text."""
    head = re.split(r"\. |; | \(", " ".join(help_text.split()), maxsplit=1)[0].rstrip(".")
    return head[:1].upper() + head[1:]


def load_commands() -> dict[str, ModuleType]:
    """Every command module by the name users type, in --help order."""
    from scripts.integrations import integration_commands

    commands = {}
    for name in COMMANDS:
        commands[command_name(name)] = importlib.import_module(f"scripts.cli.{name}")
        if name == INTEGRATIONS_AFTER:
            for command, module in integration_commands().items():
                commands[command] = importlib.import_module(module)
    return commands


class ShowTemplateVersion(argparse.Action):
    """``--version``: the template release this repo's tooling came from, then exit."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, **kw):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        from scripts.repo.template import version_line

        try:
            line = version_line(getattr(namespace, "repo", None))
        except ScriptError as error:
            Reporter().problems(error.problems())
            parser.exit(error.exit_code)
        print(line)
        parser.exit()


def build_parser(commands: dict[str, ModuleType]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--repo",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="root of the monorepo (default: found from the current directory)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show a traceback for unexpected errors",
    )
    parser = argparse.ArgumentParser(
        prog="python -m scripts",
        description="CI tooling of the KFP monorepo: validate, detect changes, compile, publish.",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action=ShowTemplateVersion,
        help="print the template version this repo was generated from or last updated to, and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in commands.items():
        sub = subparsers.add_parser(
            name,
            help=summary_line(module.HELP),
            description=module.HELP,
            parents=[common],
        )
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    commands = load_commands()
    parser = build_parser(commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed usage and the error
        return 0 if exit_.code == 0 else 2
    # Accepted before or after the command name; the sub-parsers must not reset them.
    args.repo = getattr(args, "repo", None)
    args.debug = getattr(args, "debug", False)
    reporter = Reporter()
    try:
        return args.handler(args)
    except ScriptError as error:
        reporter.problems(error.problems())
        return error.exit_code
    except KeyboardInterrupt:
        reporter.info("interrupted")
        return 130
    except Exception as error:  # a bug: say so in one line, the traceback only when asked
        if args.debug:
            traceback.print_exc()
        else:
            reporter.info(
                f"internal error: {type(error).__name__}: {error} (rerun with --debug for the "
                "traceback and report it to the platform team)"
            )
        return 1
