# Do not edit: the template owns this file (make template-update brings its changes).
"""Component images: build, push and pin what the plan says, through the Docker Engine.

Data flows one way: ``plan.py`` decides (content-hash tags from ``context.py``, what the
registry already has) before anything is built, and ``--dry-run`` stops there. ``apply_plan``
then builds what is missing, pushes it and pins ``component.yaml`` to the pushed digest. One
component's failed build does not stop the others; each failure keeps the tail of its log.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any

from scripts.core.errors import CheckFailed
from scripts.images.context import DOCKERFILE
from scripts.images.engine import reason_of, remote_digest, sdk_failures
from scripts.images.pin import pin_image
from scripts.images.plan import ImagePlan
from scripts.images.report import ImageResult
from scripts.repo.model import Repo

LOG_TAIL_LINES = 20
# Lets anyone trace an image in the registry back to the context hash it was built from.
CONTEXT_LABEL = "kfp-monorepo.context-hash"

# "dockerfile parse error line 2: unknown instruction: COPPY": worth a file:line annotation.
DOCKERFILE_PARSE_ERROR = re.compile(r"parse error (?:on )?line (\d+)")

LogSink = Callable[[str, str], None]  # (component name, one line of build or push output)


class StepFailed(Exception):
    """A build or push failed; carries the reason, the tail of the output and, for a Dockerfile
    the engine could not parse, the line to fix."""

    def __init__(self, reason: str, tail: list[str], line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.tail = tail
        self.line = line


def build_image(client: Any, plan: ImagePlan, log: LogSink) -> None:
    """Build ``plan.reference`` from exactly the files the tag was hashed from."""
    from docker.utils.build import create_archive

    folder = plan.component.folder
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)

    def emit(text: str) -> None:
        for line in text.splitlines():
            if not line.strip():
                continue
            tail.append(line)
            log(plan.component.name, line)

    archive = create_archive(root=str(folder), files=plan.paths)
    error = None
    try:
        stream = client.api.build(
            fileobj=archive,
            custom_context=True,
            tag=plan.reference,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
            labels={CONTEXT_LABEL: plan.tag},
        )
        for chunk in stream:
            if "stream" in chunk:
                emit(chunk["stream"])
            if "error" in chunk or "errorDetail" in chunk:
                error = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error")
                emit(error)
    except sdk_failures() as failure:  # rejected before the build started
        error = reason_of(failure)
        emit(error)
    finally:
        archive.close()
    if error:
        reason = error.strip().splitlines()[0] if error.strip() else "the engine gave no reason"
        parse_error = DOCKERFILE_PARSE_ERROR.search(reason)
        line = int(parse_error.group(1)) if parse_error else None
        raise StepFailed(f"build failed: {reason}", list(tail), line)


def push_image(client: Any, plan: ImagePlan, auth: dict[str, str] | None, log: LogSink) -> str:
    """Push ``plan.reference``; returns the manifest digest the registry stored."""
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    digest = None
    try:
        stream = client.api.push(
            plan.repository, tag=plan.tag, stream=True, decode=True, auth_config=auth
        )
        for chunk in stream:
            if "error" in chunk or "errorDetail" in chunk:
                reason = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error")
                raise StepFailed(f"push failed: {reason}", [*tail, reason])
            digest = (chunk.get("aux") or {}).get("Digest") or digest
            status = chunk.get("status")
            if status and chunk.get("id") is None:  # per-layer progress is noise in a CI log
                tail.append(status)
                log(plan.component.name, status)
    except sdk_failures() as failure:
        raise StepFailed(f"push failed: {reason_of(failure)}", list(tail)) from None
    return digest or remote_digest(client, plan.reference, auth) or ""


def apply_plan(
    client: Any,
    plans: list[ImagePlan],
    repo: Repo,
    *,
    push: bool,
    pin: bool,
    auth: dict[str, str] | None,
    log: LogSink,
) -> list[ImageResult]:
    """Build, push and pin each planned image; a failure is recorded and the next one goes on."""
    results = []
    for plan in plans:
        result = ImageResult(plan=plan, status=plan.action, digest=plan.remote_digest)
        try:
            if plan.action == "build":
                build_image(client, plan, log)
                result.status = "built"
            if push and not plan.remote_digest:
                result.digest = push_image(client, plan, auth, log)
                result.status = "pushed"
        except StepFailed as failure:
            result.status, result.error, result.log_tail = "failed", failure.reason, failure.tail
            result.error_path = f"{plan.component.path}/{DOCKERFILE}"
            result.error_line = failure.line
        if pin and result.digest and result.status != "failed":
            reference = f"{plan.repository}@{result.digest}"
            spec = plan.component.spec
            try:
                result.pin_changed = pin_image(spec, reference, display_path=repo.relative(spec))
                result.pinned = reference
            except CheckFailed as failure:
                result.status, result.error = "failed", failure.message
                result.error_path, result.error_line = failure.path, failure.line
        results.append(result)
    return results


def dry_run_results(plans: list[ImagePlan], *, push: bool, pin: bool) -> list[ImageResult]:
    """What apply_plan would do, without doing it."""
    results = []
    for plan in plans:
        steps = {"build": ["build"], "cached": [], "exists": []}[plan.action]
        if push and not plan.remote_digest:
            steps.append("push")
        if pin and (push or plan.remote_digest):
            steps.append("pin")
        status = f"would {' + '.join(steps)}" if steps else plan.action
        results.append(ImageResult(plan=plan, status=status, digest=plan.remote_digest))
    return results
