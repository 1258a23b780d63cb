"""A GitHub REST API test server on 127.0.0.1, for PyGithub (``Github(base_url=server.url)``).

No GitHub can run here, so the commands that talk to GitHub are tested against this server
through the real PyGithub. It answers like api.github.com does (status codes, JSON, error bodies
``{"message", "documentation_url", "status"}``, 422 "Validation Failed" with ``errors``, and
``Link``-header pagination) for:

- ``GET /user`` (403 for an installation token, as GitHub answers GITHUB_TOKEN) and
  ``GET /repos/{owner}/{repo}``;
- issues: ``POST``/``GET .../issues`` (the list holds pull requests too) and ``GET``/``PATCH
  .../issues/{n}`` (state, state_reason, title, body, labels, assignees);
- comments: ``GET``/``POST .../issues/{n}/comments``, ``GET``/``PATCH .../issues/comments/{id}``,
  each with its ``author_association``;
- reactions on a comment: ``GET``/``POST .../issues/comments/{id}/reactions`` (201 new, 200 when
  the user had already reacted so);
- labels: ``GET``/``POST .../labels``, ``GET .../labels/{name}``, ``GET``/``POST
  .../issues/{n}/labels``, ``DELETE .../issues/{n}/labels/{name}``;
- pull requests: ``GET .../pulls`` and ``GET .../pulls/{n}`` (head ref/sha/repo, fork or not);
- ``GET .../collaborators/{username}/permission``: the legacy ``permission`` and the real
  ``role_name``;
- with ``path_prefix="/api/v3"``, all of it under that path, as GitHub Enterprise Server serves it.
No token is 401 "Requires authentication", an unknown one 401 "Bad credentials", a read-only
token writing 403 "Resource not accessible by integration". The pieces live in
``tests/servers/github_backend/``; the test hooks are ``GitHubControl``'s (control.py).

In a test (or use the fixtures in tests/servers/github_fixtures.py):

    with GitHubApiServer(repository="acme/ml") as server:
        token = server.add_token(login="github-actions[bot]", bot=True)
        server.add_pull_request(7)
        server.set_permission("octocat", "triage")
        server.add_comment(7, "LGTM", login="octocat")
        gh = github.Github(auth=github.Auth.Token(token), base_url=server.url)

From a shell (prints the URL and a write token, serves until Ctrl-C or SIGTERM):

    python -m tests.servers.github_api --port 8889 --repository acme/ml --pull-request 7
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.servers._http import (
    BackgroundServer,
    LocalHTTPServer,
    read_body,
    send,
    serve_until_stopped,
)
from tests.servers.github_backend import gateway
from tests.servers.github_backend.control import GitHubControl
from tests.servers.github_backend.store import RecordedRequest, Store

__all__ = ["GitHubApiServer", "RecordedRequest", "main"]


class GitHubApiServer(GitHubControl, BackgroundServer):
    """The server in a background thread; control methods are safe while clients talk to it."""

    thread_name = "github-api-server"

    def __init__(
        self,
        *,
        repository: str = "acme/ml-pipelines",
        port: int = 0,
        path_prefix: str = "",
        private: bool = True,
    ) -> None:
        """`path_prefix="/api/v3"` serves the API under that path, as GitHub Enterprise Server
        does (GITHUB_API_URL is then https://HOST/api/v3); requests outside it are 404.
        `private=False` makes the repository public: then every user may read it."""
        owner, _, name = repository.partition("/")
        if not owner or not name:
            raise ValueError(f"repository must be owner/name, got {repository!r}")
        prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self._store = Store(owner=owner, name=name, private=private)
        self._lock = threading.Lock()
        super().__init__(LocalHTTPServer(port, _handler_class(self)), path_prefix=prefix)
        self._store.api_url = self.url

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """One request (headers with lower-case names): status, extra headers, JSON body."""
        with self._lock:
            return gateway.handle(self._store, self._path_prefix, method, target, headers, raw_body)


def _handler_class(server: GitHubApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, body = server.handle(self.command, self.path, headers, read_body(self))
            data = json.dumps(body).encode("utf-8")
            send(self, status, "application/json; charset=utf-8", data, extra.items())

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.servers.github_api", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    parser.add_argument("--repository", default="acme/ml-pipelines", metavar="OWNER/NAME")
    parser.add_argument(
        "--pull-request", type=int, action="append", default=[], metavar="N", help="PRs to serve"
    )
    args = parser.parse_args(argv)
    server = GitHubApiServer(repository=args.repository, port=args.port)
    for number in args.pull_request:
        server.add_pull_request(number)
    token = server.add_token()
    with server:
        print(f"GitHub API test server for {server.repository} at {server.url}", flush=True)
        print(f"write token: {token}", flush=True)  # a throwaway test token, not a secret
        serve_until_stopped()
    return 0


if __name__ == "__main__":
    sys.exit(main())
