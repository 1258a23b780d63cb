"""The compile corpus (tests/compile/corpus/): every KFP construct compiles, reproducibly, to
what kfp's own compiler makes of it, and `changed` follows edits to what the pipelines use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.build.discovery import DiscoveryError, discover
from scripts.build.reproducible import stable_header
from scripts.detect.changes import find_changes
from scripts.repo.model import Repo, pipeline_from_path
from tests.helpers.git_repos import REPO_ROOT, GitRepo, init_repo

CORPUS = Path(__file__).parent / "corpus"
# Each module of the corpus and the function it publishes (nested and reused pipelines inside
# them are compiled into the published one).
PUBLISHED = {
    "artifacts": "artifacts",
    "chain": "chain",
    "compiled_component": "compiled_component",
    "conditions": "conditions",
    "container": "container",
    "data_file": "data_file",
    "defaults": "defaults",
    "dynamic_import": "dynamic_import",
    "exit_handler": "exit_handler",
    "importer": "importer",
    "inner_outer": "outer",
    "kubernetes": "kubernetes_features",
    "loops": "loops",
    "nested": "nested",
    "optional_inputs": "optional_inputs",
    "pipeline_as_component": "pipeline_as_component",
    "task_settings": "task_settings",
    "yaml_component": "yaml_component",
}


def corpus_repo(path: Path) -> GitRepo:
    """The corpus as a committed repository of its own (project ``corpus``) on ``main``."""
    shutil.copytree(CORPUS, path, ignore=shutil.ignore_patterns("__pycache__", "README.md"))
    shutil.copytree(REPO_ROOT / "schemas", path / "schemas")
    repo = init_repo(path)
    repo.commit("the corpus")
    return repo


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """The corpus, compiled once with the CLI in a fresh process."""
    repo = corpus_repo(tmp_path_factory.mktemp("corpus") / "repo")
    result = compile_cli(repo.path, "--all")
    assert result.returncode == 0, result.stdout + result.stderr
    return repo


def compile_cli(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scripts", "compile", "--repo", str(root), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def outputs(build: Path) -> dict[str, bytes]:
    """Every file compile wrote (the specs and compile.json) by its path in the folder."""
    return {
        path.relative_to(build).as_posix(): path.read_bytes()
        for path in sorted(build.rglob("*"))
        if path.suffix in (".yaml", ".json")
    }


def documents(data: bytes) -> list:
    """The YAML documents of a compiled file (the header comment is not data)."""
    return [doc for doc in yaml.safe_load_all(data) if doc is not None]


def test_the_corpus_covers_at_least_15_pipelines_and_all_compile(compiled):
    modules = sorted(p.stem for p in (CORPUS / "pipelines" / "corpus").glob("[!_]*.py"))
    assert modules == sorted(PUBLISHED) and len(modules) >= 15
    built = outputs(compiled.path / "build" / "pipelines")
    assert sorted(built) == [f"corpus/{name}.yaml" for name in sorted(PUBLISHED)]


def test_bytes_are_identical_across_hash_seeds_jobs_and_checkout_paths(compiled, tmp_path):
    reference = outputs(compiled.path / "build")
    runs = [
        ("seed-1", compiled.path, ["--out", "build-seed-1"], {"PYTHONHASHSEED": "1"}),
        ("seed-2", compiled.path, ["--out", "build-seed-2"], {"PYTHONHASHSEED": "2"}),
        ("jobs-2", compiled.path, ["--out", "build-jobs-2", "--jobs", "2"], {}),
        ("jobs-1", compiled.path, ["--out", "build-jobs-1", "--jobs", "1"], {}),
    ]
    elsewhere = corpus_repo(tmp_path / "another" / "checkout")
    runs.append(("other-path", elsewhere.path, ["--out", "build", "--all"], {}))
    for name, root, args, env in runs:
        flags = args if "--all" in args else [*args, "--all"]
        result = compile_cli(root, *flags, **env)
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert outputs(root / flags[flags.index("--out") + 1]) == reference, name


FORKED_COMPILE = """\
import sys
from pathlib import Path

from scripts.build.compile import compile_pipelines
from scripts.repo.model import Repo

