"""The tests' handles on the GitHub API test server (mixed into ``GitHubApiServer``): set up
tokens, users' roles, issues, pull requests, comments and labels; read back what clients did;
inject faults. Every method takes the server's lock, so tests may call them while clients talk
to the server. What they return is the JSON the API would show.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .access import ASSOCIATIONS, make_access
from .comments import new_comment
from .errors import SECONDARY_RATE_LIMIT, SECONDARY_RATE_LIMIT_DOCS
from .render import comment_json, issue_json, label_json, pull_json, reaction_json
from .store import Fault, Issue, Label, PullInfo, RecordedRequest, Store, Token


class GitHubControl:
    _store: Store
    _lock: threading.Lock

    @property
    def repository(self) -> str:
        return self._store.full_name

    # -- who -------------------------------------------------------------------------------

    def add_token(
        self, *, login: str = "github-actions[bot]", bot: bool = True, can_write: bool = True
    ) -> str:
        """A new token for `login`; `bot` makes it an installation token like GITHUB_TOKEN,
        `can_write=False` one without write permissions (a fork's PR). A user token (bot=False)
        gives its user the write role (read without `can_write`) unless `set_permission` says
        otherwise."""
        token = "ghs_" + secrets.token_hex(16)
        with self._lock:
            store = self._store
            store.tokens[token] = Token(login, store.user_id(login), bot, can_write)
            store.know(login)
        return token

    def set_permission(
        self, login: str, role: str, *, base: str | None = None, association: str | None = None
    ) -> None:
        """Give `login` a role on the repository: none, read, triage, write, maintain or admin,
        or a custom role's name with the built-in `base` it extends. `association` overrides
        the author_association of the user's issues and comments (default MEMBER with a role,
        NONE without)."""
        access = make_access(role, base, association)
        with self._lock:
            self._store.access[login.lower()] = access
            self._store.know(login)

    # -- what ------------------------------------------------------------------------------

    def add_issue(
        self,
        title: str = "An issue",
        *,
        number: int | None = None,
        body: str | None = None,
        login: str = "octocat",
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
        state: str = "open",
        state_reason: str | None = None,
    ) -> dict[str, Any]:
        """An issue someone already opened (the next number unless given)."""
        with self._lock:
            issue = self._new_issue(number, title, body, login, labels, state, state_reason)
            issue.assignees = list(assignees)
            return issue_json(self._store, issue)

    def add_pull_request(
        self,
        number: int | None = None,
        *,
        title: str = "A change",
        head_sha: str = "",
        head_ref: str = "feature",
        base_ref: str = "main",
        fork: bool = False,
        fork_owner: str = "contributor",
        login: str = "octocat",
        body: str | None = None,
        state: str = "open",
        merged: bool = False,
        draft: bool = False,
        labels: Iterable[str] = (),
    ) -> int:
        """An open pull request (the next number unless given; numbers are shared with
        issues). `fork=True` makes its head branch live in `fork_owner`'s fork. `merged`
        implies closed. Returns its number."""
        with self._lock:
            state = "closed" if merged else state
            issue = self._new_issue(number, title, body, login, labels, state, None)
            issue.state_reason = None
            head_owner = fork_owner if fork else self._store.owner
            sha = head_sha or f"{issue.number:040x}"
            issue.pull = PullInfo(head_ref, sha, head_owner, fork, base_ref, draft, merged)
            if merged:
                issue.pull.merged_at = issue.closed_at
            return issue.number

    def add_comment(
        self,
        number: int,
        body: str,
        *,
        login: str = "octocat",
        bot: bool = False,
        association: str | None = None,
    ) -> dict[str, Any]:
        """A comment someone already wrote (returns its JSON as the API shows it).
        `association` fixes its author_association (default: from the author's access)."""
        if association is not None and association not in ASSOCIATIONS:
            raise ValueError(f"association must be one of {', '.join(ASSOCIATIONS)}")
        with self._lock:
            if number not in self._store.issues:
                raise KeyError(f"no issue or pull request #{number}")
            comment = new_comment(self._store, number, body, login, bot, association)
            return comment_json(self._store, comment)

    def add_label(
        self, name: str, *, color: str = "ededed", description: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            store = self._store
            label = Label(store.new_id(), name, color, description)
            store.labels[name.lower()] = label
            return label_json(store, label)

    # -- read back -------------------------------------------------------------------------

    def issue(self, number: int) -> dict[str, Any]:
        with self._lock:
            return issue_json(self._store, self._store.issues[number])

    def issues(self) -> list[dict[str, Any]]:
        """Every issue and pull request, by number, as the issues API shows them."""
        with self._lock:
            store = self._store
            return [issue_json(store, store.issues[n]) for n in sorted(store.issues)]

    def pull_request(self, number: int) -> dict[str, Any]:
        with self._lock:
            return pull_json(self._store, self._store.issues[number])

    def comments(self, number: int) -> list[dict[str, Any]]:
        """The issue's comments, oldest first, as the API shows them."""
        with self._lock:
            store = self._store
            return [comment_json(store, c) for c in store.comments.values() if c.issue == number]

    def labels(self) -> list[dict[str, Any]]:
        with self._lock:
            return [label_json(self._store, label) for label in self._store.labels.values()]

    def reactions(self, comment_id: int) -> list[dict[str, Any]]:
        with self._lock:
            store = self._store
            mine = [r for r in store.reactions if r.comment_id == comment_id]
            return [reaction_json(store, r) for r in mine]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._store.requests)

    # -- time and faults -------------------------------------------------------------------

    def set_time(self, when: datetime) -> None:
        """Stamp the following writes from `when` on (one second apart), e.g. to test `since`."""
        with self._lock:
            self._store.set_time(when)

    def fail_next(
        self,
        count: int,
        status: int = 503,
        *,
        method: str | None = None,
        path: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `count` requests (of `method` and with `path` found in their path,
        a regular expression, when given) with `status` in GitHub's error shape."""
        text = message or ("Server Error" if status >= 500 else "Injected")
        fault = Fault(status, method, path, text, "https://docs.github.com/rest", headers or {})
        with self._lock:
            self._store.faults.extend([fault] * count)

    def rate_limit_next(
        self, count: int = 1, *, retry_after: int = 1, method: str | None = None
    ) -> None:
        """Answer the next `count` requests as GitHub's secondary rate limit does: 403 with
        that message and a Retry-After header (PyGithub's GithubRetry waits and retries)."""
        headers = {"Retry-After": str(retry_after)}
        fault = Fault(403, method, None, SECONDARY_RATE_LIMIT, SECONDARY_RATE_LIMIT_DOCS, headers)
        with self._lock:
            self._store.faults.extend([fault] * count)

    def _new_issue(
        self,
        number: int | None,
        title: str,
        body: str | None,
        login: str,
        labels: Iterable[str],
        state: str,
        state_reason: str | None,
    ) -> Issue:
        store = self._store
        if state not in ("open", "closed"):
            raise ValueError("state must be 'open' or 'closed'")
        number = store.next_number() if number is None else number
        now = store.now()
        issue = Issue(number, title, body, login, login.endswith("[bot]"), now, now)
        issue.labels = list(dict.fromkeys(store.ensure_label(n).name.lower() for n in labels))
        if state == "closed":
            issue.state, issue.closed_at = "closed", now
            issue.closed_by = (login, issue.bot)
            issue.state_reason = state_reason or "completed"
        store.issues[number] = issue
        store.know(login)
        return issue
