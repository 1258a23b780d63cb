"""Plain-Python helpers the tabular components share: CSV tables and a linear model.

KFP ships a lightweight component to its container as the source of one function, so these
helpers travel with it through ``@dsl.component(additional_funcs=[...])``. That shapes how they
are written: each helper imports what it needs inside its body, and a helper that calls another
one needs both listed in ``additional_funcs``.

Only the standard library is used, so the components need no packages on top of the base image
and a local run needs nothing beyond kfp. The model is ridge regression on standardised numeric
columns and one-hot categorical columns, solved exactly (the normal equations are tiny): a
baseline a better model must beat, not the model itself. Models are JSON documents with
``format: linear-regression/v1`` (spelled out in each helper: module constants do not travel).
"""


def read_csv_table(path: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a UTF-8 CSV file whose first line is the header.

    Raises ValueError naming the line for what would otherwise turn into silent garbage: an
    empty file, a duplicate or empty column name, a row with more or fewer fields than the header.
    """
    import csv

    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns = list(reader.fieldnames or [])
        if not columns:
            raise ValueError(f"{path}: the file is empty — expected a header line first")
        duplicates = sorted({name for name in columns if columns.count(name) > 1})
        if duplicates:
            raise ValueError(f"{path}: line 1: duplicate column(s) {', '.join(duplicates)}")
        if any(not name.strip() for name in columns):
            raise ValueError(f"{path}: line 1: a column has an empty name")
        rows = []
        for row in reader:
            if None in row:
                raise ValueError(
                    f"{path}: line {reader.line_num}: more fields than the header's {len(columns)}"
                )
            if any(value is None for value in row.values()):
                raise ValueError(
                    f"{path}: line {reader.line_num}: fewer fields than the header's {len(columns)}"
                )
            rows.append(row)
    return columns, rows


def write_csv_table(path: str, columns: list[str], rows: list[dict[str, str]]) -> None:
    """Write ``rows`` (dicts keyed by ``columns``) as CSV with a header line."""
    import csv
    import os

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def encode_features(model: dict, row: dict[str, str], row_number: int) -> list[float]:
    """One row as the model's input vector: ``[1 (intercept), features...]``.

    Numeric columns are standardised with the training mean and spread; a categorical column
    becomes one 0/1 entry per category seen in training (an unseen category is all zeros, so it
    gets the average effect). ``row_number`` (1 for the first data row) is for error messages.
    """
    import math

    vector = [1.0]
    for feature in model["features"]:
        name = feature["name"]
        value = row.get(name)
        if value is None:
            raise ValueError(f"row {row_number}: no column {name!r}")
        if feature["kind"] == "numeric":
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ValueError(f"row {row_number}: column {name!r} is {value!r}, not a number")
            vector.append((number - feature["mean"]) / feature["scale"])
        else:
            vector.extend(1.0 if value == category else 0.0 for category in feature["categories"])
    return vector


def fit_linear_model(
    rows: list[dict[str, str]],
    target_column: str,
    numeric_columns: list[str],
    categorical_columns: list[str],
    l2: float,
) -> dict:
    """Fit ridge regression and return the model as a JSON-ready dict.

    The intercept is not penalised; with ``l2 > 0`` the system is always solvable, with
    ``l2 == 0`` collinear features are reported instead of producing huge weights.
    """
    import math

    if not rows:
        raise ValueError("no training rows")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    if not numeric_columns and not categorical_columns:
        raise ValueError("no feature columns: pass numeric_columns and/or categorical_columns")

    def numbers(column: str) -> list[float]:
        values = []
        for index, row in enumerate(rows):
            text = row.get(column)
            if text is None:
                raise ValueError(f"no column {column!r}; columns: {', '.join(rows[0])}")
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ValueError(f"row {index + 1}: column {column!r} is {text!r}, not a number")
            values.append(value)
        return values

    targets = numbers(target_column)
    features: list[dict] = []
    for column in numeric_columns:
        values = numbers(column)
        mean = sum(values) / len(values)
        spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        # A constant column carries no signal; scale 1 keeps it harmless instead of dividing by 0.
        features.append({"name": column, "kind": "numeric", "mean": mean, "scale": spread or 1.0})
    for column in categorical_columns:
        if column not in rows[0]:
            raise ValueError(f"no column {column!r}; columns: {', '.join(rows[0])}")
        categories = sorted({row[column] for row in rows})
        features.append({"name": column, "kind": "categorical", "categories": categories})

    model = {"format": "linear-regression/v1", "target": target_column, "features": features}
    design = [encode_features(model, row, index + 1) for index, row in enumerate(rows)]
    size = len(design[0])
    # Normal equations (X'X + l2*I') w = X'y, I' without the intercept's diagonal entry.
    matrix = [
        [sum(x[i] * x[j] for x in design) + (l2 if i == j and i > 0 else 0.0) for j in range(size)]
        + [sum(x[i] * y for x, y in zip(design, targets, strict=True))]
        for i in range(size)
    ]
    # Gauss-Jordan elimination with partial pivoting.
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(matrix[r][column]))
        if abs(matrix[pivot][column]) < 1e-12:
            raise ValueError(
                "the features are collinear (one-hot categories always are, with the "
                "intercept) — use l2 > 0 or drop the redundant column"
            )
        matrix[column], matrix[pivot] = matrix[pivot], matrix[column]
        lead = matrix[column][column]
        matrix[column] = [value / lead for value in matrix[column]]
        for other in range(size):
            if other != column and matrix[other][column]:
                factor = matrix[other][column]
                matrix[other] = [
                    a - factor * b for a, b in zip(matrix[other], matrix[column], strict=True)
                ]
    weights = [matrix[i][size] for i in range(size)]
    model.update(intercept=weights[0], weights=weights[1:], training_rows=len(rows))
    return model


def predict_linear_model(model: dict, rows: list[dict[str, str]]) -> list[float]:
    """The model's prediction for each row."""
    if model.get("format") != "linear-regression/v1":
        raise ValueError(
            f"unsupported model format {model.get('format')!r}, expected 'linear-regression/v1'"
        )
    weights = [model["intercept"], *model["weights"]]
    return [
        sum(w * x for w, x in zip(weights, encode_features(model, row, index + 1), strict=True))
        for index, row in enumerate(rows)
    ]
