"""Lint that fits KFP: `make format` never breaks a pipeline or a component.

pyproject.toml turns off, in pipelines/, components/ and the components package only, the ruff
rules that flag KFP idioms or rewrite them into code kfp cannot compile (``Optional[str]`` ->
``str | None``). Here KFP idiom modules get `make format`'s ruff runs (``check --fix``, then
``format``) under those settings: all compile to the same specs as before, with no finding left.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest
import yaml
from kfp import compiler
from kfp.dsl.base_component import BaseComponent

from tests.helpers.git_repos import REPO_ROOT

RUFF = Path(sys.executable).with_name("ruff")
NOT_COMPILED = "does not compile"
SETTINGS = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]
PACKAGE = SETTINGS["kfp-monorepo"]["components-package"]

OPTIONAL_PARAMS = """\
from typing import Optional, Union

from kfp import dsl
from kfp.dsl import Dataset, Input


@dsl.component(base_image="python:3.11-slim")
def describe(
    name: Optional[str] = None,
    limit: Union[int, None] = None,
    notes: str = None,
    sample: Input[Dataset] = None,
) -> str:
    parts = [name or "unnamed", str(limit), notes or ""]
    if sample is not None:
        parts.append(sample.path)
    return " ".join(parts)


@dsl.pipeline
def optional_params(name: Optional[str] = None, limit: Optional[int] = None):
    describe(name=name, limit=limit)
"""

DEFAULTS_AND_NESTING = """\
from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def configure(settings: dict = {"retries": 3}, columns: list = ["price"]) -> str:
    return f"{settings} {columns}"


@dsl.pipeline
def inner(settings: dict = {"retries": 1}, columns: list = []) -> str:
    return configure(settings=settings, columns=columns).output


@dsl.pipeline
def defaults(
    settings: dict = {"retries": 3, "backoff": 1.5},
    columns: list = ["price", "category"],
    weights: list[float] = [0.5, 0.5],
):
    configure(settings=settings, columns=columns)
    first = inner(settings={"retries": 0}, columns=[])
    inner(columns=[first.output]).set_display_name("inner again")
"""

CONDITIONS = """\
from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def coin() -> str:
    return "heads"


@dsl.component(base_image="python:3.11-slim")
def say(text: str):
    print(text)


@dsl.pipeline
def conditions(flag: bool = True, deploy: bool = False, threshold: int = 3):
    side = coin().output
    with dsl.If(flag == True):
        say(text="flag is set")
    with dsl.If(deploy == False, name="no-deploy"):
        say(text="deploy is off")
    with dsl.If(deploy == True):
        with dsl.If(threshold > 2):
            say(text="deploy, above the threshold")
    with dsl.Condition(side == "heads"):
        say(text="the deprecated spelling of dsl.If")
    with dsl.If(side == "heads"):
        say(text="heads")
    with dsl.Elif(side == "tails"):
        say(text="tails")
    with dsl.Else():
        say(text="on its edge")
"""

LOOPS_AND_EXIT = """\
from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def report(status: dsl.PipelineTaskFinalStatus, channel: str = "#ml-runs"):
    print(channel, status.state, status.pipeline_task_name, status.error_message)


@dsl.component(base_image="python:3.11-slim")
def shard_size(shard: int) -> int:
    return shard * 10


@dsl.component(base_image="python:3.11-slim")
def total(sizes: list[int]) -> int:
    return sum(sizes)


@dsl.pipeline
def loops_and_exit(shards: list = [1, 2, 3], enabled: bool = True):
    notify = report()
    with dsl.ExitHandler(notify, name="guarded"):
        with dsl.If(enabled == True):
            with dsl.ParallelFor(shards, parallelism=2) as shard:
                size = shard_size(shard=shard)
            total(sizes=dsl.Collected(size.output))
        with dsl.ParallelFor([{"shard": 1, "rows": 10}, {"shard": 2, "rows": 20}]) as item:
            shard_size(shard=item.shard)
"""

ARTIFACTS = """\
from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output


@dsl.component(base_image="python:3.11-slim")
def train(data: Input[Dataset], model: Output[Model], metrics: Output[Metrics], l2: float = 1.0):
    with open(data.path) as source, open(model.path, "w") as target:
        target.write(source.read()[:10])
    model.metadata["l2"] = l2
    metrics.log_metric("rmse", 1.0)


@dsl.component(base_image="python:3.11-slim")
def summarize(model: Input[Model]) -> NamedTuple("Outputs", path=str, size=int):
    outputs = NamedTuple("Outputs", path=str, size=int)
    return outputs(model.path, len(model.metadata))


