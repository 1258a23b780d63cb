"""Per-task settings: caching, retries, resources, accelerator, env, display name."""

from kfp import dsl

from ._shared import add


@dsl.pipeline
def task_settings(a: float = 1.0):
    task = add(a=a, b=a)
    task.set_caching_options(False)
    task.set_retry(num_retries=3, backoff_duration="30s", backoff_factor=2.0)
    task.set_cpu_request("500m").set_cpu_limit("1").set_memory_limit("2G")
    task.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
    task.set_env_variable("MODE", "corpus")
    task.set_display_name("add with settings")
