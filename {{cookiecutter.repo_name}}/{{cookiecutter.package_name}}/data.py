"""Components that bring tabular data into a pipeline: check a CSV dataset, split it.

Datasets are CSV files with a header line (UTF-8). Each output dataset records its row count
in its metadata (``rows``), which the KFP UI shows next to the artifact.
"""

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from ._tabular import read_csv_table, write_csv_table
from .images import BASE_IMAGE, PACKAGES


@dsl.component(
    base_image=BASE_IMAGE,
    packages_to_install=PACKAGES,
    additional_funcs=[read_csv_table, write_csv_table],
)
def load_csv_dataset(
    source: Input[Dataset],
    dataset: Output[Dataset],
    required_columns: list[str],
) -> int:
    """Check a CSV dataset and pass it on, so that bad data fails here and not mid-training.

    Args:
        source: the CSV file (from an importer or an upstream component).
        dataset: the same rows, with the required columns first; metadata ``rows``, ``columns``.
        required_columns: columns that must exist and have a value in every row.

    Returns:
        The number of rows.

    Raises:
        ValueError: the file is empty or malformed, a required column is missing, a required
            value is empty, or there are no rows.
    """
    columns, rows = read_csv_table(source.path)
    missing = [name for name in required_columns if name not in columns]
    if missing:
        raise ValueError(
            f"missing column(s) {', '.join(missing)}; the file has: {', '.join(columns)}"
        )
    if not rows:
        raise ValueError("the dataset has a header but no rows")
    for number, row in enumerate(rows, start=1):
        empty = [name for name in required_columns if not row[name].strip()]
        if empty:
            raise ValueError(f"row {number}: no value in required column(s) {', '.join(empty)}")
    ordered = list(required_columns) + [name for name in columns if name not in required_columns]
    write_csv_table(dataset.path, ordered, rows)
    dataset.metadata.update(rows=len(rows), columns=len(ordered))
    return len(rows)


@dsl.component(
    base_image=BASE_IMAGE,
    packages_to_install=PACKAGES,
    additional_funcs=[read_csv_table, write_csv_table],
)
def split_dataset(
    dataset: Input[Dataset],
    train: Output[Dataset],
    test: Output[Dataset],
    test_fraction: float = 0.2,
    seed: int = 42,
):
    """Shuffle the rows with a fixed seed and split them into a train and a test set.

    The same input, fraction and seed always give the same split, so two runs of a pipeline
    are comparable. Both sets get at least one row.

    Args:
        dataset: a CSV dataset with a header line.
        train: the training rows (metadata ``rows``).
        test: the held-out rows (metadata ``rows``), ``round(rows * test_fraction)`` of them.
        test_fraction: the share of rows held out, strictly between 0 and 1.
        seed: the shuffle's seed.

    Raises:
        ValueError: ``test_fraction`` is out of range or there are fewer than 2 rows.
    """
    import random

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    columns, rows = read_csv_table(dataset.path)
    if len(rows) < 2:
        raise ValueError(f"need at least 2 rows to split, the dataset has {len(rows)}")
    random.Random(seed).shuffle(rows)
    test_rows = min(len(rows) - 1, max(1, round(len(rows) * test_fraction)))
    write_csv_table(test.path, columns, rows[:test_rows])
    write_csv_table(train.path, columns, rows[test_rows:])
    test.metadata["rows"] = test_rows
    train.metadata["rows"] = len(rows) - test_rows
