# Do not edit: the template owns this file (make template-update brings its changes).
"""The grammar of pull-request commands, strict and shell-free.

Only a comment's first line is read; it must start with ``/kfp``::

    /kfp run <project>/<pipeline> [--no-cache] [--param NAME=VALUE]... [--experiment NAME]
    /kfp runs
    /kfp help

Words are split on spaces; a double-quoted part keeps its spaces (``--experiment "Holiday
Sale"``, ``--param label="Trading Cards"``) and has no escapes. Nothing else is special, and
nothing here or after it ever reaches a shell: the words are data. Still, a word with a
character a shell or Markdown would act on (``$ ` ; | & < > ( ) { } \\ ' ! * ?``, control
characters) is refused, so a command that looks like an attempt gets a clear "no" instead of
being half-understood. Only known flags, each in its one spelling; a selector names exactly one
pipeline. Values are checked against the repo and the pipeline's inputs later (``handle.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scripts.core.naming import PIPELINE_NAME, PROJECT_NAME

PREFIX = "/kfp"
USAGE = (
    "/kfp run <project>/<pipeline> [--no-cache] [--param NAME=VALUE ...] [--experiment NAME]",
    "/kfp runs",
    "/kfp help",
)
SAFE_PUNCTUATION = set("_.,:+-/@=%[]#^~")
MAX_LINE = 1000  # characters of a command line; anything longer is no command


class CommandError(ValueError):
    """The command line does not follow the grammar; the message says where."""


@dataclass(frozen=True)
class Command:
    name: str  # run | runs | help
    selector: str = ""
    no_cache: bool = False
    parameters: dict[str, str] = field(default_factory=dict)
    experiment: str | None = None

    @property
    def project(self) -> str:
        return self.selector.partition("/")[0]

    @property
    def pipeline(self) -> str:
        return self.selector.partition("/")[2]


def is_command(body: str | None) -> bool:
    """Whether a comment is addressed to us: its first line's first word is ``/kfp``."""
    first = (body or "").lstrip().split("\n", 1)[0].split()
    return bool(first) and first[0] == PREFIX


def words(line: str) -> list[str]:
    """Split on spaces; ``"..."`` keeps spaces; every character is checked."""
    found: list[str] = []
    current: list[str] = []
    in_word = quoted = False
    for character in line:
        if character == '"':
            quoted, in_word = not quoted, True
            continue
        if character in " \t" and not quoted:
            if in_word:
                found.append("".join(current))
            current, in_word = [], False
            continue
        if not (character.isalnum() or character in SAFE_PUNCTUATION or character == " "):
            shown = repr(character) if character.isprintable() else f"U+{ord(character):04X}"
            raise CommandError(f"the character {shown} is not allowed in a command")
        current.append(character)
        in_word = True
    if quoted:
        raise CommandError('a "quoted" part is not closed')
    if in_word:
        found.append("".join(current))
    return found


def parse(body: str) -> Command:
    """The command in a comment's first line; CommandError for anything off-grammar."""
    line = (body or "").lstrip().split("\n", 1)[0].strip()
    if len(line) > MAX_LINE:
        raise CommandError(f"the command line is over {MAX_LINE} characters")
    parts = words(line)
    if not parts or parts[0] != PREFIX:
        raise CommandError(f"a command starts with {PREFIX}")
    if len(parts) == 1:
        raise CommandError("say what to do: run, runs or help")
    name, rest = parts[1], parts[2:]
    if name in ("runs", "help"):
        if rest:
            raise CommandError(f"{PREFIX} {name} takes no arguments (got {rest[0]!r})")
        return Command(name)
    if name != "run":
        raise CommandError(f"unknown command {name!r}")
    return _run(rest)


def _run(rest: list[str]) -> Command:
    selector = ""
    no_cache = False
    parameters: dict[str, str] = {}
    experiment = None
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if word == "--no-cache":
            if no_cache:
                raise CommandError("--no-cache is given twice")
            no_cache = True
        elif word in ("--param", "--experiment"):
            if index >= len(rest) or rest[index].startswith("--"):
                raise CommandError(f"{word} needs a value")
            value = rest[index]
            index += 1
            if word == "--param":
                _add_parameter(parameters, value)
            elif experiment is not None:
                raise CommandError("--experiment is given twice")
            else:
                experiment = _experiment(value)
        elif word.startswith("-"):
            raise CommandError(f"unknown flag {word!r}")
        elif selector:
            raise CommandError(f"one pipeline at a time (got {selector!r} and {word!r})")
        else:
            selector = _selector(word)
    if not selector:
        raise CommandError("name the pipeline to run: /kfp run <project>/<pipeline>")
    return Command("run", selector, no_cache, parameters, experiment)


def _selector(word: str) -> str:
    project, slash, pipeline = word.partition("/")
    if not slash:
        raise CommandError(f"{word!r} is no <project>/<pipeline>: name exactly one pipeline")
    if not PROJECT_NAME.match(project) or not PIPELINE_NAME.match(pipeline):
        raise CommandError(f"{word!r} is no <project>/<pipeline> name")
    return word


def _add_parameter(parameters: dict[str, str], value: str) -> None:
    name, equals, text = value.partition("=")
    if not equals or not name.isidentifier():
        raise CommandError(f"--param {value!r} is not NAME=VALUE")
    if name in parameters:
        raise CommandError(f"--param {name} is given twice")
    parameters[name] = text


def _experiment(value: str) -> str:
    if not value.strip() or len(value) > 100:
        raise CommandError("--experiment needs a manifest experiment's name")
    return value
