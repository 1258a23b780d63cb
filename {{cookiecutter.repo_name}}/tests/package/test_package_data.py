"""The data components, called as plain Python functions (``component.python_func``)."""

import re
from pathlib import Path

import pytest
from kfp.dsl import Dataset

from {{ cookiecutter.package_name }}.data import (
    load_csv_dataset,
    split_dataset,
)

GOOD_CSV = "price,brand,condition\n10.5,Acme,3\n20,Globex,5\n7.25,Acme,1\n"


def csv_artifact(tmp_path: Path, text: str, name: str = "source.csv") -> Dataset:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Dataset(uri=str(path))


def output(tmp_path: Path, name: str) -> Dataset:
    return Dataset(uri=str(tmp_path / "out" / name))


def read(dataset: Dataset) -> list[str]:
    return Path(dataset.path).read_text(encoding="utf-8").splitlines()


# -- load_csv_dataset -----------------------------------------------------------------------


def test_load_passes_good_data_on_with_required_columns_first(tmp_path):
    dataset = output(tmp_path, "dataset")
    rows = load_csv_dataset.python_func(
        source=csv_artifact(tmp_path, GOOD_CSV),
        dataset=dataset,
        required_columns=["condition", "price"],
    )
    assert rows == 3
    assert read(dataset) == [
        "condition,price,brand",
        "3,10.5,Acme",
        "5,20,Globex",
        "1,7.25,Acme",
    ]
    assert dataset.metadata == {"rows": 3, "columns": 3}


def test_load_names_a_missing_column_and_the_columns_there_are(tmp_path):
    with pytest.raises(ValueError) as raised:
        load_csv_dataset.python_func(
            source=csv_artifact(tmp_path, GOOD_CSV),
            dataset=output(tmp_path, "dataset"),
            required_columns=["price", "colour"],
        )
    assert str(raised.value) == "missing column(s) colour; the file has: price, brand, condition"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty — expected a header line first"),
        ("price,brand\n", "the dataset has a header but no rows"),
    ],
    ids=["empty-file", "header-only"],
)
def test_load_rejects_empty_data(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_csv_dataset.python_func(
            source=csv_artifact(tmp_path, text),
            dataset=output(tmp_path, "dataset"),
            required_columns=["price"],
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("price,brand\n1,Acme\n,Globex\n", "row 2: no value in required column(s) price"),
        ("price,brand\n1,Acme,extra\n", "line 2: more fields than the header's 2"),
        ("price,brand\n1,Acme\n2\n", "line 3: fewer fields than the header's 2"),
        ("price,price\n1,2\n", "line 1: duplicate column(s) price"),
    ],
    ids=["empty-value", "extra-field", "missing-field", "duplicate-column"],
)
def test_load_rejects_malformed_rows_with_their_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_csv_dataset.python_func(
            source=csv_artifact(tmp_path, text),
            dataset=output(tmp_path, "dataset"),
            required_columns=["price"],
        )


# -- split_dataset --------------------------------------------------------------------------


def numbered_csv(rows: int) -> str:
    return "id,value\n" + "".join(f"{i},{i * 2}\n" for i in range(rows))


def split(tmp_path: Path, text: str, **kwargs) -> tuple[list[str], list[str], Dataset, Dataset]:
    train, test = output(tmp_path, "train"), output(tmp_path, "test")
    split_dataset.python_func(
        dataset=csv_artifact(tmp_path, text), train=train, test=test, **kwargs
    )
    return read(train), read(test), train, test


def test_split_partitions_every_row_once_with_the_header_on_both(tmp_path):
    train_lines, test_lines, train, test = split(tmp_path, numbered_csv(10), test_fraction=0.3)
    assert train_lines[0] == test_lines[0] == "id,value"
    assert len(test_lines) - 1 == 3 and len(train_lines) - 1 == 7
    assert sorted(train_lines[1:] + test_lines[1:]) == sorted(numbered_csv(10).splitlines()[1:])
    assert (train.metadata, test.metadata) == ({"rows": 7}, {"rows": 3})


def test_split_is_reproducible_for_a_seed_and_differs_across_seeds(tmp_path):
    first = split(tmp_path / "a", numbered_csv(20), seed=1)[:2]
    again = split(tmp_path / "b", numbered_csv(20), seed=1)[:2]
    other = split(tmp_path / "c", numbered_csv(20), seed=2)[:2]
    assert first == again
    assert first != other


def test_split_of_two_rows_keeps_one_on_each_side(tmp_path):
    train_lines, test_lines, *_ = split(tmp_path, numbered_csv(2), test_fraction=0.01)
    assert (len(train_lines), len(test_lines)) == (2, 2)


@pytest.mark.parametrize(
    ("text", "fraction", "message"),
    [
        ("id\n1\n", 0.5, "need at least 2 rows to split, the dataset has 1"),
        ("id\n", 0.5, "need at least 2 rows to split, the dataset has 0"),
        (numbered_csv(5), 1.0, "test_fraction must be between 0 and 1"),
        (numbered_csv(5), 0.0, "test_fraction must be between 0 and 1"),
    ],
    ids=["one-row", "no-rows", "fraction-1", "fraction-0"],
)
def test_split_rejects_what_cannot_be_split(tmp_path, text, fraction, message):
    with pytest.raises(ValueError, match=message):
        split(tmp_path, text, test_fraction=fraction)
