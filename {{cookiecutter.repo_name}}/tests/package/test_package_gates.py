"""The metric gate, called as a plain Python function."""

import math

import pytest
from kfp.dsl import Metrics

from {{ cookiecutter.package_name }}.gates import metric_gate


def metrics(**values) -> Metrics:
    artifact = Metrics(uri="/unused")
    for name, value in values.items():
        artifact.log_metric(name, value)
    return artifact


@pytest.mark.parametrize(
    ("value", "threshold", "higher_is_better"),
    [(4.0, 5.0, False), (5.0, 5.0, False), (0.9, 0.8, True), (0.8, 0.8, True)],
    ids=["error-below", "error-equal", "score-above", "score-equal"],
)
def test_the_gate_passes_a_good_enough_metric_and_returns_it(value, threshold, higher_is_better):
    returned = metric_gate.python_func(
        metrics=metrics(rmse=1.0, score=value),
        metric="score",
        threshold=threshold,
        higher_is_better=higher_is_better,
    )
    assert returned == value


def test_a_worse_error_closes_the_gate_with_the_numbers():
    with pytest.raises(RuntimeError) as raised:
        metric_gate.python_func(metrics=metrics(rmse=12.5), metric="rmse", threshold=10.0)
    assert str(raised.value) == (
        "quality gate failed: rmse = 12.5 is worse than the threshold 10 (lower is better)"
    )


def test_a_worse_score_closes_the_gate():
    with pytest.raises(RuntimeError, match="higher is better"):
        metric_gate.python_func(
            metrics=metrics(accuracy=0.5), metric="accuracy", threshold=0.9, higher_is_better=True
        )


def test_a_missing_metric_lists_the_logged_ones():
    with pytest.raises(ValueError) as raised:
        metric_gate.python_func(metrics=metrics(rmse=1.0, mae=0.5), metric="r2", threshold=0.5)
    assert str(raised.value) == "no metric 'r2' in the metrics artifact; it has: mae, rmse"


def test_empty_metrics_say_so():
    with pytest.raises(ValueError, match="it has: none"):
        metric_gate.python_func(metrics=metrics(), metric="rmse", threshold=1.0)


def test_a_nan_metric_never_passes():
    with pytest.raises(ValueError, match="not a finite number"):
        metric_gate.python_func(metrics=metrics(rmse=math.nan), metric="rmse", threshold=1.0)
