"""Data files named by literal paths (scripts/detect/literals.py) and dynamic imports with
literal names (scripts/detect/imports.py), read with ast from one file's text."""

from __future__ import annotations

import textwrap

import pytest

from scripts.detect.imports import IMPORTED, LOADED, READ, find_references

FILES = {
    "mlkit/__init__.py",
    "mlkit/io.py",
    "mlkit/schema.json",
    "mlkit/tabular/__init__.py",
    "mlkit/tabular/split.py",
    "configs/base.yaml",
    "pipelines/__init__.py",
    "pipelines/shared.py",
    "pipelines/sales/forecast.py",
    "pipelines/sales/_features.py",
    "pipelines/sales/q.sql",
    "pipelines/sales/queries/q.sql",
    "pipelines/sales/sql/q.sql",
    "pipelines/ops/_helpers.py",
    "components/score-job/component.yaml",
    "projects/sales.yml",
}
DATA_NAMES = frozenset({b"q.sql", b"schema.json", b"base.yaml", b"component.yaml", b"sales.yml"})


def refs(
    source: str, path: str = "pipelines/sales/forecast.py", names=DATA_NAMES
) -> dict[str, str]:
    found = find_references(textwrap.dedent(source).encode(), path, FILES, "mlkit", names)
    return {r.target: r.kind for r in found}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ('Q = "queries/q.sql"\n', "pipelines/sales/queries/q.sql"),
        ('Q = "pipelines/sales/queries/q.sql"\n', "pipelines/sales/queries/q.sql"),
        (
            'from pathlib import Path\nQ = Path(__file__).parent / "queries" / "q.sql"\n',
            "pipelines/sales/queries/q.sql",
        ),
        (
            'from pathlib import Path\nQ = Path(__file__).with_name("q.sql")\n',
            "pipelines/sales/q.sql",
        ),
        (
            'from pathlib import Path\nQ = Path(__file__).parent.joinpath("sql", "q.sql")\n',
            "pipelines/sales/sql/q.sql",
        ),
        (
            'import os\nQ = os.path.join(os.path.dirname(__file__), "sql", "q.sql")\n',
            "pipelines/sales/sql/q.sql",
        ),
        ('import os\nQ = os.path.dirname(__file__) + "/sql/q.sql"\n', "pipelines/sales/sql/q.sql"),
        ('CONFIG = open("configs/base.yaml").read()\n', "configs/base.yaml"),
        (
            "from pathlib import Path\nROOT = Path(__file__).parents[2]\n"
            'S = ROOT / "mlkit/schema.json"\n',
            "mlkit/schema.json",
        ),
    ],
)
def test_a_literal_path_names_a_data_file(source: str, target: str):
    assert refs(source) == {target: READ}


def test_literals_are_read_only_when_the_file_mentions_a_changed_data_file():
    source = 'Q = "queries/q.sql"\n'
    assert refs(source, names=frozenset()) == {}
    assert refs(source, names=frozenset({b"other.csv"})) == {}


def test_python_files_missing_files_and_absolute_paths_are_not_data_references():
    source = """
        A = "pipelines/shared.py"
        B = "queries/missing.sql"
        C = "/etc/q.sql"
        D = "gs://bucket/q.sql"
    """
    assert refs(source) == {}


def test_an_f_string_path_names_nothing():
    assert refs('name = "q"\nQ = f"queries/{name}.sql"\n') == {}
    assert refs('v = 1\nQ = f"pipelines/sales/q.sql{v}"\n') == {}


def test_a_data_literal_in_a_module_counts_with_its_imports():
    source = 'from mlkit import io\nSCHEMA = "schema.json"\n'
    assert refs(source, "mlkit/tabular/split.py") == {
        "mlkit/__init__.py": IMPORTED,
        "mlkit/io.py": IMPORTED,
    }
    assert refs('from . import io\nSCHEMA = "schema.json"\n', "mlkit/features.py") == {
        "mlkit/__init__.py": IMPORTED,
        "mlkit/io.py": IMPORTED,
        "mlkit/schema.json": READ,
    }


def test_a_component_loaded_by_path_stays_loaded():
    source = """
        from kfp import components
        op = components.load_component_from_file("components/score-job/component.yaml")
    """
    assert refs(source) == {"components/score-job/component.yaml": LOADED}


# -- dynamic imports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'import importlib\nio = importlib.import_module("mlkit.io")\n',
        'from importlib import import_module as load\nio = load("mlkit.io")\n',
        "from importlib import import_module\n\ndef f():\n"
        '    return import_module(name="mlkit.io")\n',
        'io = __import__("mlkit.io")\n',
        'mlkit = __import__("mlkit", fromlist=["io"])\n',
        'mlkit = __import__("mlkit", globals(), locals(), ("io",), 0)\n',
    ],
)
def test_a_dynamic_import_with_a_literal_name_is_an_import(source: str):
    assert refs(source, names=frozenset()) == {
        "mlkit/__init__.py": IMPORTED,
        "mlkit/io.py": IMPORTED,
    }


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        (
            'import importlib\nh = importlib.import_module("._features", package=__package__)\n',
            "pipelines/sales/forecast.py",
            {"pipelines/sales/_features.py"},
        ),
        (
            'import importlib\nh = importlib.import_module("..ops._helpers", __package__)\n',
            "pipelines/sales/forecast.py",
            {"pipelines/ops/_helpers.py"},
        ),
        (
            'import importlib\ns = importlib.import_module(".split", "mlkit.tabular")\n',
            "pipelines/sales/forecast.py",
            {"mlkit/tabular/split.py"},
        ),
        (
            'h = __import__("_features", globals(), locals(), [], 1)\n',
            "pipelines/sales/forecast.py",
            {"pipelines/sales/_features.py"},
        ),
        (
            'import importlib\np = importlib.import_module("..", package=__package__)\n',
            "pipelines/sales/forecast.py",
            {"pipelines/__init__.py"},
        ),
    ],
)
def test_a_relative_dynamic_import_resolves_from_its_package(source, path, expected):
    assert set(refs(source, path, names=frozenset())) == expected


@pytest.mark.parametrize(
    "source",
    [
        'import importlib\nname = "mlkit.io"\nio = importlib.import_module(name)\n',
        'import importlib\nio = importlib.import_module(f"mlkit.{1}")\n',
        'import importlib\nh = importlib.import_module("._features")\n',  # no package
        'import importlib\nh = importlib.import_module("....x", package=__package__)\n',
    ],
)
def test_a_dynamic_import_without_a_literal_name_or_package_is_invisible(source: str):
    assert refs(source, names=frozenset()) == {}


def test_the_helper_under_its_new_and_its_old_module_name():
    for module in ("component_specs", "components"):
        source = f'from mlkit import {module}\nop = {module}.load("score-job")\n'
        found = find_references(source.encode(), "pipelines/sales/x.py", FILES, "mlkit")
        assert {r.target: r.kind for r in found}["components/score-job/component.yaml"] == LOADED
