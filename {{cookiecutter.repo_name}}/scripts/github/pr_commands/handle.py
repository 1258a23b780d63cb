# Do not edit: the template owns this file (make template-update brings its changes).
"""One pull-request command, end to end: who asked, on which pull request, what, and the reply.

Order (each step replies and stops when it refuses; nothing reaches KFP before all of them
passed):

1. the event: a ``created`` comment on a pull request whose first word is ``/kfp``
   (anything else is ignored without a word: the workflow filters the same way);
2. an ``eyes`` reaction on the comment at once, so the commenter sees it was picked up;
3. the commenter's permission, asked from the API (``author_association`` says nothing
   reliable about write access): write, maintain or admin (legacy ``write``/``admin``);
4. the pull request: open, and from this repository (a fork's versions were never uploaded);
5. the grammar (``grammar.py``), then the selector against the repo (a manifest for the
   project; the pipeline in the default branch's checkout, or a version of it uploaded for
   this pull request: a pipeline the pull request adds is not on the default branch yet);
6. the run: parameters are checked against the uploaded version's compiled inputs
   (``Target.start_pr_run``: KFP or Vertex AI); a missing version is said, never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts.core.errors import ScriptError
from scripts.core.naming import kfp_pipeline_name, version_name
from scripts.github.pr_commands import replies
from scripts.github.pr_commands.event import CommentEvent
from scripts.github.pr_commands.grammar import Command, CommandError, is_command, parse
from scripts.repo.manifests import Project, load_projects
from scripts.repo.model import Repo
from scripts.targets.errors import TargetError
from scripts.targets.kfp.pr_runs import PullRequestRef, RunRequest
from scripts.targets.target import Target

WRITE_PERMISSIONS = ("admin", "write")  # legacy names: maintain reads "write", triage "read"


@dataclass
class Outcome:
    action: str  # ignored | refused | help | runs | started | failed
    reason: str = ""
    reply_url: str = ""
    run_id: str = ""

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


class Refused(Exception):
    def __init__(self, reason: str, *, usage: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.usage = usage


@dataclass
class CommandHandler:
    """``gh_repo``: a PyGithub Repository; ``target``: the environment's target, not yet
    connected (it connects on first use, so a refusal never reaches it); ``environment``: the
    environment's name and default namespace."""

    gh_repo: Any
    repo: Repo
    environment: str
    default_namespace: str | None
    target: Target

    def handle(self, event: CommentEvent) -> Outcome:
        if not (event.action == "created" and event.is_pull_request and is_command(event.body)):
            return Outcome("ignored", "not a /kfp command on a pull request")
        issue = self.gh_repo.get_issue(event.number)
        issue.get_comment(event.comment_id).create_reaction("eyes")
        try:
            outcome, body = self._answer(event)
        except Refused as refusal:
            outcome = Outcome("refused", refusal.reason)
            body = replies.refusal(event.login, refusal.reason, usage=refusal.usage)
        except ScriptError as error:  # KFP failed, after every check passed
            outcome = Outcome("failed", str(error))
            body = replies.refusal(event.login, f"KFP failed: {error}")
        outcome.reply_url = issue.create_comment(body).html_url
        return outcome

    def _answer(self, event: CommentEvent) -> tuple[Outcome, str]:
        self._check_permission(event.login)
        pull = self.gh_repo.get_pull(event.number)
        head_repo = pull.head.repo.full_name if pull.head.repo is not None else ""
        if head_repo.lower() != self.gh_repo.full_name.lower():
            raise Refused(
                "this pull request comes from a fork: its pipelines were never uploaded to "
                f"{self.environment} (no secrets for forks) — push the branch to this repository"
            )
        try:
            command = parse(event.body)
        except CommandError as error:
            raise Refused(str(error), usage=True) from None
        pr = PullRequestRef(self.gh_repo.full_name, event.number, event.login)
        if command.name == "help":
            return Outcome("help"), replies.help_reply(event.login)
        if command.name == "runs":
            rows = self._runs(pr)
            return Outcome("runs", f"{len(rows)} run(s)"), replies.runs_reply(event.login, rows)
        if pull.state != "open":
            raise Refused("this pull request is closed: its versions are being cleaned up")
        return self._run(command, pr, version_name(pull.head.ref, pull.head.sha))

    def _check_permission(self, login: str) -> None:
        from github import GithubException

        try:
            permission = self.gh_repo.get_collaborator_permission(login)
        except GithubException as error:
            if error.status != 404:
                raise
            permission = "none"
        if permission not in WRITE_PERMISSIONS:
            raise Refused(
                f"@{login} has {permission} access to {self.gh_repo.full_name}; /kfp commands "
                "need write, maintain or admin"
            )

    def _projects(self) -> dict[str, Project]:
        return {p.name: p for p in load_projects(self.repo, validate=False)}

    def _namespace(self, project: Project) -> str | None:
        return project.namespace_for(self.environment, self.default_namespace)

    def _runs(self, pr: PullRequestRef) -> list:
        namespaces = {self.default_namespace}
        namespaces |= {self._namespace(p) for p in self._projects().values()}
        # By run id: a target without namespaces (Vertex AI) answers every namespace alike.
        rows = {
            row.run_id: row
            for namespace in sorted(namespaces, key=str)
            for row in self.target.pr_runs(namespace, pr.repository, pr.number)
        }.values()
        return sorted(rows, key=lambda r: (r.created_at is not None, r.created_at), reverse=True)

    def _run(self, command: Command, pr: PullRequestRef, version: str) -> tuple[Outcome, str]:
        project = self._projects().get(command.project)
        if project is None:
            known = ", ".join(sorted(self._projects())) or "none"
            raise Refused(f"unknown project {command.project!r} (projects: {known})")
        experiment = _experiment(project, command.experiment)
        kfp_name = kfp_pipeline_name(command.project, command.pipeline)
        namespace = self._namespace(project)
        in_repo = any(p.selector == command.selector for p in self.repo.pipelines())
        if not in_repo and not self.target.has_pipeline(namespace, kfp_name):
            known = ", ".join(
                p.selector for p in self.repo.pipelines() if p.project == project.name
            )
            raise Refused(f"unknown pipeline {command.selector!r} ({project.name}: {known})")
        request = RunRequest(
            kfp_name=kfp_name,
            display_name=command.selector,
            version=version,
            experiment=f"{project.name}/{experiment.name}",
            experiment_description=experiment.description,
            parameters=command.parameters,
            no_cache=command.no_cache,
        )
        try:
            started = self.target.start_pr_run(namespace, request, pr)
        except ScriptError as error:
            if isinstance(error, TargetError):
                raise  # the server failed: reported as a failure, not a refusal
            raise Refused(_one_line(error)) from None
        body = replies.started_reply(
            pr.login,
            selector=command.selector,
            version=version,
            experiment=request.experiment,
            link=started.link,
            arguments=started.arguments,
            no_cache=started.no_cache,
        )
        return Outcome("started", "", run_id=started.run_id), body


def _experiment(project: Project, requested: str | None):
    """The manifest experiment: ``requested`` (with or without ``<project>/``), else
    ``Default`` when the manifest has it, else its first."""
    by_name = {e.name: e for e in project.experiments}
    if requested is None:
        return by_name.get("Default") or project.experiments[0]
    name = requested.removeprefix(f"{project.name}/")
    if name not in by_name:
        raise Refused(
            f"--experiment {requested!r} is not an experiment of {project.name} (one of: "
            f"{', '.join(by_name)})"
        )
    return by_name[name]


def _one_line(error: ScriptError) -> str:
    return "; ".join(problem.message for problem in error.problems())
