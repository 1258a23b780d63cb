"""Pairs of pipeline modules, one pair per kind of change the review diff reports.

``CASES[name] = (base source, head source)``; None on a side means the module does not exist
there (a new or a deleted pipeline). Every module starts with ``HEADER`` (two lightweight
components) and defines one pipeline named like the module, so ``pipelines/cases/<name>.py``
compiles on its own.
"""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from typing import Any

HEADER = """\
from kfp import dsl, kubernetes


@dsl.component(base_image="python:3.11")
def say(message: str) -> str:
    return message


@dsl.component(base_image="python:3.11")
def add(a: int, b: int = 1) -> int:
    return a + b


@dsl.container_component
def echo(text: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[text])
"""


def pipeline(name: str, signature: str, *lines: str) -> str:
    inner = "\n".join(f"    {line}" for line in lines)
    return f"@dsl.pipeline\ndef {name}({signature}):\n{inner}\n"


TRAIN_311 = """

@dsl.component(base_image="python:3.11")
def train(x: int) -> int:
    return x
"""
TRAIN_312 = TRAIN_311.replace("python:3.11", "python:3.12")
PRINTF = """

@dsl.container_component
def shout(text: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[text])
"""
INNER = """

@dsl.pipeline
def inner(msg: str = "x") -> str:
    return say(message=msg).output
"""
INNER_HEAD = """

@dsl.pipeline
def inner(msg: str = "y") -> str:
    add(a=1)
    return say(message=msg).output
"""

# A no-op change: a comment, the imports reordered and split, the code reformatted.
NOOP_BASE = (
    HEADER
    + "\n\n"
    + pipeline(
        "noop",
        "flag: bool = True",
        'first = say(message="a")',
        "with dsl.If(flag == True):",
        "    add(a=1).after(first)",
    )
)
NOOP_HEAD = (
    HEADER.replace(
        "from kfp import dsl, kubernetes", "from kfp import kubernetes\nfrom kfp import dsl"
    )
    + "\n\n# The same pipeline, written differently.\n@dsl.pipeline\n"
    "def noop(\n    flag: bool = True,\n):\n"
    "    first = say(\n        message='a',\n    )  # the first step\n"
    "    with dsl.If(flag == True):\n        add(a=1).after(first)\n"
)


# Every kind of group at once, and a condition on text that would break a careless picture.
TRICKY = (
    HEADER
    + INNER
    + "\n\n"
    + pipeline(
        "tricky",
        'text: str = "x"',
        "cleanup = add(a=0)",
        "with dsl.ExitHandler(cleanup):",
        "    with dsl.ParallelFor([1, 2]) as n:",
        "        inner(msg=text)",
        "    with dsl.If(text == 'a\"] --> evil[<img src=x>`end`'):",
        "        say(message=text)",
    )
)


