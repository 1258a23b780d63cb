"""The server's state: tokens, users and their access, issues (pull requests among them),
comments, labels, reactions, the request log and the injected faults.

Everything is guarded by the server's lock (the gateway and the control methods take it), so
nothing here locks. Timestamps come from a clock that starts at a fixed instant and ticks one
second per write: tests stay reproducible and ``created_at``/``updated_at`` order the writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    login: str | None  # whose token sent it (None: no or unknown token); never the token itself
    status: int
    body: Any = None  # the JSON sent (a dict or list), the raw text if not JSON, None if empty

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD")


@dataclass
class Token:
    login: str
    user_id: int
    bot: bool  # an installation token (GITHUB_TOKEN) rather than a user's token
    can_write: bool


@dataclass
class Access:
    """A user's standing on the repository: a role (``base`` is the built-in role it rests
    on, the same for the five built-in ones) and, when set, the ``author_association``."""

    role: str
    base: str
    association: str | None = None


@dataclass
class PullInfo:
    head_ref: str
    head_sha: str
    head_owner: str  # the owner of the head repository: a fork's owner for a fork
    fork: bool
    base_ref: str
    draft: bool = False
    merged: bool = False
    merged_at: str | None = None


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    login: str
    bot: bool
    created_at: str
    updated_at: str
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    closed_by: tuple[str, bool] | None = None  # (login, bot)
    labels: list[str] = field(default_factory=list)  # label keys (lower-case names)
    assignees: list[str] = field(default_factory=list)
    pull: PullInfo | None = None


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    login: str
    bot: bool
    created_at: str
    updated_at: str
    association: str | None = None  # None: derived from the author's access


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None


@dataclass
class Reaction:
    id: int
    comment_id: int
    login: str
    bot: bool
    content: str
    created_at: str


@dataclass
class Fault:
    status: int
    method: str | None
    path: str | None  # a regular expression searched in the path, or None for any path
    message: str
    docs: str
    headers: dict[str, str]


@dataclass
class Store:
    owner: str
    name: str
    private: bool = True
    api_url: str = ""  # the server's URL (with its path prefix); set once the socket is bound
    tokens: dict[str, Token] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # lower-case login -> login
    access: dict[str, Access] = field(default_factory=dict)  # by lower-case login
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)  # by id, insertion-ordered
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-case name
    reactions: list[Reaction] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    next_id: int = 1000
    start: datetime = EPOCH
    clock: int = 0  # seconds after `start`

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def repo_url(self) -> str:
        return f"{self.api_url}/repos/{self.full_name}"

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def now(self) -> str:
        self.clock += 1
        return (self.start + timedelta(seconds=self.clock)).strftime(TIME_FORMAT)

    def set_time(self, when: datetime) -> None:
        self.start, self.clock = when.astimezone(UTC), 0

    def next_number(self) -> int:
        """Issues and pull requests share one sequence of numbers, as on GitHub."""
        return max(self.issues, default=0) + 1

    def user_id(self, login: str) -> int:
        return 10_000 + sum(login.lower().encode()) % 89_999

    def know(self, login: str) -> str:
        """Record that the user exists (GitHub knows every login that wrote something)."""
        return self.users.setdefault(login.lower(), login)

    def find_label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())

    def ensure_label(self, name: str) -> Label:
        """The label, created with GitHub's default grey when it does not exist yet (what
        GitHub does for labels named when an issue is created or labelled)."""
        label = self.find_label(name)
        if label is None:
            label = Label(self.new_id(), name, "ededed")
            self.labels[name.lower()] = label
        return label

    def comment_count(self, number: int) -> int:
        return sum(1 for c in self.comments.values() if c.issue == number)
