# Do not edit: the template owns this file (make template-update brings its changes).
"""``pr-command``: answer a ``/kfp`` comment on a pull request (run, runs, help)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from scripts.core.errors import ConfigError, RemoteError

HELP = (
    "answer a /kfp comment on a pull request from its issue_comment event payload: `/kfp run "
    "<project>/<pipeline> [--no-cache] [--param K=V] [--experiment E]` runs the PR's version on "
    "dev, `/kfp runs` lists the runs started from the PR, `/kfp help`; only for people with "
    "write access (GITHUB_TOKEN, GITHUB_API_URL; KFP as publish reaches it)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--event",
        type=Path,
        required=True,
        metavar="FILE",
        help="the issue_comment payload ($GITHUB_EVENT_PATH in the workflow; a saved one locally)",
    )
    parser.add_argument(
        "--env",
        default="dev",
        metavar="ENV",
        help="environment the runs start in (default: dev)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from github import GithubException
    from requests.exceptions import RequestException

    from scripts.core.actions import ActionsContext
    from scripts.core.output import print_json
    from scripts.github.pr_commands.event import read_event
    from scripts.github.pr_commands.handle import CommandHandler
    from scripts.github.sticky_comment import DEFAULT_API_URL, github_client
    from scripts.repo.environments import load_environment
    from scripts.repo.model import Repo
    from scripts.targets.select import target_for

    event = read_event(args.event)
    repo = Repo.discover(args.repo)
    environment = load_environment(repo.root, args.env)
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        raise ConfigError("GITHUB_TOKEN is not set — pr-command needs it to react and reply")
    actions = ActionsContext.from_environ()
    if actions.repository and actions.repository.lower() != event.repository.lower():
        raise ConfigError(
            f"the event is for {event.repository}, GITHUB_REPOSITORY is {actions.repository}",
            path=str(args.event),
        )
    api_url = actions.api_url or DEFAULT_API_URL
    client = github_client(token, api_url)
    try:
        handler = CommandHandler(
            gh_repo=client.get_repo(event.repository),
            repo=repo,
            environment=environment.name,
            default_namespace=environment.namespace,
            target=target_for(environment),
        )
        outcome = handler.handle(event)
    except GithubException as error:
        message = error.data.get("message") if isinstance(error.data, dict) else error.data
        raise RemoteError(
            f"GitHub answered {error.status} for {event.repository}#{event.number} on "
            f"{api_url}: {message} — the token needs `pull-requests: write`"
        ) from None
    except RequestException as error:
        raise RemoteError(
            f"cannot reach the GitHub API at {api_url} ({type(error).__name__})"
        ) from None
    finally:
        client.close()
    if args.format == "json":
        print_json(outcome.to_json())
    else:
        reason = f": {outcome.reason}" if outcome.reason else ""
        where = f" ({outcome.reply_url})" if outcome.reply_url else ""
        print(f"{outcome.action}{reason}{where}")
    return 1 if outcome.action == "failed" else 0
