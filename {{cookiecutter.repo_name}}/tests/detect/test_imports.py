"""The import graph read with ast (scripts/detect/imports.py) and the import-statement cut that
keeps it fast (scripts/detect/import_text.py): every import form, component references, and the
cut being exact or refused."""

from __future__ import annotations

import ast
import textwrap

import pytest

from scripts.detect.import_text import import_statements
from scripts.detect.imports import IMPORTED, LOADED, find_references

FILES = {
    "mlkit/__init__.py",
    "mlkit/io.py",
    "mlkit/components.py",
    "mlkit/tabular/__init__.py",
    "mlkit/tabular/split.py",
    "mlkit/tabular/train.py",
    "pipelines/sales/forecast.py",
    "pipelines/sales/_features.py",
    "pipelines/sales/op.yaml",
    "pipelines/shared.py",
    "components/score-job/component.yaml",
    "components/train-job/component.yaml",
}


def refs(source: str, path: str = "pipelines/sales/forecast.py") -> dict[str, str]:
    found = find_references(textwrap.dedent(source).encode(), path, FILES, "mlkit")
    return {r.target: r.kind for r in found}


def targets(source: str, path: str = "pipelines/sales/forecast.py") -> set[str]:
    return set(refs(source, path))


def test_import_dotted_runs_every_package_init_on_the_way():
    assert targets("import mlkit.tabular.split\n") == {
        "mlkit/__init__.py",
        "mlkit/tabular/__init__.py",
        "mlkit/tabular/split.py",
    }


def test_from_import_of_a_submodule_and_of_an_attribute():
    assert targets("from mlkit.tabular import split\n") == {
        "mlkit/__init__.py",
        "mlkit/tabular/__init__.py",
        "mlkit/tabular/split.py",
    }
    assert targets("from mlkit.io import read\n") == {"mlkit/__init__.py", "mlkit/io.py"}
    assert targets("from mlkit import io as inout, components\n") == {
        "mlkit/__init__.py",
        "mlkit/io.py",
        "mlkit/components.py",
    }


def test_relative_imports_at_any_level():
    assert targets("from . import _features\n") == {"pipelines/sales/_features.py"}
    assert targets("from ._features import columns\n") == {"pipelines/sales/_features.py"}
    assert targets("from .. import shared\n") == {"pipelines/shared.py"}
    # `from .. import io`: io may be an attribute of the package, so its __init__ counts too.
    assert targets("from .split import x\nfrom .. import io\n", "mlkit/tabular/train.py") == {
        "mlkit/tabular/split.py",
        "mlkit/__init__.py",
        "mlkit/io.py",
    }
    assert targets("from . import split\n", "mlkit/tabular/train.py") == {
        "mlkit/tabular/__init__.py",
        "mlkit/tabular/split.py",
    }


def test_relative_imports_beyond_the_repo_root_are_ignored():
    assert targets("from .... import anything\n") == set()


def test_imports_inside_functions_classes_and_type_checking_blocks():
    source = """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from mlkit.io import Reader

        class Step:
            def run(self):
                try:
                    import mlkit.tabular.train
                except ImportError:
                    from . import _features
    """
    assert targets(source) == {
        "mlkit/__init__.py",
        "mlkit/io.py",
        "mlkit/tabular/__init__.py",
        "mlkit/tabular/train.py",
        "pipelines/sales/_features.py",
    }


def test_standard_library_and_third_party_imports_are_ignored():
    assert targets("import os, json\nfrom kfp import dsl\nimport numpy.linalg\n") == set()


def test_load_component_from_file_with_literal_paths():
    source = """
        from pathlib import Path
        from kfp import components
        from kfp.components import load_component_from_file as load_file

        HERE = Path(__file__).parent
        score = components.load_component_from_file("components/score-job/component.yaml")
        op = load_file(str(HERE / "op.yaml"))
        train = components.load_component_from_file(
            Path(__file__).parents[2] / "components" / "train-job" / "component.yaml"
        )
    """
    assert refs(source) == {
        "components/score-job/component.yaml": LOADED,
        "pipelines/sales/op.yaml": LOADED,
        "components/train-job/component.yaml": LOADED,
    }