@dsl.pipeline
def artifacts(source_uri: str = "gs://acme-data/listings.csv"):
    data = dsl.importer(artifact_uri=source_uri, artifact_class=Dataset, metadata={"rows": 500})
    trained = train(data=data.output, l2=0.5)
    trained.set_caching_options(False).set_cpu_limit("1").set_memory_limit("1G")
    summarize(model=trained.outputs["model"])
"""

KUBERNETES_FEATURES = """\
from kfp import dsl, kubernetes


@dsl.component(base_image="python:3.11-slim")
def query(table: str) -> int:
    import os

    return len(os.environ.get("DB_PASSWORD", "")) + len(table)


@dsl.pipeline
def kubernetes_features(table: str = "listings"):
    task = query(table=table)
    kubernetes.use_secret_as_env(
        task,
        secret_name="warehouse-credentials",
        secret_key_to_env={"password": "DB_PASSWORD"},
    )
    kubernetes.add_node_selector(task, label_key="pool", label_value="highmem")
    kubernetes.add_toleration(task, key="dedicated", operator="Equal", value="ml")
"""

SHARED_COMPONENT = """\
from typing import NamedTuple, Optional, Union

from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output


@dsl.component(base_image="python:3.11-slim", packages_to_install=[])
def fit(
    train: Input[Dataset],
    model: Output[Model],
    target: Optional[str] = None,
    alpha: Union[float, None] = None,
    features: list = ["price"],
    options: dict = {"l2": 1.0},
    holdout: Input[Dataset] = None,
) -> NamedTuple("Outputs", rows=int, target=str):
    outputs = NamedTuple("Outputs", rows=int, target=str)
    with open(model.path, "w") as handle:
        handle.write(f"{features} {options} {alpha} {holdout is not None}")
    return outputs(0, target or "price")
"""

# Findings that ruff fixes in a pipeline function without changing its spec: unsorted imports,
# `List[str]` (UP006, then the unused import), a Yoda condition (SIM300) and the formatting.
HARMLESS_REWRITES = """\
from kfp import dsl
from typing import List


@dsl.component(base_image="python:3.11-slim")
def count(items: list[str]) -> int:
    return len(items)


@dsl.pipeline
def harmless_rewrites(items: List[str] = ['a', 'b'], mode: str = 'fast'):
    counted = count(items=items)
    with dsl.If("fast" == mode):
        count(items=["x"])
    with dsl.If(3 < counted.output):
        count(items=items)
"""

IDIOMS = {
    "pipelines/idioms/optional_params.py": OPTIONAL_PARAMS,
    "pipelines/idioms/defaults_and_nesting.py": DEFAULTS_AND_NESTING,
    "pipelines/idioms/conditions.py": CONDITIONS,
    "pipelines/idioms/loops_and_exit.py": LOOPS_AND_EXIT,
    "pipelines/idioms/artifacts.py": ARTIFACTS,
    "pipelines/idioms/kubernetes_features.py": KUBERNETES_FEATURES,
    "pipelines/idioms/harmless_rewrites.py": HARMLESS_REWRITES,
    f"{PACKAGE}/kfp_idioms.py": SHARED_COMPONENT,
    "components/kfp-idioms/src/kfp_idioms.py": SHARED_COMPONENT,
}


def ruff(root: Path, *args: str) -> subprocess.CompletedProcess:
    if not RUFF.is_file():
        pytest.fail(f"{RUFF} is missing — run `make setup` (ruff is a dev dependency)")
    return subprocess.run(
        [str(RUFF), *args, "--no-cache"], cwd=root, capture_output=True, text=True, check=False
    )


def scratch_repo(root: Path, idioms: dict[str, str]) -> Path:
    """``root`` holding the repo's pyproject.toml (its ruff settings) and the idiom modules."""
    root.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    for relative, source in idioms.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(source, encoding="utf-8")
    return root


def comparable(spec_text: str) -> list[str]:
    """The compiled spec less its header comments and the SDK version."""
    return [line for line in spec_text.splitlines() if not line.startswith(("#", "sdkVersion:"))]


def compile_module(path: Path, out: Path) -> dict[str, str]:
    """Every pipeline and component the module defines, compiled: ``{name: spec text}``."""
    name = "kfp_idiom_" + "_".join(path.with_suffix("").parts[-4:]).replace("-", "_")
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # dsl.Condition
            module_spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    specs = {}
    for attribute, value in sorted(vars(module).items()):
        if isinstance(value, BaseComponent):
            target = out / f"{name}.{attribute}.yaml"
            compiler.Compiler().compile(value, str(target))
            specs[attribute] = target.read_text("utf-8")
    return specs


