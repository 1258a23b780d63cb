"""A GitHub REST API test server on 127.0.0.1: the issue-comment endpoints PyGithub uses.

No GitHub can run here, so `comment` is tested against this server through the real PyGithub
(`Github(base_url=server.url)`). It answers like api.github.com does for these calls:

- ``GET /repos/{owner}/{repo}``, ``GET /repos/{owner}/{repo}/issues/{n}`` and ``.../pulls/{n}``
  (a pull request is also an issue, with a ``pull_request`` key);
- ``GET /repos/{owner}/{repo}/issues/{n}/comments``: oldest first, ``per_page`` (default 30, at
  most 100) and ``page``, and a ``Link`` header with ``next``/``last``/``prev``/``first``;
- ``POST /repos/{owner}/{repo}/issues/{n}/comments`` (201), ``GET``/``PATCH``
  ``/repos/{owner}/{repo}/issues/comments/{id}``; an empty body or one over 65,536 characters
  is a 422 "Validation Failed";
- ``GET /user``: the token's user, or 403 for an installation token (``GITHUB_TOKEN``), as GitHub
  answers "Resource not accessible by integration";
- with ``path_prefix="/api/v3"``, all of it under that path, as GitHub Enterprise Server serves it;
- errors as GitHub shapes them: ``{"message": ..., "documentation_url": ..., "status": "..."}``;
  no token is 401 "Requires authentication", an unknown one 401 "Bad credentials", a read-only
  token writing 403 "Resource not accessible by integration".

In a test (or use the fixtures in tests/servers/github_fixtures.py):

    with GitHubApiServer(repository="acme/ml") as server:
        token = server.add_token(login="github-actions[bot]", bot=True)
        server.add_pull_request(7)
        server.add_comment(7, "LGTM", login="octocat")
        gh = github.Github(auth=github.Auth.Token(token), base_url=server.url)

From a shell (prints the URL and a write token, serves until Ctrl-C or SIGTERM):

    python -m tests.servers.github_api --port 8889 --repository acme/ml --pull-request 7
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers._http import (
    BackgroundServer,
    LocalHTTPServer,
    read_body,
    send,
    serve_until_stopped,
)

__all__ = ["GitHubApiServer", "RecordedRequest", "main"]

DOCS = "https://docs.github.com/rest"
MAX_BODY = 65536  # GitHub's limit for a comment body, in characters
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
EPOCH = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # timestamps are fixed: tests stay reproducible


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    login: str | None  # whose token sent it (None: no or unknown token); never the token itself
    status: int

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD")


@dataclass
class _Token:
    login: str
    user_id: int
    bot: bool  # an installation token (GITHUB_TOKEN) rather than a user's token
    can_write: bool


@dataclass
class _State:
    owner: str
    name: str
    tokens: dict[str, _Token] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id, insertion-ordered
    requests: list[RecordedRequest] = field(default_factory=list)
    # (status, method or None for any): answered to the next requests of that method
    fail_next: list[tuple[int, str | None]] = field(default_factory=list)
    next_id: int = 1000
    clock: int = 0  # seconds after EPOCH, one tick per write, so timestamps order writes

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def now(self) -> str:
        self.clock += 1
        return (EPOCH + timedelta(seconds=self.clock)).strftime("%Y-%m-%dT%H:%M:%SZ")


class _HttpError(Exception):
    def __init__(self, status: int, message: str, docs: str = DOCS, **extra: Any):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": docs, "status": str(status), **extra}


class GitHubApiServer(BackgroundServer):
    """The server in a background thread; control methods are safe while clients talk to it."""

    thread_name = "github-api-server"

    def __init__(
        self, *, repository: str = "acme/ml-pipelines", port: int = 0, path_prefix: str = ""
    ) -> None:
        """`path_prefix="/api/v3"` serves the API under that path, as GitHub Enterprise Server
        does (GITHUB_API_URL is then https://HOST/api/v3); requests outside it are 404."""
        owner, _, name = repository.partition("/")
        if not owner or not name:
            raise ValueError(f"repository must be owner/name, got {repository!r}")
        prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self._state = _State(owner=owner, name=name)
        self._lock = threading.Lock()
        super().__init__(LocalHTTPServer(port, _handler_class(self)), path_prefix=prefix)

    @property
    def repository(self) -> str:
        return f"{self._state.owner}/{self._state.name}"

    # -- control surface ---------------------------------------------------------------------

    def add_token(
        self, *, login: str = "github-actions[bot]", bot: bool = True, can_write: bool = True
    ) -> str:
        """A new token for `login`; `bot` makes it an installation token like GITHUB_TOKEN,
        `can_write=False` one without `pull-requests: write` (a fork's PR)."""
        token = "ghs_" + secrets.token_hex(16)
        with self._lock:
            user_id = self._user_id(login)
            self._state.tokens[token] = _Token(login, user_id, bot, can_write)
        return token

    def add_pull_request(self, number: int, *, title: str = "A change", head_sha: str = "") -> None:
        with self._lock:
            self._state.issues[number] = {
                "number": number,
                "title": title,
                "head_sha": head_sha or f"{number:040x}",
                "user": "octocat",
            }

    def add_comment(self, number: int, body: str, *, login: str = "octocat", bot: bool = False):
        """A comment someone else already wrote (returns its JSON as the API shows it)."""
        with self._lock:
            self._require_issue(number)
            comment = self._new_comment(number, body, login, self._user_id(login), bot)
            return self._comment_json(comment)

    def comments(self, number: int) -> list[dict[str, Any]]:
        """The issue's comments, oldest first, as the API shows them."""
        with self._lock:
            return [
                self._comment_json(c) for c in self._state.comments.values() if c["issue"] == number
            ]

    def fail_next(self, count: int, status: int = 503, *, method: str | None = None) -> None:
        """Answer the next `count` requests (of `method` only, when given) with `status`."""
        with self._lock:
            self._state.fail_next.extend([(status, method)] * count)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    # -- the API -----------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        query = parse_qs(split.query)
        prefix = self._path_prefix
        outside_prefix = not (path == prefix or path.startswith(prefix + "/"))
        if not outside_prefix:
            path = path[len(prefix) :] or "/"
        with self._lock:
            token = self._token(headers.get("authorization", ""))
            try:
                if outside_prefix:
                    raise _HttpError(404, "Not Found")
                injected = next((f for f in self._state.fail_next if f[1] in (None, method)), None)
                if injected is not None:
                    self._state.fail_next.remove(injected)
                    status = injected[0]
                    raise _HttpError(status, "Server Error" if status >= 500 else "Injected")
                status, extra_headers, body = self._route(method, path, query, token, raw_body)
            except _HttpError as error:
                status, extra_headers, body = error.status, {}, error.body
            login = token.login if isinstance(token, _Token) else None
            self._state.requests.append(RecordedRequest(method, path, query, login, status))
        return status, extra_headers, body

    def _route(self, method, path, query, token, raw_body):
        repo = re.escape(f"/repos/{self._state.owner}/{self._state.name}")
        routes = [
            ("GET", r"/user", self._get_user),
            ("GET", repo, self._get_repo),
            ("GET", repo + r"/issues/(\d+)", self._get_issue),
            ("GET", repo + r"/pulls/(\d+)", self._get_pull),
            ("GET", repo + r"/issues/(\d+)/comments", self._list_comments),
            ("POST", repo + r"/issues/(\d+)/comments", self._create_comment),
            ("GET", repo + r"/issues/comments/(\d+)", self._get_comment),
            ("PATCH", repo + r"/issues/comments/(\d+)", self._edit_comment),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                if token is None:
                    raise _HttpError(401, "Requires authentication")
                if token == "bad":
                    raise _HttpError(401, "Bad credentials")
                if method != "GET" and not token.can_write:
                    raise _HttpError(
                        403,
                        "Resource not accessible by integration",
                        f"{DOCS}/issues/comments",
                    )
                args = [int(group) for group in match.groups()]
                return handler(*args, query=query, token=token, body=raw_body)
        raise _HttpError(404, "Not Found")

    def _get_user(self, *, token, **_):
        if token.bot:
            raise _HttpError(
                403,
                "Resource not accessible by integration",
                f"{DOCS}/users/users#get-the-authenticated-user",
            )
        return 200, {}, self._user_json(token.login, token.user_id, bot=False)

    def _get_repo(self, **_):
        full = self.repository
        return (
            200,
            {},
            {
                "id": 1,
                "name": self._state.name,
                "full_name": full,
                "private": True,
                "owner": self._user_json(self._state.owner, 2, bot=False)
                | {"type": "Organization"},
                "url": f"{self.url}/repos/{full}",
                "html_url": f"https://github.com/{full}",
                "default_branch": "main",
            },
        )

    def _get_issue(self, number, **_):
        return 200, {}, self._issue_json(self._require_issue(number))

    def _get_pull(self, number, **_):
        issue = self._require_issue(number)
        full = self.repository
        return (
            200,
            {},
            {
                "number": number,
                "title": issue["title"],
                "state": "open",
                "url": f"{self.url}/repos/{full}/pulls/{number}",
                "issue_url": f"{self.url}/repos/{full}/issues/{number}",
                "html_url": f"https://github.com/{full}/pull/{number}",
                "head": {"sha": issue["head_sha"], "ref": "feature", "repo": {"full_name": full}},
                "base": {"ref": "main", "repo": {"full_name": full}},
            },
        )

    def _list_comments(self, number, *, query, **_):
        self._require_issue(number)
        per_page = _int_param(query, "per_page", DEFAULT_PER_PAGE)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        page = max(_int_param(query, "page", 1), 1)
        rows = [c for c in self._state.comments.values() if c["issue"] == number]
        last = max((len(rows) + per_page - 1) // per_page, 1)
        chunk = rows[(page - 1) * per_page : page * per_page]
        base = f"{self.url}/repos/{self.repository}/issues/{number}/comments"

        def link(to: int, rel: str) -> str:
            return f'<{base}?{urlencode({"per_page": per_page, "page": to})}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, [self._comment_json(c) for c in chunk]

    def _create_comment(self, number, *, token, body, **_):
        self._require_issue(number)
        text = self._comment_body(body)
        comment = self._new_comment(number, text, token.login, token.user_id, token.bot)
        return 201, {}, self._comment_json(comment)

    def _get_comment(self, comment_id, **_):
        return 200, {}, self._comment_json(self._require_comment(comment_id))

    def _edit_comment(self, comment_id, *, body, **_):
        comment = self._require_comment(comment_id)
        comment["body"] = self._comment_body(body)
        comment["updated_at"] = self._state.now()
        return 200, {}, self._comment_json(comment)

    # -- helpers -----------------------------------------------------------------------------

    def _token(self, authorization: str) -> _Token | str | None:
        scheme, _, value = authorization.strip().partition(" ")
        if not value or scheme.lower() not in ("token", "bearer"):
            return None
        return self._state.tokens.get(value.strip(), "bad")

    def _user_id(self, login: str) -> int:
        return 10_000 + sum(login.encode()) % 89_999

    def _require_issue(self, number: int) -> dict[str, Any]:
        if number not in self._state.issues:
            raise _HttpError(404, "Not Found", f"{DOCS}/issues/issues#get-an-issue")
        return self._state.issues[number]

    def _require_comment(self, comment_id: int) -> dict[str, Any]:
        if comment_id not in self._state.comments:
            raise _HttpError(404, "Not Found", f"{DOCS}/issues/comments#get-an-issue-comment")
        return self._state.comments[comment_id]

    @staticmethod
    def _comment_body(raw: bytes) -> str:
        try:
            data = json.loads(raw or b"{}")
        except ValueError as error:
            raise _HttpError(400, "Problems parsing JSON") from error
        text = data.get("body") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text:
            raise _HttpError(
                422,
                "Validation Failed",
                errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
            )
        if len(text) > MAX_BODY:
            raise _HttpError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "IssueComment",
                        "code": "custom",
                        "field": "body",
                        "message": f"body is too long (maximum is {MAX_BODY} characters)",
                    }
                ],
            )
        return text

    def _new_comment(self, number: int, body: str, login: str, user_id: int, bot: bool):
        now = self._state.now()
        comment = {
            "id": self._state.new_id(),
            "issue": number,
            "body": body,
            "login": login,
            "user_id": user_id,
            "bot": bot,
            "created_at": now,
            "updated_at": now,
        }
        self._state.comments[comment["id"]] = comment
        return comment

    def _user_json(self, login: str, user_id: int, *, bot: bool) -> dict[str, Any]:
        return {
            "login": login,
            "id": user_id,
            "type": "Bot" if bot else "User",
            "url": f"{self.url}/users/{login}",
            "html_url": f"https://github.com/{login}",
        }

    def _issue_json(self, issue: dict[str, Any]) -> dict[str, Any]:
        full, number = self.repository, issue["number"]
        return {
            "id": 500_000 + number,
            "number": number,
            "title": issue["title"],
            "state": "open",
            "user": self._user_json(issue["user"], self._user_id(issue["user"]), bot=False),
            "url": f"{self.url}/repos/{full}/issues/{number}",
            "comments_url": f"{self.url}/repos/{full}/issues/{number}/comments",
            "html_url": f"https://github.com/{full}/pull/{number}",
            "repository_url": f"{self.url}/repos/{full}",
            "comments": sum(1 for c in self._state.comments.values() if c["issue"] == number),
            "pull_request": {"url": f"{self.url}/repos/{full}/pulls/{number}"},
        }

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        full, cid = self.repository, comment["id"]
        return {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"{self.url}/repos/{full}/issues/comments/{cid}",
            "html_url": f"https://github.com/{full}/pull/{comment['issue']}#issuecomment-{cid}",
            "issue_url": f"{self.url}/repos/{full}/issues/{comment['issue']}",
            "body": comment["body"],
            "user": self._user_json(comment["login"], comment["user_id"], bot=comment["bot"]),
            "created_at": comment["created_at"],
            "updated_at": comment["updated_at"],
            "author_association": "NONE" if comment["bot"] else "MEMBER",
        }


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [default])[0])
    except ValueError:
        return default


def _handler_class(server: GitHubApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, body = server.handle(self.command, self.path, headers, read_body(self))
            data = json.dumps(body).encode("utf-8")
            send(self, status, "application/json; charset=utf-8", data, extra.items())

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

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