repo, out = Repo(Path(sys.argv[1])), Path(sys.argv[2])
compile_pipelines(repo.root, repo.pipelines(), out, jobs=2).write(out)
"""


def test_two_forked_workers_write_the_same_bytes(compiled):
    out = compiled.path / "build-forked"
    subprocess.run(
        [sys.executable, "-c", FORKED_COMPILE, str(compiled.path), str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    assert outputs(out) == outputs(compiled.path / "build")


@pytest.mark.parametrize(
    ("requested", "pipelines", "cores", "expected"),
    [
        (None, 200, 2, 2),
        (None, 20, 2, 1),
        (4, 200, 2, 2),
        (4, 200, 8, 4),
        (2, 40, 8, 2),
        (8, 40, 8, 2),
        (None, 0, 4, 1),
        (1, 500, 8, 1),
    ],
)
def test_worker_count_never_exceeds_the_cores_or_one_per_16_pipelines(
    monkeypatch, requested, pipelines, cores, expected
):
    from scripts.build import compile as compile_module

    monkeypatch.setattr(compile_module, "available_cores", lambda: cores)
    assert compile_module.worker_count(requested, pipelines) == expected


def test_each_spec_equals_what_kfps_own_compiler_makes(compiled, tmp_path):
    from kfp import compiler

    for module, function in PUBLISHED.items():
        pipeline = pipeline_from_path(f"pipelines/corpus/{module}.py")
        found = discover(compiled.path, pipeline)
        assert found.function.pipeline_func.__name__ == function
        direct = tmp_path / f"{module}.yaml"
        compiler.Compiler().compile(
            found.function,
            str(direct),
            pipeline_name=pipeline.kfp_name,
            pipeline_display_name=pipeline.display_name,
        )
        ours = (compiled.path / "build" / "pipelines" / "corpus" / f"{module}.yaml").read_bytes()
        assert documents(ours) == documents(direct.read_bytes()), module


def test_validate_accepts_the_corpus_components_and_a_compiled_pipeline_among_them(compiled):
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "validate", "--repo", str(compiled.path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 component spec(s)" in result.stdout


def test_the_kubernetes_pipeline_carries_its_platform_spec(compiled):
    data = (compiled.path / "build" / "pipelines" / "corpus" / "kubernetes.yaml").read_bytes()
    pipeline_spec, platform_spec = documents(data)
    executors = platform_spec["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    [executor] = executors.values()
    assert executor["nodeSelector"]["labels"] == {"pool": "cpu"}
    assert executor["secretAsEnv"][0]["secretName"] == "corpus-credentials"
    assert pipeline_spec["pipelineInfo"]["name"] == "corpus-kubernetes"


def test_the_header_lists_dict_and_list_defaults_in_key_order():
    header = (
        "# PIPELINE DEFINITION\n# Name: p\n# Inputs:\n"
        "#    config: dict [Default: {'b': 1.0, 'a': {'z': [1.0], 'y': 'x'}}]\n"
        "#    name: str [Default: 'n']\n"
    )
    body = (
        "root:\n  inputDefinitions:\n    parameters:\n      config:\n        defaultValue:\n"
        "          a:\n            y: x\n            z:\n            - 1.0\n          b: 1.0\n"
        "        parameterType: STRUCT\n      name:\n        defaultValue: n\n"
        "        parameterType: STRING\n"
    )
    stable = stable_header((header + body).encode()).decode()
    assert "#    config: dict [Default: {'a': {'y': 'x', 'z': [1.0]}, 'b': 1.0}]\n" in stable
    assert "#    name: str [Default: 'n']\n" in stable
    assert stable.endswith(body)


def test_an_inner_pipeline_is_never_offered_as_the_one_to_publish(tmp_path):
    repo = corpus_repo(tmp_path / "repo")
    source = (repo.path / "pipelines/corpus/inner_outer.py").read_text()
    repo.write("pipelines/corpus/inner_outer.py", source + SECOND_OUTER)
    with pytest.raises(DiscoveryError) as caught:
        discover(repo.path, pipeline_from_path("pipelines/corpus/inner_outer.py"))
    message = str(caught.value)
    assert "2 @dsl.pipeline functions found: outer (line" in message
    assert "other_outer (line" in message
    assert "(double, quadruple run inside them and do not count)" in message
    assert "name the one to publish 'inner_outer' like the module" in message


SECOND_OUTER = """

@dsl.pipeline
def other_outer(x: float = 1.0):
    double(x=x)
"""


# -- change detection on the corpus -----------------------------------------------------------


def changed_after(repo: GitRepo, edits: dict[str, str]) -> set[str]:
    """The pipelines `changed` reports after committing ``edits`` on a branch off main."""
    repo.checkout("edit", create=True)
    for path, text in edits.items():
        repo.write(path, text)
    repo.commit("edit")
    changes = find_changes(Repo(repo.path), base="main", env={})
    assert not changes.all
    return {p.name for p in changes.pipelines}


USING_SHARED = {
    "chain",
    "compiled_component",
    "conditions",
    "container",
    "data_file",
    "dynamic_import",
    "exit_handler",
    "inner_outer",
    "kubernetes",
    "loops",
    "nested",
    "pipeline_as_component",
    "task_settings",
}


@pytest.mark.parametrize(
    ("edited", "text", "expected"),
    [
        ("pipelines/corpus/_shared.py", "# a helper edit\n", USING_SHARED),
        ("components/echo-yaml/component.yaml", "# a spec edit\n", {"yaml_component"}),
        (
            "components/scale-pipeline/component.yaml",
            "# a compiled pipeline's edit\n",
            {"compiled_component"},
        ),
        ("pipelines/corpus/queries/daily.sql", "SELECT 1\n", {"data_file"}),
        ("corpus_lib/features.py", 'COLUMNS = ["price"]\n', {"dynamic_import"}),
        ("pipelines/corpus/defaults.py", "# its own edit\n", {"defaults"}),
    ],
    ids=[
        "shared-helper",
        "yaml-component",
        "compiled-pipeline-component",
        "data-file",
        "dynamic-import",
        "own-module",
    ],
)
def test_changed_follows_helpers_components_and_data_files(tmp_path, edited, text, expected):
    repo = corpus_repo(tmp_path / "repo")
    original = (repo.path / edited).read_text()
    assert changed_after(repo, {edited: original + text}) == expected