def compile_all(root: Path, out: Path) -> dict[str, dict[str, str]]:
    """``{idiom path: {name: spec text}}``; a module that fails has its error as its only name."""
    out.mkdir(parents=True, exist_ok=True)
    compiled = {}
    for relative in IDIOMS:
        try:
            compiled[relative] = compile_module(root / relative, out)
        except Exception as error:
            compiled[relative] = {f"{NOT_COMPILED}: {type(error).__name__}: {error}": ""}
    return compiled


@pytest.fixture(scope="module")
def formatted(tmp_path_factory):
    """The idioms compiled, then `make format`'s two ruff runs, then compiled again."""
    base = tmp_path_factory.mktemp("lint_fits_kfp")
    before = compile_all(scratch_repo(base / "before", IDIOMS), base / "specs-before")
    root = scratch_repo(base / "after", IDIOMS)
    commands = (["check", "--fix"], ["format"], ["check"], ["format", "--check"])
    runs = {" ".join(command): ruff(root, *command, ".") for command in commands}
    after = compile_all(root, base / "specs-after")
    return {"root": root, "runs": runs, "before": before, "after": after}


def test_ruff_leaves_no_finding_in_kfp_idioms(formatted):
    failed = {
        command: result.stdout + result.stderr
        for command, result in formatted["runs"].items()
        if result.returncode != 0
    }
    assert failed == {}


def test_every_pipeline_and_component_compiles_to_the_same_spec(formatted):
    before, after = formatted["before"], formatted["after"]
    assert all(before.values()), "every idiom module defines a pipeline or a component"
    assert [name for specs in before.values() for name in specs if NOT_COMPILED in name] == []
    assert {path: sorted(specs) for path, specs in after.items()} == {
        path: sorted(specs) for path, specs in before.items()
    }
    changed = [
        f"{path}: {name}"
        for path, specs in before.items()
        for name, text in specs.items()
        if comparable(text) != comparable(after[path][name])
    ]
    assert changed == []


def test_the_harmless_fixes_did_run(formatted):
    source = (formatted["root"] / "pipelines/idioms/harmless_rewrites.py").read_text("utf-8")
    assert source.startswith("from kfp import dsl\n")  # the unused `List` import is gone
    assert 'items: list[str] = ["a", "b"], mode: str = "fast"' in source
    assert 'dsl.If(mode == "fast")' in source
    assert "dsl.If(counted.output > 3)" in source


def test_kubernetes_features_compile_to_a_platform_spec(formatted):
    spec = formatted["after"]["pipelines/idioms/kubernetes_features.py"]["kubernetes_features"]
    _, platform = yaml.safe_load_all(spec)  # the pipeline spec, then the platform spec
    executor = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-query"]
    [secret] = executor["secretAsEnv"]
    assert secret["secretName"] == "warehouse-credentials"
    assert secret["keyToEnv"] == [{"envVar": "DB_PASSWORD", "secretKey": "password"}]
    assert executor["nodeSelector"] == {"labels": {"pool": "highmem"}}
    assert executor["tolerations"][0]["key"] == "dedicated"


def test_without_the_kfp_settings_ruff_breaks_a_component(tmp_path):
    """Why the settings exist: with every rule on, `--fix` writes `str | None` into the
    component's signature and kfp no longer accepts the module."""
    root = scratch_repo(tmp_path / "repo", {"pipelines/idioms/optional_params.py": OPTIONAL_PARAMS})
    ruff(root, "check", "--fix", "--config", "lint.per-file-ignores = {}", ".")
    source = (root / "pipelines/idioms/optional_params.py").read_text("utf-8")
    assert "name: str | None = None" in source
    with pytest.raises(TypeError, match=re.escape("Got: str | None")):
        compile_module(root / "pipelines/idioms/optional_params.py", tmp_path / "specs")


def test_scripts_tests_and_benchmarks_keep_every_rule(tmp_path):
    folders = ("scripts", "tests", "benchmarks")
    strict = {
        f"{folder}/{Path(path).name}": source
        for folder in folders
        for path, source in IDIOMS.items()
    }
    result = ruff(scratch_repo(tmp_path / "repo", strict), "check", "--output-format", "json", ".")
    found: dict[str, set[str]] = {folder: set() for folder in folders}
    for finding in json.loads(result.stdout):
        path = Path(finding["filename"]).relative_to(tmp_path / "repo")
        found[path.parts[0]].add(finding["code"])
    kfp_only = {"B006", "E712", "RUF013", "SIM117", "UP007", "UP014", "UP045"}
    assert {folder: codes & kfp_only for folder, codes in found.items()} == {
        folder: kfp_only for folder in folders
    }
