"""The regression components and their helpers, called as plain Python functions."""

import json
import math
import random
from pathlib import Path

import pytest
from kfp.dsl import Dataset, Metrics, Model

from {{ cookiecutter.package_name }}._tabular import (
    fit_linear_model,
    predict_linear_model,
)
from {{ cookiecutter.package_name }}.regression import (
    evaluate_regression,
    predict_regression,
    train_linear_regression,
)


def linear_rows(count: int, noise: float = 0.0, seed: int = 3) -> list[dict[str, str]]:
    """price = 10 + 2*size + (5 if colour is red) + noise."""
    generator = random.Random(seed)
    rows = []
    for _ in range(count):
        size = generator.uniform(0, 10)
        colour = generator.choice(["red", "blue"])
        price = 10 + 2 * size + (5 if colour == "red" else 0) + generator.gauss(0, noise)
        rows.append({"size": f"{size:.6f}", "colour": colour, "price": f"{price:.6f}"})
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Dataset:
    columns = list(rows[0]) if rows else ["size", "colour", "price"]
    lines = [",".join(columns)] + [",".join(row[c] for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Dataset(uri=str(path))


def train(tmp_path: Path, rows, **kwargs) -> Model:
    model = Model(uri=str(tmp_path / "model.json"))
    options = {"target_column": "price", "numeric_columns": ["size"], "l2": 0.0}
    options.update(kwargs)
    train_linear_regression.python_func(
        train=write_csv(tmp_path / "train.csv", rows), model=model, **options
    )
    return model


# -- the model ------------------------------------------------------------------------------


def test_least_squares_recovers_an_exact_linear_relation():
    rows = linear_rows(50)
    model = fit_linear_model(rows, "price", ["size"], ["colour"], l2=1e-9)
    predictions = predict_linear_model(model, rows)
    # the CSV text has 6 decimals, so that is the precision to expect
    assert max(abs(p - float(r["price"])) for p, r in zip(predictions, rows, strict=True)) < 1e-4


def test_ridge_penalty_shrinks_the_weights():
    rows = linear_rows(50, noise=1.0)
    loose = fit_linear_model(rows, "price", ["size"], [], l2=0.0)
    tight = fit_linear_model(rows, "price", ["size"], [], l2=1000.0)
    assert abs(tight["weights"][0]) < abs(loose["weights"][0]) / 2


def test_an_unseen_category_predicts_without_error():
    model = fit_linear_model(linear_rows(20), "price", ["size"], ["colour"], l2=1.0)
    (value,) = predict_linear_model(model, [{"size": "1", "colour": "green"}])
    assert math.isfinite(value)


def test_categories_without_a_penalty_are_reported_as_collinear():
    with pytest.raises(ValueError, match="collinear"):
        fit_linear_model(linear_rows(20), "price", ["size"], ["colour"], l2=0.0)


# -- train_linear_regression ----------------------------------------------------------------


def test_train_writes_a_readable_json_model_with_metadata(tmp_path):
    model = train(tmp_path, linear_rows(30), categorical_columns=["colour"], l2=0.01)
    document = json.loads(Path(model.path).read_text(encoding="utf-8"))
    assert document["format"] == "linear-regression/v1"
    assert document["target"] == "price"
    assert [f["name"] for f in document["features"]] == ["size", "colour"]
    assert document["features"][1]["categories"] == ["blue", "red"]
    assert model.metadata == {
        "framework": "linear-regression/v1",
        "target": "price",
        "training_rows": 30,
    }


def test_train_on_empty_data_fails(tmp_path):
    with pytest.raises(ValueError, match="no training rows"):
        train(tmp_path, [])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"target_column": "cost"}, "no column 'cost'; columns: size, colour, price"),
        ({"numeric_columns": ["weight"]}, "no column 'weight'"),
        ({"numeric_columns": ["colour"]}, "row 1: column 'colour' is '(red|blue)', not a number"),
        ({"categorical_columns": ["shape"]}, "no column 'shape'"),
    ],
    ids=["target", "numeric", "text-as-numeric", "categorical"],
)
def test_train_with_a_wrong_column_names_it(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        train(tmp_path, linear_rows(5), **options)


# -- evaluate_regression --------------------------------------------------------------------


def evaluate(tmp_path: Path, model: Model, rows) -> Metrics:
    metrics = Metrics(uri=str(tmp_path / "metrics"))
    evaluate_regression.python_func(
        model=model, test=write_csv(tmp_path / "test.csv", rows), metrics=metrics
    )
    return metrics


def test_evaluate_logs_rmse_and_mae_matching_a_hand_computation(tmp_path):
    model = train(tmp_path, linear_rows(40, noise=2.0))
    test_rows = linear_rows(10, noise=2.0, seed=9)
    metrics = evaluate(tmp_path, model, test_rows)
    fitted = json.loads(Path(model.path).read_text(encoding="utf-8"))
    predictions = predict_linear_model(fitted, test_rows)
    errors = [p - float(r["price"]) for p, r in zip(predictions, test_rows, strict=True)]
    assert metrics.metadata["rmse"] == pytest.approx(math.sqrt(sum(e * e for e in errors) / 10))
    assert metrics.metadata["mae"] == pytest.approx(sum(abs(e) for e in errors) / 10)
    assert metrics.metadata["test_rows"] == 10
    assert metrics.metadata["rmse"] >= metrics.metadata["mae"] > 0


def test_evaluate_on_an_empty_test_set_fails(tmp_path):
    model = train(tmp_path, linear_rows(10))
    with pytest.raises(ValueError, match="the test dataset has no rows"):
        evaluate(tmp_path, model, [])


def test_evaluate_without_the_target_column_fails(tmp_path):
    model = train(tmp_path, linear_rows(10))
    rows = [{"size": r["size"], "colour": r["colour"]} for r in linear_rows(3)]
    with pytest.raises(ValueError, match="the test dataset has no target column 'price'"):
        evaluate(tmp_path, model, rows)


# -- predict_regression ---------------------------------------------------------------------


def test_predict_appends_a_column_to_every_row(tmp_path):
    model = train(tmp_path, linear_rows(30), categorical_columns=["colour"], l2=1e-9)
    rows = [{"size": "1.0", "colour": "red"}, {"size": "4.0", "colour": "blue"}]
    predictions = Dataset(uri=str(tmp_path / "predictions.csv"))
    predict_regression.python_func(
        model=model,
        dataset=write_csv(tmp_path / "new.csv", rows),
        predictions=predictions,
        prediction_column="suggested",
    )
    lines = Path(predictions.path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "size,colour,suggested"
    assert len(lines) == 3 and predictions.metadata == {"rows": 2}
    # exact data, so exactly the relation: 10 + 2*size + (5 if red)
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["17.00", "18.00"]


def test_predict_refuses_to_overwrite_an_existing_column(tmp_path):
    model = train(tmp_path, linear_rows(10))
    with pytest.raises(ValueError, match="already has a column 'price'"):
        predict_regression.python_func(
            model=model,
            dataset=write_csv(tmp_path / "new.csv", linear_rows(2)),
            predictions=Dataset(uri=str(tmp_path / "p.csv")),
            prediction_column="price",
        )
