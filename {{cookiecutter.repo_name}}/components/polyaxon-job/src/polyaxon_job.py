"""The program inside the polyaxon-job image: run a Polyaxonfile of this repository on Polyaxon.

Steps, each failing with one line on stderr and exit code 1:

1. read the git and Polyaxon tokens from mounted secret files (never from arguments, never
   printed);
2. clone the repository at the given revision (a shallow fetch of exactly that revision; the
   token travels in an HTTP header through git's environment, never in the URL or a file);
3. log in to Polyaxon (the user the token belongs to; Polyaxon CE has no users: empty);
4. submit a run of the Polyaxonfile (a path inside the clone) with the JSON parameters;
5. follow its statuses and logs until it ends, printing the logs;
6. write the outputs (project, user, run uuid, final status) where KFP asks, then exit 0 when
   the run succeeded and 1 when it failed, was stopped or skipped.

If KFP stops the task (SIGTERM), the Polyaxon run is stopped too.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_POLYAXON_TOKEN_FILE = "/var/run/secrets/polyaxon/token"
DEFAULT_GIT_TOKEN_FILE = "/var/run/secrets/git/token"
SUCCEEDED = "succeeded"
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_FOLLOW_FAILURES = 10  # transient failures in a row while following
# Polyaxon's API server (haupt 2.18) sometimes answers 405 to a valid POST when requests
# overlap in one of its workers; nothing was created, so submitting again is safe.
SUBMIT_TRANSIENT = TRANSIENT_STATUSES | {405}
SUBMIT_ATTEMPTS = 5


class JobError(Exception):
    """An expected failure: its message is the one line the user sees."""


# -- inputs ---------------------------------------------------------------------------------


def read_token(path: str, what: str, *, required: bool) -> str | None:
    """A token from a mounted secret file; surrounding whitespace (a trailing newline from
    ``kubectl create secret --from-file``) is not part of it."""
    file = Path(path)
    if not file.is_file():
        if required:
            raise JobError(f"no {what} token at {path} — mount the secret there (see README)")
        return None
    try:
        token = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise JobError(f"cannot read the {what} token at {path}: {error}") from None
    if not token and required:
        raise JobError(f"the {what} token file {path} is empty — put the token in the secret")
    return token or None


def parse_params(text: str) -> dict[str, Any]:
    """The run's parameters: a JSON object of input name -> value."""
    try:
        value = json.loads(text or "{}")
    except ValueError as error:
        raise JobError(f"params is not valid JSON ({error}) — pass an object, e.g. {{}}") from None
    if not isinstance(value, dict):
        raise JobError(f"params must be a JSON object of input name -> value, not {text!r}")
    return value


def polyaxonfile_in(checkout: Path, relative: str) -> Path:
    """The Polyaxonfile inside the checkout; a path that leaves it is refused."""
    if not relative or Path(relative).is_absolute():
        raise JobError(f"polyaxonfile {relative!r} must be a path relative to the repository root")
    path = (checkout / relative).resolve()
    if not path.is_relative_to(checkout.resolve()):
        raise JobError(f"polyaxonfile {relative!r} points outside the repository")
    if not path.is_file():
        raise JobError(f"polyaxonfile {relative!r} does not exist at this revision")
    return path


# -- clone ----------------------------------------------------------------------------------