CASES: dict[str, tuple[str | None, str | None]] = {
    "inputs": (
        HEADER
        + pipeline(
            "inputs", 'lr: float = 0.1, old: str = "x", tag: str = "v1"', "say(message=old)"
        ),
        HEADER
        + pipeline(
            "inputs", "lr: float = 0.05, tag: int = 1, new: bool = True", 'say(message="x")'
        ),
    ),
    "tasks": (
        HEADER + pipeline("tasks", "", 'first = say(message="a")', "add(a=1).after(first)"),
        HEADER + pipeline("tasks", "", 'say(message="a")', 'echo(text="hi")'),
    ),
    "rename": (
        HEADER + pipeline("rename", "", 'say(message="x")'),
        HEADER + pipeline("rename", "", 'say(message="new")', 'say(message="x")'),
    ),
    "image": (
        HEADER + TRAIN_311 + "\n\n" + pipeline("image", "", "train(x=1)", "train(x=2)"),
        HEADER + TRAIN_312 + "\n\n" + pipeline("image", "", "train(x=1)", "train(x=2)"),
    ),
    "command": (
        HEADER + PRINTF + "\n\n" + pipeline("command", "", 'shout(text="hi")'),
        HEADER
        + PRINTF.replace('command=["echo"], args=[text]', 'command=["printf"], args=["%s", text]')
        + "\n\n"
        + pipeline("command", "", 'shout(text="hi")'),
    ),
    "code": (
        HEADER + TRAIN_311 + "\n\n" + pipeline("code", "", "train(x=1)"),
        HEADER
        + TRAIN_311.replace("return x", "return x * 2")
        + "\n\n"
        + pipeline("code", "", "train(x=1)"),
    ),
    "wiring": (
        HEADER + pipeline("wiring", "", 'first = say(message="a")', "say(message=first.output)"),
        HEADER + pipeline("wiring", "", 'say(message="a")', 'say(message="b")'),
    ),
    "caching": (
        HEADER + pipeline("caching", "", 'say(message="a")'),
        HEADER + pipeline("caching", "", 'say(message="a").set_caching_options(False)'),
    ),
    "retry": (
        HEADER + pipeline("retry", "", 'say(message="a")'),
        HEADER + pipeline("retry", "", 'say(message="a").set_retry(2, backoff_duration="30s")'),
    ),
    "resources": (
        HEADER
        + pipeline("resources", "", 'say(message="a").set_cpu_limit("1").set_memory_limit("1G")'),
        HEADER
        + pipeline(
            "resources",
            "",
            'task = say(message="a").set_cpu_limit("2").set_memory_limit("1G")',
            'task.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)',
        ),
    ),
    "kubernetes": (
        HEADER
        + pipeline(
            "kubernetes",
            "",
            'task = say(message="a")',
            'task.set_env_variable("MODE", "fast")',
            'kubernetes.add_node_selector(task, label_key="pool", label_value="cpu")',
        ),
        HEADER
        + pipeline(
            "kubernetes",
            "",
            'task = say(message="a")',
            'task.set_env_variable("MODE", "slow")',
            'kubernetes.add_node_selector(task, label_key="pool", label_value="gpu")',
        ),
    ),
    "condition": (
        HEADER
        + pipeline(
            "condition", "flag: bool = True", "with dsl.If(flag == True):", '    say(message="a")'
        ),
        HEADER
        + pipeline(
            "condition", "flag: bool = True", "with dsl.If(flag == False):", '    say(message="a")'
        ),
    ),
    "loop": (
        HEADER + pipeline("loop", "", "with dsl.ParallelFor([1, 2]) as n:", "    add(a=n)"),
        HEADER
        + pipeline(
            "loop", "", "with dsl.ParallelFor([1, 2, 3], parallelism=2) as n:", "    add(a=n)"
        ),
    ),
    "exit_handler": (
        HEADER + pipeline("exit_handler", "", 'say(message="work")'),
        HEADER
        + pipeline(
            "exit_handler",
            "",
            "cleanup = add(a=0)",
            "with dsl.ExitHandler(cleanup):",
            '    say(message="work")',
        ),
    ),
    "edges": (
        HEADER + pipeline("edges", "", 'first = say(message="a")', "add(a=1)"),
        HEADER + pipeline("edges", "", 'first = say(message="a")', "add(a=1).after(first)"),
    ),
    "nested": (
        HEADER + INNER + "\n\n" + pipeline("nested", "", 'inner(msg="a")'),
        HEADER + INNER_HEAD + "\n\n" + pipeline("nested", "", 'inner(msg="a")'),
    ),
    "branches": (
        HEADER
        + pipeline(
            "branches",
            "flag: bool = True",
            "with dsl.If(flag == True):",
            '    say(message="yes")',
            "with dsl.Else():",
            '    say(message="no")',
        ),
        HEADER
        + pipeline(
            "branches",
            "flag: bool = True",
            "with dsl.If(flag == True):",
            '    say(message="yes")',
            "with dsl.Else():",
            '    say(message="never")',
        ),
    ),
    "noop": (NOOP_BASE, NOOP_HEAD),
    "variable": (
        HEADER + pipeline("variable", "", 'first = say(message="a")', "add(a=1).after(first)"),
        HEADER + pipeline("variable", "", 'step = say(message="a")', "add(a=1).after(step)"),
    ),
    "brand_new": (None, HEADER + pipeline("brand_new", "", 'say(message="a")', "add(a=1)")),
    "tricky": (None, TRICKY),
    "gone": (HEADER + pipeline("gone", "", 'say(message="a")'), None),
    "broken_base": (
        HEADER + pipeline("broken_base", "", "say(message=undefined_name)"),
        HEADER + pipeline("broken_base", "", 'say(message="a")'),
    ),
}


def compiled(tmp_path: Path, source: str, name: str) -> Any:
    """The spec of pipeline ``name`` defined by ``source`` (a module file: kfp reads the
    components' source), compiled by the real compiler."""
    module_path = tmp_path / f"{name}.py"
    module_path.write_text(textwrap.dedent(source), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"_review_{name}", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path / f"{name}.yaml"
    from kfp import compiler

    from scripts.build.specs import local_spec

    compiler.Compiler().compile(getattr(module, name), str(path))
    return local_spec(path)


# A 200-task pipeline: chains of ten tasks.
BIG = """
from kfp import dsl

@dsl.component(base_image="python:3.11")
def step(message: str) -> str:
    return message

@dsl.pipeline
def big():
    previous = None
    for i in range(200):
        task = step(message=str(i))
        if previous is not None and i % 10:
            task.after(previous)
        previous = task
"""
