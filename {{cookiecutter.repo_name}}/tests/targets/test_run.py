"""``run``: local runs through the real kfp.local, remote runs through kfp.Client against the
KFP API test server, and the parameter checks in front of both."""

from __future__ import annotations

import json
import re

import pytest

from scripts.build.parameters import ParameterError, bind_parameters, convert, parse_param_flags
from scripts.cli import main as cli
from scripts.core.errors import UsageError
from tests.helpers.git_repos import init_repo
from tests.helpers.pipeline_repos import ENVIRONMENTS, PYPROJECT, manifest, pipeline_source

STEPS = '''\
"""Two steps: measure (outputs and a metric), then check (fails when asked to)."""

from kfp import dsl
from kfp.dsl import Metrics, Output


@dsl.component(base_image="python:3.11")
def measure(
    scale: float, label: str, flags: list, options: dict, enabled: bool, metrics: Output[Metrics]
) -> str:
    metrics.log_metric("score", scale * 2)
    return f"{label}:{len(flags)}:{sorted(options)}:{enabled}"


@dsl.component(base_image="python:3.11")
def check(value: str, fail: bool):
    print("checking", value)
    if fail:
        raise ValueError(f"refusing {value!r}: fail was set")


@dsl.pipeline
def steps(
    scale: float = 1.5,
    label: str = "x",
    count: int = 2,
    flags: list = [],
    options: dict = {},
    enabled: bool = False,
    fail: bool = False,
):
    measured = measure(scale=scale, label=label, flags=flags, options=options, enabled=enabled)
    check(value=measured.outputs["Output"], fail=fail)
'''

CONTAINER = """\
from kfp import dsl


@dsl.container_component
def shout():
    return dsl.ContainerSpec(image="alpine:3", command=["echo", "hi"])


@dsl.pipeline
def container():
    shout()
"""

AUTH_VARIABLES = ("KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH", "KFP_COOKIES", "KFP_NAMESPACE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, isolated_kfp_home):
    for name in (*AUTH_VARIABLES, "KFP_HOST", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def local_repo(tmp_path):
    repo = init_repo(tmp_path / "repo")
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("environments.yml", ENVIRONMENTS)
    repo.write("projects/demo.yml", manifest("demo", ["Default"]))
    repo.write("pipelines/demo/steps.py", STEPS)
    repo.write("pipelines/demo/container.py", CONTAINER)
    return repo


def run(capsys, *args: str) -> tuple[int, str, list[str]]:
    """Exit code, stdout, and stderr's lines (progress lines included)."""
    capsys.readouterr()
    code = cli.main(["run", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


# -- --param parsing and checking (no run) ---------------------------------------------------

SPEC = {
    "root": {
        "inputDefinitions": {
            "parameters": {
                "rows": {"parameterType": "NUMBER_INTEGER", "defaultValue": 500.0},
                "rate": {"parameterType": "NUMBER_DOUBLE", "defaultValue": 0.5},
                "name": {"parameterType": "STRING", "defaultValue": "", "isOptional": True},
                "on": {"parameterType": "BOOLEAN", "defaultValue": False},
                "cols": {"parameterType": "LIST", "defaultValue": []},
                "opts": {"parameterType": "STRUCT", "defaultValue": {}},
                "uri": {"parameterType": "STRING"},
            }
        }
    }
}


def bind(**given: str) -> dict:
    return bind_parameters(SPEC, given, pipeline="p/q", path="pipelines/p/q.py", line=3)


def test_values_are_converted_to_the_parameters_types():
    assert bind(
        uri="s3://b/k", rows="12", rate="1e-3", name="a=b", on="TRUE", cols='["x", 1]', opts="{}"
    ) == {
        "uri": "s3://b/k",
        "rows": 12,
        "rate": 0.001,
        "name": "a=b",
        "on": True,
        "cols": ["x", 1],
        "opts": {},
    }


def test_parameters_not_given_are_left_to_the_pipelines_defaults():
    assert bind(uri="x") == {"uri": "x"}


def test_every_problem_is_reported_with_the_list_of_parameters():
    with pytest.raises(ParameterError) as raised:
        bind(rowz="1", rows="1.5", rate="fast", on="maybe", cols='{"a": 1}', opts="[")
    error = raised.value
    assert error.exit_code == 2
    assert [str(problem) for problem in error.problems()] == [
        "pipelines/p/q.py:3: p/q has no parameter 'rowz'",
        "pipelines/p/q.py:3: --param rows='1.5': expected an integer (rows: int = 500)",
        "pipelines/p/q.py:3: --param rate='fast': expected a number (rate: float = 0.5)",
        "pipelines/p/q.py:3: --param on='maybe': expected true or false (on: bool = false)",
        "pipelines/p/q.py:3: --param cols='{\"a\": 1}': expected a JSON list, e.g. "
        '["a", "b"] (cols: list = [])',
        "pipelines/p/q.py:3: --param opts='[': expected a JSON dict, e.g. "
        '{"key": "value"} (opts: dict = {})',
        "pipelines/p/q.py:3: p/q needs --param uri=... (uri: str (required))",
        'pipelines/p/q.py:3: parameters of p/q: cols: list = [], name: str = "", '
        "on: bool = false, opts: dict = {}, rate: float = 0.5, rows: int = 500, "
        "uri: str (required)",
    ]


@pytest.mark.parametrize("text", ["inf", "nan", "-inf"])
def test_non_finite_floats_are_refused(text):
    with pytest.raises(ValueError, match="expected a finite number"):
        convert(text, "NUMBER_DOUBLE")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["rows"], "--param 'rows' is not KEY=VALUE"),
        (["=1"], "--param '=1' is not KEY=VALUE"),
        (["a=1", "a=2"], "--param a is given twice"),
    ],
)
def test_malformed_param_flags_are_usage_errors(flags, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_param_flags(flags)


def test_a_value_may_contain_equals_signs():
    assert parse_param_flags(["query=a=b", "empty="]) == {"query": "a=b", "empty": ""}


# -- run --local ------------------------------------------------------------------------------


def test_a_local_run_prints_every_tasks_outputs_and_the_metrics(local_repo, capsys):
    code, out, err = run(
        capsys,
        "demo/steps",
        "--local",
        "--repo",
        str(local_repo.path),
        "--param",
        "scale=2.5",
        "--param",
        "label=hi",
        "--param",
        'flags=["a", "b"]',
        "--param",
        'options={"k": 1}',
        "--param",
        "enabled=true",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert re.fullmatch(r"demo/steps: succeeded in [\d.]+ s \(2 tasks\)", lines[0])
    run_dir = re.fullmatch(r"outputs: (build/local/demo-steps-[\d-]+)/", lines[1])[1]
    assert lines[2:] == [
        "  measure: ok",
        "    Output = hi:2:['k']:True",
        "  check: ok",
        "metrics:",
        "  measure/metrics: score = 5",
    ]
    assert [re.sub(r"\(.*\)", "", line) for line in err] == ["  measure: ok ", "  check: ok "]
    assert (local_repo.path / run_dir / "measure" / "executor_output.json").is_file()
    assert "checking hi:2:['k']:True" in (local_repo.path / run_dir / "run.log").read_text()


ONE_STEP_WITHOUT_BASE_IMAGE = """\
from kfp import dsl


@dsl.component
def double(x: int) -> int:
    return 2 * x


@dsl.pipeline
def one(x: int = 2):
    double(x=x)
"""


def test_one_task_and_a_python_warning_on_a_line_of_its_own(local_repo, capsys):
    """kfp's FutureWarning (a component without base_image) is one warning line on stderr with
    its place, not Python's two lines among the progress; and one task is "1 task"."""
    local_repo.write("pipelines/demo/one.py", ONE_STEP_WITHOUT_BASE_IMAGE)
    code, out, err = run(capsys, "demo/one", "--local", "--repo", str(local_repo.path))
    assert code == 0, err
    assert re.fullmatch(r"demo/one: succeeded in [\d.]+ s \(1 task\)", out.splitlines()[0])
    progress, warning = err
    assert progress.startswith("  double: ok (")
    assert warning.startswith(
        "pipelines/demo/one.py:4: warning: FutureWarning: The default base_image used by the "
        "@dsl.component decorator"
    )


def test_a_failing_task_fails_the_run_with_that_tasks_own_error(local_repo, capsys):
    code, out, err = run(
        capsys, "demo/steps", "--local", "--repo", str(local_repo.path), "--param", "fail=true"
    )
    assert code == 1
    assert "  check: FAILED" in out.splitlines()
    assert err[-1].startswith(
        "pipelines/demo/steps.py: task 'check' failed: "
        "ValueError: refusing 'x:0:[]:False': fail was set — full log: build/local/demo-steps-"
    )
    log = local_repo.path / err[-1].rsplit("full log: ", 1)[1]
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")


def test_a_failing_task_in_json_output(local_repo, capsys):
    code, out, _ = run(
        capsys,
        "demo/steps",
        "--local",
        "--repo",
        str(local_repo.path),
        "--param",
        "fail=true",
        "--format",
        "json",
    )
    document = json.loads(out)
    assert code == 1
    assert document["status"] == "failed"
    assert [(t["name"], t["status"]) for t in document["tasks"]] == [
        ("measure", "success"),
        ("check", "failure"),
    ]
    assert document["tasks"][1]["error"] == "ValueError: refusing 'x:0:[]:False': fail was set"
    assert document["tasks"][0]["metrics"] == {"metrics": {"score": 3.0}}


def test_bad_parameters_stop_the_run_before_anything_runs(local_repo, capsys):
    code, out, err = run(
        capsys,
        "demo/steps",
        "--local",
        "--repo",
        str(local_repo.path),
        "--param",
        "scale=big",
        "--param",
        "colour=red",
    )
    assert code == 2
    assert out == ""
    assert err == [
        "pipelines/demo/steps.py:22: --param scale='big': expected a number (scale: float = 1.5)",
        "pipelines/demo/steps.py:22: demo/steps has no parameter 'colour'",
        "pipelines/demo/steps.py:22: parameters of demo/steps: count: int = 2, enabled: bool = "
        'false, fail: bool = false, flags: list = [], label: str = "x", options: dict = {}, '
        "scale: float = 1.5",
    ]
    assert not (local_repo.path / "build").exists()


@pytest.mark.filterwarnings("ignore:You may be attemping:RuntimeWarning")
def test_a_pipeline_kfp_local_cannot_run_is_one_clear_error(local_repo, capsys):
    code, _, err = run(capsys, "demo/container", "--local", "--repo", str(local_repo.path))
    assert code == 1
    assert err[-1].startswith(
        "pipelines/demo/container.py: kfp.local cannot run this pipeline: RuntimeError: "
        "The SubprocessRunner only supports running Lightweight Python Components."
    )


def test_a_broken_pipeline_module_is_reported_with_its_line(local_repo, capsys):
    local_repo.write(
        "pipelines/demo/broken.py", "from kfp import dsl\n\nraise ImportError('nope')\n"
    )
    code, _, err = run(capsys, "demo/broken", "--local", "--repo", str(local_repo.path))
    assert code == 1
    assert err == [
        "pipelines/demo/broken.py:3: cannot import the pipeline module: ImportError: nope"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--local"], "'demo' names 2 pipelines (demo/container, demo/steps) — pick one"),
        (["demo/nope", "--local"], "selector 'demo/nope' matches no pipeline"),
        (["demo/steps", "--local", "--version", "v1"], "--version and --experiment go with --env"),
        (["demo/steps", "--local", "--param", "oops"], "--param 'oops' is not KEY=VALUE"),
        (["demo/steps", "--env", "dev", "--verbose"], "--verbose goes with --local"),
    ],
    ids=["project-with-two", "unknown", "version-locally", "bad-param", "verbose-remote"],
)
def test_usage_errors_exit_2(local_repo, capsys, args, message):
    code, _, err = run(capsys, *args, "--repo", str(local_repo.path))
    assert code == 2
    assert message in err[-1]


def test_local_and_env_are_exclusive_and_one_is_required(local_repo, capsys):
    assert cli.main(["run", "demo/steps", "--repo", str(local_repo.path)]) == 2
    assert cli.main(["run", "demo/steps", "--local", "--env", "dev"]) == 2


# -- run --env --------------------------------------------------------------------------------


@pytest.fixture
def published(pipeline_repo, kfp_server, monkeypatch):
    """pipeline_repo compiled and published to the test server as version v1."""
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    root = str(pipeline_repo.path)
    assert cli.main(["compile", "--repo", root, "--all"]) == 0
    assert cli.main(["publish", "--repo", root, "--env", "dev", "--version", "v1"]) == 0
    return pipeline_repo


def only_run(server):
    (run_record,) = server.runs
    return run_record


def version_id(server, pipeline: str, version: str) -> str:
    (pipeline_record,) = [p for p in server.pipelines if p.name == pipeline]
    (record,) = [
        v for v in server.versions if v.pipeline_id == pipeline_record.uuid and v.name == version
    ]
    return record.uuid


def experiment_id(server, name: str) -> str:
    (record,) = [e for e in server.experiments if e.name == name]
    return record.uuid


def test_run_env_starts_the_latest_version_and_prints_the_run_link(published, kfp_server, capsys):
    code, out, err = run(
        capsys,
        "alpha/train_model",
        "--env",
        "dev",
        "--repo",
        str(published.path),
        "--param",
        "message=hi",
    )
    assert code == 0, err
    record = only_run(kfp_server)
    assert out.splitlines() == [
        "started a run of alpha/train_model version v1 in experiment alpha/Default on dev:",
        f"{kfp_server.url}/#/runs/details/{record.uuid}",
    ]
    assert record.pipeline_version_id == version_id(kfp_server, "alpha-train-model", "v1")
    assert record.experiment_id == experiment_id(kfp_server, "alpha/Default")
    assert record.runtime_config["parameters"] == {"message": "hi"}
    assert record.display_name.startswith("alpha/train_model v1 ")


def test_run_env_with_a_named_version_and_experiment(published, kfp_server, capsys, monkeypatch):
    published.write("pipelines/alpha/train_model.py", pipeline_source("changed"))
    root = str(published.path)
    assert cli.main(["compile", "--repo", root, "--all"]) == 0
    assert cli.main(["publish", "--repo", root, "--env", "dev", "--version", "v2"]) == 0
    code, out, err = run(
        capsys,
        "alpha/train_model",
        "--env",
        "dev",
        "--repo",
        root,
        "--version",
        "v1",
        "--experiment",
        "Trading Cards",
        "--format",
        "json",
    )
    assert code == 0, err
    document = json.loads(out)
    record = only_run(kfp_server)
    assert document["version"] == "v1"
    assert document["version_id"] == record.pipeline_version_id
    assert record.pipeline_version_id == version_id(kfp_server, "alpha-train-model", "v1")
    assert record.experiment_id == experiment_id(kfp_server, "alpha/Trading Cards")
    assert document["link"] == f"{kfp_server.url}/#/runs/details/{record.uuid}"
    assert record.runtime_config in (None, {}, {"parameters": {}})


def test_run_env_creates_a_manifest_experiment_that_is_missing(published, kfp_server, capsys):
    published.write("projects/alpha.yml", manifest("alpha", ["Default", "Trading Cards", "New"]))
    code, _, err = run(
        capsys,
        "alpha/score",
        "--env",
        "dev",
        "--repo",
        str(published.path),
        "--experiment",
        "alpha/New",
    )
    assert code == 0, err
    assert only_run(kfp_server).experiment_id == experiment_id(kfp_server, "alpha/New")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--version", "v9"], 1, "pipeline alpha-train-model has no version 'v9'"),
        (["--experiment", "Sneakers"], 2, "--experiment 'Sneakers' is not an experiment of alpha"),
        (["--param", "mesage=hi"], 2, "has no parameter 'mesage'"),
    ],
    ids=["unknown-version", "unknown-experiment", "unknown-parameter"],
)
def test_run_env_refusals_start_no_run(published, kfp_server, capsys, args, code, message):
    exit_code, _, err = run(
        capsys, "alpha/train_model", "--env", "dev", "--repo", str(published.path), *args
    )
    assert exit_code == code
    assert message in "\n".join(err)
    assert kfp_server.runs == []


