"""Quality gates: steps that fail the pipeline run when a model is not good enough.

Put a gate after the evaluation and before anything that publishes or deploys the model; a
failed gate makes the run fail with a message saying which metric missed which threshold.
"""

from kfp import dsl
from kfp.dsl import Input, Metrics

from .images import BASE_IMAGE, PACKAGES


@dsl.component(base_image=BASE_IMAGE, packages_to_install=PACKAGES)
def metric_gate(
    metrics: Input[Metrics],
    metric: str,
    threshold: float,
    higher_is_better: bool = False,
) -> float:
    """Fail when ``metric`` is worse than ``threshold``; pass it on otherwise.

    Args:
        metrics: a Metrics artifact, e.g. from ``evaluate_regression``.
        metric: the name of the metric to check (``rmse``, ``mae``, ...).
        threshold: the worst acceptable value (itself accepted).
        higher_is_better: False for errors (lower is better), True for scores such as accuracy.

    Returns:
        The metric's value.

    Raises:
        ValueError: the metric is not in the artifact or is not a finite number.
        RuntimeError: the metric is worse than the threshold (the gate is closed).
    """
    import math

    logged = {key: value for key, value in metrics.metadata.items() if not key.startswith("_")}
    if metric not in logged:
        raise ValueError(
            f"no metric {metric!r} in the metrics artifact; it has: "
            f"{', '.join(sorted(logged)) or 'none'}"
        )
    value = logged[metric]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"metric {metric!r} is {value!r}, not a finite number")
    worse = value < threshold if higher_is_better else value > threshold
    if worse:
        direction = "higher" if higher_is_better else "lower"
        raise RuntimeError(
            f"quality gate failed: {metric} = {value:.4g} is worse than the threshold "
            f"{threshold:.4g} ({direction} is better)"
        )
    print(f"quality gate passed: {metric} = {value:.4g} (threshold {threshold:.4g})")
    return float(value)