def git_environment(token: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """git's environment: no system or user config, no prompts, and the token (if any) as a
    basic-auth header in a config variable, which git never prints."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }
    )
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
            }
        )
    return env


def clone(repository: str, revision: str, target: Path, token: str | None) -> Path:
    """A checkout of exactly ``revision`` (a commit SHA, branch or tag) in ``target``."""
    if not revision:
        raise JobError("git_revision is empty — pass the commit SHA the pipeline was built from")
    env = git_environment(token)
    steps = [
        ["git", "init", "--quiet", str(target)],
        ["git", "-C", str(target), "fetch", "--quiet", "--depth", "1", repository, revision],
        ["git", "-C", str(target), "checkout", "--quiet", "--detach", "FETCH_HEAD"],
    ]
    for command in steps:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            message = " ".join(result.stderr.split())[:300]
            if token:
                message = message.replace(token, "***")
            raise JobError(f"cannot fetch {revision!r} from {repository}: {message}")
    return target


# -- Polyaxon -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    project: str  # "<owner>/<project>"
    user: str
    run_uuid: str
    status: str


def connect(host: str, token: str | None) -> Any:
    """A PolyaxonClient for this host and token only (no CLI config, no stored login)."""
    # The polyaxon package logs failed calls with its client configuration, token included.
    logging.getLogger("polyaxon").setLevel(logging.CRITICAL)
    from polyaxon._constants.globals import NO_AUTH
    from polyaxon._schemas.client import ClientConfig
    from polyaxon.client import PolyaxonClient

    if not host.startswith(("http://", "https://")):
        raise JobError(f"polyaxon host {host!r} is not an http(s) URL — set POLYAXON_HOST")
    config = ClientConfig(
        host=host.rstrip("/"),
        token=token,
        use_https=host.startswith("https://"),
        verify_ssl=host.startswith("https://"),
    )
    return PolyaxonClient(config=config, token=token or NO_AUTH)


def describe_api_error(host: str, what: str, error: BaseException) -> str:
    status = getattr(error, "status", None)
    if status == 401:
        return f"Polyaxon at {host} rejected the token (401 Unauthorized) — fix the mounted token"
    if status == 403:
        return f"Polyaxon at {host} refused to {what} (403 Forbidden) — check the token's access"
    if status == 404:
        return f"Polyaxon at {host} could not {what}: not found (404) — check the project name"
    if status:
        body = " ".join(str(getattr(error, "body", "") or "").split())[:200]
        return f"Polyaxon at {host} could not {what}: {status} {body}".rstrip()
    reason = " ".join(str(getattr(error, "reason", None) or error).split())[:200]
    return f"cannot reach Polyaxon at {host} to {what}: {reason}"


def schema_error_text(error: BaseException) -> str:
    """The client says "Polyaxonfile is not valid." and keeps the reason in the exception
    chain; the first two messages of the chain, in one line."""
    messages = []
    current: BaseException | None = error
    while current is not None and len(messages) < 2:
        text = " ".join(str(current).split()).rstrip(".")
        if text and text not in messages:
            messages.append(text)
        current = current.__cause__ or current.__context__
    return ": ".join(messages)[:400]


def log_in(client: Any, host: str) -> str:
    """Check the token with one authenticated read; the username, or "" on Polyaxon CE (which
    has no user accounts and so no /users endpoint)."""
    from polyaxon.exceptions import ApiException

    try:
        user = client.users_v1.get_user()
    except ApiException as error:
        if error.status == 404:  # CE: no users; the token was not rejected either
            return ""
        raise JobError(describe_api_error(host, "log in", error)) from None
    except Exception as error:
        raise JobError(describe_api_error(host, "log in", error)) from None
    return str(getattr(user, "username", "") or "")


def submit(
    client: Any,
    host: str,
    owner: str,
    project: str,
    polyaxonfile: Path,
    params: dict[str, Any],
    *,
    description: str = "",
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Create the run; returns the RunClient bound to it."""
    from polyaxon.client import RunClient
    from polyaxon.exceptions import ApiException, PolyaxonSchemaError

    run = RunClient(owner=owner, project=project, client=client, manual_exceptions_handling=True)
    try:
        for attempt in range(1, SUBMIT_ATTEMPTS + 1):
            try:
                run.create_from_polyaxonfile(
                    str(polyaxonfile),
                    params=params or None,
                    description=description or None,
                    tags=["kfp"],
                )
                break
            except ApiException as error:
                # 405: haupt's intermittent answer to overlapping requests (no run created).
                if error.status not in SUBMIT_TRANSIENT or attempt == SUBMIT_ATTEMPTS:
                    raise
                sleep(min(8.0, 0.5 * 2**attempt))
    except ApiException as error:
        raise JobError(
            describe_api_error(host, f"create a run in {owner}/{project}", error)
        ) from None
    except (PolyaxonSchemaError, ValueError) as error:
        raise JobError(f"invalid Polyaxonfile or params: {schema_error_text(error)}") from None
    except Exception as error:
        raise JobError(
            describe_api_error(host, f"create a run in {owner}/{project}", error)
        ) from None
    return run


class LogCursor:
    """The run's log lines not yet printed, one ``poll()`` at a time.

    While a run is live the API answers from ``last_time`` on (new lines only); once archived
    it answers with the whole log, so lines already printed are skipped by count.
    """

    def __init__(self, run: Any):
        self.run = run
        self.printed = 0
        self.last_time = None

    def poll(self) -> list[str]:
        logs = self.run.get_logs(last_time=self.last_time)
        lines = [log.value for log in (logs.logs or []) if log.value is not None]
        if logs.last_time:
            self.last_time = logs.last_time
            return lines
        new = lines[self.printed :]
        self.printed = max(self.printed, len(lines))
        return new


def _transient(error: BaseException) -> bool:
    status = getattr(error, "status", None)
    if status is None:
        import urllib3.exceptions

        return isinstance(error, (urllib3.exceptions.HTTPError, OSError))
    return status in TRANSIENT_STATUSES


def follow(
    run: Any,
    *,
    host: str,
    poll_interval: float,
    write: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Print the run's logs until its status is final; the final status. A few transient
    failures in a row (a restarting API server during a long run) are waited out."""
    from polyaxon.schemas import LifeCycle

    cursor = LogCursor(run)
    failures = 0
    while True:
        try:
            status, _ = run.get_statuses()
            for line in cursor.poll():
                write(line)
        except Exception as error:
            failures += 1
            if not _transient(error) or failures > MAX_FOLLOW_FAILURES:
                raise JobError(describe_api_error(host, "follow the run", error)) from None
            sleep(poll_interval)
            continue
        failures = 0
        if LifeCycle.is_done(status):
            return str(status)
        sleep(poll_interval)


def write_outputs(outcome: Outcome, paths: dict[str, Path | None]) -> None:
    values = {
        "project": outcome.project,
        "user": outcome.user,
        "run_uuid": outcome.run_uuid,
        "status": outcome.status,
    }
    for key, path in paths.items():
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values[key], encoding="utf-8")


# -- main -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run a Polyaxonfile of this repository.")
    parser.add_argument("--polyaxonfile", required=True, help="path in the repository")
    parser.add_argument("--project", required=True, help="Polyaxon project name")
    parser.add_argument("--params", default="{}", help="JSON object: input name -> value")
    parser.add_argument("--git-revision", required=True, help="commit SHA, branch or tag")
    parser.add_argument("--repository-url", required=True, help="git URL to clone")
    parser.add_argument("--polyaxon-host", default="", help="default: $POLYAXON_HOST")
    parser.add_argument("--polyaxon-owner", default="", help="default: $POLYAXON_OWNER")
    parser.add_argument("--poll-interval", type=float, default=5.0, help="seconds")
    parser.add_argument("--workdir", type=Path, default=None, help="where to clone")
    for name in ("project", "user", "run-uuid", "status"):
        parser.add_argument(f"--{name}-output", type=Path, default=None)
    return parser


def run_job(args: argparse.Namespace, environ: dict[str, str], write: Callable[[str], None]) -> int:
    host = (args.polyaxon_host or environ.get("POLYAXON_HOST", "")).rstrip("/")
    owner = args.polyaxon_owner or environ.get("POLYAXON_OWNER", "")
    if not host:
        raise JobError("no Polyaxon host — pass polyaxon_host or set POLYAXON_HOST")
    if not owner:
        raise JobError("no Polyaxon owner — pass polyaxon_owner or set POLYAXON_OWNER")
    params = parse_params(args.params)
    polyaxon_token = read_token(
        environ.get("POLYAXON_TOKEN_FILE", DEFAULT_POLYAXON_TOKEN_FILE), "Polyaxon", required=True
    )
    git_token = read_token(
        environ.get("GIT_TOKEN_FILE", DEFAULT_GIT_TOKEN_FILE), "git", required=False
    )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="polyaxon-job-"))
    checkout = clone(args.repository_url, args.git_revision, workdir / "repo", git_token)
    polyaxonfile = polyaxonfile_in(checkout, args.polyaxonfile)
    client = connect(host, polyaxon_token)
    user = log_in(client, host)
    run = submit(
        client,
        host,
        owner,
        args.project,
        polyaxonfile,
        params,
        description=f"{args.polyaxonfile} at {args.git_revision}, submitted from KFP",
    )
    write(f"submitted run {run.run_uuid} to {host}/ui/{owner}/{args.project}/runs/{run.run_uuid}")

    def stop_run(signum: int, frame: Any) -> None:
        write(f"stopping run {run.run_uuid} (signal {signum})")
        try:
            run.stop()
        finally:
            raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop_run)
    try:
        status = follow(run, host=host, poll_interval=args.poll_interval, write=write)
    finally:
        signal.signal(signal.SIGTERM, previous)
    outcome = Outcome(f"{owner}/{args.project}", user, run.run_uuid, status)
    write_outputs(
        outcome,
        {
            "project": args.project_output,
            "user": args.user_output,
            "run_uuid": args.run_uuid_output,
            "status": args.status_output,
        },
    )
    write(f"run {run.run_uuid} ended: {status}")
    if status != SUCCEEDED:
        raise JobError(f"Polyaxon run {run.run_uuid} ended {status}, not {SUCCEEDED}")
    return 0


def _print_line(line: str) -> None:
    print(line, flush=True)  # the KFP UI shows the pod's log as it comes


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_job(args, dict(os.environ if environ is None else environ), _print_line)
    except JobError as error:
        print(f"polyaxon-job: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