def test_run_env_of_an_unpublished_pipeline_says_to_publish(
    pipeline_repo, kfp_server, monkeypatch, capsys
):
    monkeypatch.setenv("KFP_HOST", kfp_server.url)
    code, _, err = run(capsys, "beta/report", "--env", "dev", "--repo", str(pipeline_repo.path))
    assert code == 1
    assert err[-1] == (
        f"pipelines/beta/report.py: {kfp_server.url} has no pipeline beta-report — publish it "
        "first (python -m scripts compile, then publish --env ...)"
    )


def test_run_env_in_a_multi_user_kfp_runs_in_the_namespace(
    pipeline_repo, kfp_server_multi_user, monkeypatch, capsys
):
    server = kfp_server_multi_user
    monkeypatch.setenv("KFP_HOST", server.url)
    monkeypatch.setenv("KFP_NAMESPACE", "team-a")
    root = str(pipeline_repo.path)
    assert cli.main(["compile", "--repo", root, "--all"]) == 0
    assert cli.main(["publish", "--repo", root, "--env", "dev", "--version", "v1"]) == 0
    code, _, err = run(capsys, "beta/report", "--env", "dev", "--repo", root)
    assert code == 0, err
    record = only_run(server)
    assert record.namespace == "team-a"
    assert record.experiment_id == experiment_id(server, "beta/Default")


def test_run_env_never_retries_starting_the_run(published, kfp_server, capsys):
    """A retried POST /runs could start the run twice: one failure is the answer."""
    kfp_server.clear_requests()
    kfp_server.fail_next(1, 503, match=r"/apis/v2beta1/runs$")
    code, _, err = run(capsys, "alpha/score", "--env", "dev", "--repo", str(published.path))
    assert code == 1
    assert "start a run of alpha-score v1 failed: HTTP 503" in err[-1]
    posts = [r for r in kfp_server.requests if r.method == "POST" and r.path.endswith("/runs")]
    assert len(posts) == 1
    assert kfp_server.runs == []
