"""Run a workflow's jobs on this machine the way GitHub Actions runs them, for the flow tests.

What it does as the runner does: each `run:` step is `bash -e -c SCRIPT` (expressions in the
script substituted into its text first) in the workspace with the job's and the step's `env:`
(expressions evaluated), GITHUB_OUTPUT a fresh file per step whose `name=value` and
`name<<DELIMITER` lines become `steps.<id>.outputs`, job outputs and `if:` conditions evaluated
with the expression rules the workflows use (contexts `github`, `env`, `secrets`, `steps`,
`needs`; `==`, `!=`, `&&`, `||`, `!`, parentheses, `always()`, `cancelled()`, `success()`,
`hashFiles()`, `startsWith()`).

What it leaves out, on purpose: `uses:` steps (checkout, setup-python and the artifact actions:
the test's workspace already is the checkout, with the tests' Python first on PATH, and one
workspace carries build/ from compile to publish) and steps named "Install" (the tests' venv
has the dependencies). An expression it cannot evaluate is an error, so a workflow change that
this runner does not understand fails the flow test instead of passing unnoticed.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
# The job and step keys whose meaning this runner reproduces (or, for a job's `environment`,
# `permissions`, `runs-on` and `name`, that change nothing on this machine). Any other key
# (continue-on-error, shell, working-directory, strategy, services, ...) would change what a
# job does in ways the runner would silently ignore, so it is an error.
JOB_KEYS = {
    "name",
    "needs",
    "if",
    "runs-on",
    "permissions",
    "environment",
    "outputs",
    "steps",
    "env",
}
STEP_KEYS = {"name", "id", "if", "env", "run", "uses", "with"}
TOKEN = re.compile(r"\s*(==|!=|&&|\|\||!|\(|\)|,|'(?:[^']|'')*'|[A-Za-z_][\w.-]*)")


@dataclass
class JobResult:
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)


class Evaluator:
    """The subset of GitHub's expression language the generated workflows use."""

    def __init__(self, contexts: Mapping[str, Any], workspace: Path, job_failed: bool = False):
        self.contexts = contexts
        self.workspace = workspace
        self.job_failed = job_failed

    def evaluate(self, text: str) -> Any:
        self.tokens = tokenize(text)
        self.position = 0
        value = self._or()
        if self.position != len(self.tokens):
            raise ValueError(f"cannot evaluate expression: {text!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._comparison()
        while self._peek() == "&&":
            self._take()
            right = self._comparison()
            value = right if truthy(value) else value
        return value

    def _comparison(self) -> Any:
        value = self._unary()
        while self._peek() in ("==", "!="):
            operator = self._take()
            right = self._unary()
            same = as_text(value).lower() == as_text(right).lower()
            value = same if operator == "==" else not same
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        token = self._take()
        if token == "(":
            value = self._or()
            assert self._take() == ")"
            return value
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        if token in ("true", "false"):
            return token == "true"
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take()
            return self._call(token, args)
        return self._lookup(token)

    def _call(self, name: str, args: list[Any]) -> Any:
        if name == "always":
            return True
        if name == "cancelled":
            return False
        if name == "success":
            return not self.job_failed
        if name == "failure":
            return self.job_failed
        if name == "startsWith":  # case-insensitive, as GitHub compares
            return as_text(args[0]).lower().startswith(as_text(args[1]).lower())
        if name == "hashFiles":
            digest = hashlib.sha256()
            found = False
            for pattern in args:
                for path in sorted(self.workspace.glob(str(pattern))):
                    if path.is_file():
                        found = True
                        digest.update(hashlib.sha256(path.read_bytes()).digest())
            return digest.hexdigest() if found else ""
        raise ValueError(f"function {name}() is not supported by the flow-test runner")

    def _lookup(self, path: str) -> Any:
        value: Any = self.contexts
        for part in path.split("."):
            if not isinstance(value, Mapping):
                return ""
            value = value.get(part, "")
        return value


def tokenize(text: str) -> list[str]:
    tokens, position, text = [], 0, text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise ValueError(f"cannot evaluate expression: {text!r} (at {text[position:]!r})")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def truthy(value: Any) -> bool:
    return value not in (False, None, "", 0)


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def interpolate(text: str, evaluator: Evaluator) -> str:
    return EXPRESSION.sub(lambda m: as_text(evaluator.evaluate(m.group(1))), str(text))


def condition(text: str | None, evaluator: Evaluator, *, default: str) -> bool:
    if text is None:
        text = default
    text = str(text).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    return truthy(evaluator.evaluate(match.group(1) if match else text))


def parse_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        index += 1
    return outputs


class WorkflowRun:
    """One run of a workflow: the event, the runner's environment, the secrets, job results."""

    def __init__(
        self,
        workflow_file: Path,
        *,
        workspace: Path,
        github: dict[str, Any],
        secrets: dict[str, str],
        runner_env: dict[str, str],
    ):
        self.workflow = yaml.safe_load(workflow_file.read_text(encoding="utf-8"))
        self.workspace = workspace
        self.github = github
        self.secrets = secrets
        self.runner_env = runner_env
        self.needs: dict[str, dict[str, Any]] = {}

    def _contexts(self, env: Mapping[str, str], steps: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "github": self.github,
            "env": dict(env),
            "secrets": self.secrets,
            "steps": steps,
            "needs": self.needs,
        }

    def job_condition(self, job_id: str) -> bool:
        job = self.workflow["jobs"][job_id]
        env = {k: str(v) for k, v in self.workflow.get("env", {}).items()}
        evaluator = Evaluator(self._contexts(env, {}), self.workspace)
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        needs_succeeded = all(self.needs[n]["result"] == "success" for n in needs)
        if job.get("if") is None:  # the default success(): every needed job succeeded
            return needs_succeeded
        # Without a status function GitHub adds success(): a skipped or failed need skips it.
        has_status = re.search(r"\b(always|cancelled|success|failure)\(", str(job["if"]))
        if not has_status and not needs_succeeded:
            return False
        return condition(job["if"], evaluator, default="success()")

    def run_job(
        self, job_id: str, *, skip_steps: tuple[str, ...] = ("Install",), force: bool = False
    ) -> JobResult:
        """Run `job_id` if its `if:` holds (or `force`), without the steps named in
        `skip_steps`; records the result for later `needs`."""
        job = self.workflow["jobs"][job_id]
        unknown = sorted(
            {
                *(set(job) - JOB_KEYS),
                *(k for step in job.get("steps", []) for k in step if k not in STEP_KEYS),
            }
        )
        if unknown:
            raise ValueError(f"job {job_id}: the flow-test runner does not support {unknown}")
        if not force and not self.job_condition(job_id):
            result = JobResult("skipped")
            self.needs[job_id] = {"result": "skipped", "outputs": {}}
            return result
        env = {k: str(v) for k, v in self.workflow.get("env", {}).items()}
        env |= {k: str(v) for k, v in job.get("env", {}).items()}
        steps: dict[str, Any] = {}
        result = JobResult("success")
        for index, step in enumerate(job.get("steps", [])):
            if "uses" in step or step.get("name") in skip_steps:
                continue
            evaluator = Evaluator(
                self._contexts(env, steps), self.workspace, job_failed=result.result != "success"
            )
            if not condition(step.get("if"), evaluator, default="success()"):
                continue
            step_env = {k: interpolate(v, evaluator) for k, v in step.get("env", {}).items()}
            output_file = self.workspace.parent / f".github_output_{job_id}_{index}"
            output_file.write_text("", encoding="utf-8")
            process_env = {**self.runner_env, **env, **step_env, "GITHUB_OUTPUT": str(output_file)}
            # GitHub substitutes expressions into the script's text before the shell sees it
            # (which is why untrusted values must come through env:); so does this runner.
            script = interpolate(step["run"], evaluator)
            completed = subprocess.run(
                ["bash", "-e", "-c", script],
                cwd=self.workspace,
                env=process_env,
                capture_output=True,
                text=True,
                check=False,
            )
            result.logs.append(
                f"--- {job_id} / {step.get('name', step.get('id', index))} "
                f"(exit {completed.returncode})\n{completed.stdout}{completed.stderr}"
            )
            if "id" in step:
                steps[step["id"]] = {"outputs": parse_outputs(output_file)}
            if completed.returncode != 0:
                result.result = "failure"
        if result.result == "success":
            evaluator = Evaluator(self._contexts(env, steps), self.workspace)
            result.outputs = {
                name: interpolate(value, evaluator)
                for name, value in job.get("outputs", {}).items()
            }
        self.needs[job_id] = {"result": result.result, "outputs": result.outputs}
        return result


def runner_environment(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """A clean environment like a runner's: this Python's bin first on PATH, nothing else of
    the developer's (tokens, kfp context, git config) leaking in."""
    import sys

    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {
        "PATH": path,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        **extra,
    }


def push_to_main(
    workflow_file: Path,
    workspace: Path,
    tmp_path: Path,
    *,
    before: str,
    after: str,
    secrets: dict[str, str],
    env: Mapping[str, str] | None = None,
    github: Mapping[str, Any] | None = None,
) -> WorkflowRun:
    """A run of `workflow_file` for a push to main from `before` to `after`: the event payload
    at $GITHUB_EVENT_PATH, the variables the runner sets and the `github` context, as GitHub
    gives them; `env` and `github` add to (or replace) those."""
    import json

    payload = {"ref": "refs/heads/main", "before": before, "after": after, "forced": False}
    event_path = tmp_path / f"event-{after[:8]}.json"
    event_path.write_text(json.dumps(payload), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    runner_env = runner_environment(
        home,
        {
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REF_NAME": "main",
            "GITHUB_SHA": after,
            "GITHUB_REPOSITORY": "acme/ml-pipelines",
            "GITHUB_SERVER_URL": "https://github.com",
            **(env or {}),
        },
    )
    context = {
        "event_name": "push",
        "event": payload,
        "ref": "refs/heads/main",
        "sha": after,
        "repository": "acme/ml-pipelines",
        "actor": "octocat",
        "token": "ghs_workflow_token",
        **(github or {}),
    }
    return WorkflowRun(
        workflow_file, workspace=workspace, github=context, secrets=secrets, runner_env=runner_env
    )
