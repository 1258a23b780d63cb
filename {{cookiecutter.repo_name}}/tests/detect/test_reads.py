"""Reads change detection cannot resolve (scripts/detect/reads.py): warned about with their
file and line, while reads it can resolve, writes, component bodies and a function's own
parameters are not."""

from __future__ import annotations

import textwrap

import pytest

from scripts.detect.reads import may_read, unresolved_reads

FILES = {
    "pipelines/p/train.py",
    "pipelines/p/q.sql",
    "pipelines/p/queries/q.sql",
    "configs/base.yaml",
    "pyproject.toml",
}
PATH = "pipelines/p/train.py"


def warnings(source: str) -> list[tuple[int | None, str]]:
    found = unresolved_reads(textwrap.dedent(source).encode(), PATH, FILES)
    assert all(w.path == PATH and w.severity == "warning" for w in found)
    return [(w.line, w.message) for w in found]


def lines(source: str) -> list[int | None]:
    return [line for line, _ in warnings(source)]


@pytest.mark.parametrize(
    "source",
    [
        "from pathlib import Path\n"
        'SQL = (Path(__file__).parent / "queries" / "q.sql").read_text()\n',
        "from pathlib import Path\n"
        'HERE = Path(__file__).parent\nSQL = (HERE / "q.sql").read_text()\n',
        'from pathlib import Path\nQ = Path(__file__).with_name("q.sql")\nSQL = Q.read_text()\n',
        "import os\n"
        'SQL = open(os.path.join(os.path.dirname(__file__), "queries", "q.sql")).read()\n',
        'CONFIG = open("configs/base.yaml", encoding="utf-8").read()\n',
        'import io\nwith io.open("configs/base.yaml") as f:\n    text = f.read()\n',
        "from pathlib import Path\n\ndef load(path=Path(__file__).parents[2] / 'pyproject.toml'):\n"
        "    return path.read_text()\n",
    ],
)
def test_reads_of_literal_paths_are_resolved(source: str):
    assert warnings(source) == []


def test_a_read_of_a_variable_is_warned_about_with_its_line():
    source = """
        import os

        NAME = os.environ["QUERY"]
        sql = open(NAME).read()
    """
    ((line, message),) = warnings(source)
    assert line == 5
    assert "reads a file whose path change detection cannot resolve" in message
    assert "`open(NAME)`" in message and "marks no pipeline" in message


@pytest.mark.parametrize(
    "source",
    [
        "from pathlib import Path\nname = input()\nPath(name).read_text()\n",
        'name = "q"\nopen(f"queries/{name}.sql")\n',
        'from pathlib import Path\nfor f in Path(__file__).parent.glob("*.sql"):\n'
        "    f.read_text()\n",
        "import json\n\ndef settings():\n    return json.load(open(locate()))\n",
        'open("q" + ".sql" % 1)\n',
    ],
)
def test_computed_paths_are_warned_about(source: str):
    assert len(warnings(source)) == 1


def test_a_literal_path_that_is_no_repo_file_is_warned_about():
    source = 'from pathlib import Path\nQ = (Path(__file__).parent.parent / "shared" / "q.sql")\n'
    source += "Q.read_text()\n"
    ((line, message),) = warnings(source)
    assert line == 3 and "reads 'shared/q.sql', which is no file of the repo" in message


@pytest.mark.parametrize(
    "source",
    [
        # a lightweight component's body runs in a container, on its artifacts
        "from kfp import dsl\n\n@dsl.component\ndef step(data: dsl.Input[dsl.Dataset]):\n"
        "    with open(data.path) as f:\n        f.read()\n",
        "from kfp.dsl import component\n\n@component(base_image='python:3.11')\ndef step(p: str):\n"
        "    open(p + '.csv').read()\n",
        # a parameter: the caller names the file
        "def rows(path):\n    with open(path) as f:\n        return f.read()\n",
        "from pathlib import Path\n\ndef rows(path):\n    return Path(path).read_text()\n",
        # writes, absolute paths, URLs
        'def save(out):\n    open(out + ".txt", "w").write("x")\n',
        "import os\nopen(os.environ['OUT'], mode='a')\n",
        'open("/etc/hostname").read()\n',
        'import fsspec\nfsspec.open("gs://bucket/q.sql")\n',
        # not run at compile time
        'import sys\nif __name__ == "__main__":\n    open(sys.argv[1]).read()\n',
        # the module reading itself
        "from pathlib import Path\nSOURCE = Path(__file__).read_text()\n",
    ],
)
def test_what_is_not_a_compile_time_read_of_an_unknown_file(source: str):
    assert warnings(source) == []


def test_parameters_used_in_a_bigger_path_are_warned_about():
    source = """
        from pathlib import Path

        HERE = Path(__file__).parent


        def query(name):
            return (HERE / "queries" / name).read_text()
    """
    assert lines(source) == [8]


def test_a_nested_function_sees_the_names_of_its_module_and_outer_function():
    source = """
        from pathlib import Path

        HERE = Path(__file__).parent


        def outer():
            folder = HERE / "queries"

            def inner():
                return (folder / "q.sql").read_text()

            return inner
    """
    assert warnings(source) == []


def test_a_rebound_name_is_unknown_after_a_loop():
    source = """
        from pathlib import Path

        Q = Path(__file__).parent / "q.sql"
        for Q in Path(__file__).parent.iterdir():
            Q.read_text()
    """
    assert lines(source) == [6]


def test_a_file_that_does_not_parse_has_no_warnings():
    assert warnings("open(name\n") == []


INLINE_COMPONENT = """\
from kfp import dsl


@dsl.component(
    base_image="python:3.11",
)
def step(data: dsl.Input[dsl.Dataset], out: dsl.Output[dsl.Dataset]):
    # copies the rows
    with open(data.path) as source, open(out.path, "w") as target:
        target.write(source.read())


@dsl.container_component
async def other(path: str):
    return open(path)
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import json\n", False),
        ("x = path.read_text()\n", True),
        (INLINE_COMPONENT, False),  # reads only in component bodies: no need to parse
        (INLINE_COMPONENT + "\nCONFIG = open(NAME).read()\n", True),
        (INLINE_COMPONENT.replace("@dsl.component(", "@cache("), True),
        (INLINE_COMPONENT.replace("# copies", '"""Docs\nat column 0.\n"""\n    #'), True),
        ("@dsl.component\ndef f(p=open(NAME)):\n    pass\n", True),
    ],
)
def test_the_text_filter_skips_files_whose_reads_are_all_in_components(source, expected):
    assert may_read(source.encode()) is expected
    if not expected:
        assert unresolved_reads(source.encode(), PATH, FILES) == []