def test_computed_component_paths_cannot_be_seen():
    source = """
        from kfp import components
        name = "score-job"
        op = components.load_component_from_file(f"components/{name}/component.yaml")
    """
    assert targets(source) == set()


@pytest.mark.parametrize(
    "source",
    [
        'from mlkit import components\nop = components.load("train-job")\n',
        'from mlkit.components import load\nop = load("train-job")\n',
        'from mlkit.components import load as get\nop = get(name="train-job")\n',
        'import mlkit.components\nop = mlkit.components.load("train-job")\n',
        'import mlkit.components as c\n\ndef make():\n    return c.load("train-job")\n',
    ],
)
def test_the_component_helper_in_every_import_style(source: str):
    assert refs(source)["components/train-job/component.yaml"] == LOADED


def test_the_helper_used_inside_the_package_through_a_relative_import():
    source = 'from .components import load\nop = load("score-job")\n'
    assert "components/score-job/component.yaml" in targets(source, "mlkit/io.py")


def test_a_load_function_that_is_not_the_helper_is_ignored():
    source = 'from other import load\nx = load("train-job")\ny = json.load("train-job")\n'
    assert targets(source) == set()


def test_kinds_and_no_self_reference():
    found = refs("import mlkit.io\n", "mlkit/io.py")
    assert found == {"mlkit/__init__.py": IMPORTED}


def test_a_syntax_error_hides_only_imports_that_do_not_parse():
    assert targets("from mlkit import io\ndef broken(:\n") == {"mlkit/__init__.py", "mlkit/io.py"}
    assert targets("from mlkit import (io,\n") == set()


# -- the import-statement cut ----------------------------------------------------------------

EXACT_CASES = {
    "docstring prose": '"""Docs.\n\nfrom mlkit import io\nimport mlkit.tabular\n"""\nimport os\n',
    "parenthesised": "from mlkit.tabular import (\n    split,  # the splitter (v2\n    train,\n)\n",
    "backslash": "from mlkit.tabular \\\n    import split\n",
    "indented": "def f():\n    if True:\n        from mlkit import io\n",
    "comment": "# import mlkit.io\nx = 1  # import later\n",
}


@pytest.mark.parametrize("name", sorted(EXACT_CASES))
def test_the_cut_parses_to_the_same_imports_as_the_whole_file(name: str):
    source = EXACT_CASES[name].encode()
    cut = import_statements(source)
    assert cut is not None
    assert _imports(ast.parse(cut)) == _imports(ast.parse(source))


@pytest.mark.parametrize(
    "source",
    [
        "x = 1; import mlkit.io\n",
        "if True: import mlkit.io\n",
        'message = "import this"\n',
        'x = \'"""\'\nimport mlkit.io\n',
        'call("a", """\nfrom mlkit import io\n""")\n',
    ],
)
def test_unusual_text_refuses_the_cut(source: str):
    assert import_statements(source.encode()) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1; import mlkit.io\n", {"mlkit/__init__.py", "mlkit/io.py"}),
        ("if True: from . import _features\n", {"pipelines/sales/_features.py"}),
        ('x = \'"""\'\nfrom mlkit import io\n', {"mlkit/__init__.py", "mlkit/io.py"}),
    ],
)
def test_a_refused_cut_still_finds_every_import_through_the_whole_parse(source, expected):
    assert targets(source) == expected


def test_imports_in_a_docstring_are_not_imports():
    assert targets('"""Example:\n\nfrom mlkit import io\n"""\nimport os\n') == set()


def _imports(tree: ast.AST) -> list[str]:
    return sorted(
        ast.dump(node) for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
    )
