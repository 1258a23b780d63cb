# Do not edit: the template owns this file (make template-update brings its changes).
"""The GitHub Actions context (not its secrets): read here, and nowhere else, from the runner's
environment.

Whether we run in Actions, which event started the run, its payload, refs and commits, and where
the job summary and step outputs go: every command that behaves differently in a workflow asks
``ActionsContext.from_environ()``. Writing the step summary and step outputs (workflow files the
runner reads back) lives here too, so a workflow's contract with the tooling is in one file.
See https://docs.github.com/actions/reference/variables-reference for the variables.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.core.errors import ConfigError

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True)
class ActionsContext:
    """What the runner tells a step about its run (empty strings outside Actions)."""

    running: bool  # GITHUB_ACTIONS is "true"
    event_name: str = ""
    event_path: str = ""
    sha: str = ""  # on a pull request: the temporary merge commit, not the PR head
    ref_name: str = ""
    head_ref: str = ""  # pull requests only: the head branch
    base_ref: str = ""  # pull requests only: the base branch
    repository: str = ""  # OWNER/NAME
    server_url: str = ""
    run_id: str = ""
    api_url: str = ""
    step_summary_path: str = ""
    output_path: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ActionsContext:
        env = os.environ if environ is None else environ
        return cls(
            running=env.get("GITHUB_ACTIONS") == "true",
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event_path=env.get("GITHUB_EVENT_PATH", ""),
            sha=env.get("GITHUB_SHA", ""),
            ref_name=env.get("GITHUB_REF_NAME", ""),
            head_ref=env.get("GITHUB_HEAD_REF", ""),
            base_ref=env.get("GITHUB_BASE_REF", ""),
            repository=env.get("GITHUB_REPOSITORY", ""),
            server_url=env.get("GITHUB_SERVER_URL", ""),
            run_id=env.get("GITHUB_RUN_ID", ""),
            api_url=env.get("GITHUB_API_URL", ""),
            step_summary_path=env.get("GITHUB_STEP_SUMMARY", ""),
            output_path=env.get("GITHUB_OUTPUT", ""),
        )

    @property
    def is_pull_request(self) -> bool:
        return self.event_name in PULL_REQUEST_EVENTS

    def event(self) -> dict[str, Any]:
        """The webhook payload GitHub writes to ``$GITHUB_EVENT_PATH``."""
        if not self.event_path:
            raise ConfigError(
                "--base auto: GITHUB_EVENT_PATH is not set — run inside GitHub Actions or pass "
                "--base REF"
            )
        try:
            payload = json.loads(Path(self.event_path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ConfigError(
                f"cannot read the GitHub event payload ({error}) — pass --base REF instead",
                path=self.event_path,
            ) from None
        if not isinstance(payload, dict):
            raise ConfigError("the GitHub event payload is not a JSON object", path=self.event_path)
        return payload

    def pull_request_head_sha(self) -> str | None:
        """On a pull_request event, the PR head commit (GITHUB_SHA is the merge commit there)."""
        if not self.event_name.startswith("pull_request"):
            return None
        sha = nested(self.event(), "pull_request", "head", "sha")
        return sha if isinstance(sha, str) and sha else None

    def run_url(self) -> str | None:
        """The link to this workflow run, when the runner says which one it is."""
        if self.server_url and self.repository and self.run_id:
            return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"
        return None

    def write_step_summary(self, markdown: str) -> None:
        """Append Markdown to the job summary when running in Actions; otherwise nothing."""
        if self.step_summary_path and self.running:
            with open(self.step_summary_path, "a", encoding="utf-8") as summary:
                summary.write(markdown.rstrip("\n") + "\n")

    def set_outputs(self, outputs: dict[str, str]) -> None:
        """Append step outputs to ``$GITHUB_OUTPUT``, all at once.

        Every value uses the ``name<<DELIMITER`` form with a random delimiter, so a value with
        newlines (or one that looks like ``name=value``) cannot end early or forge another output.
        """
        if not self.output_path:
            raise ConfigError(
                "--format github needs $GITHUB_OUTPUT (set by GitHub Actions) — use --format json "
                "or text outside Actions"
            )
        chunks = []
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        with open(self.output_path, "a", encoding="utf-8") as file:
            file.write("".join(chunks))


def nested(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...``, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping
