"""Who may do what: repository roles, the legacy ``permission`` they map to, and the
``author_association`` GitHub stamps on issues and comments.

GitHub has five built-in repository roles (read < triage < write < maintain < admin) and an
organisation's custom roles, each resting on a built-in one.
``GET .../collaborators/{u}/permission`` answers both ways: ``role_name`` is the role itself
(a custom one by its name), ``permission`` the legacy base role, where maintain counts as
write and triage as read, so a client that reads ``permission`` sees a triager as "read" and a
maintainer as "write". ``user.permissions`` is the boolean hash (``admin``, ``maintain``,
``push``, ``triage``, ``pull``).

``author_association`` is a different thing: the author's relation to the repository (OWNER,
MEMBER of the owning organisation, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR,
FIRST_TIMER, MANNEQUIN, NONE). It says nothing reliable about the right to write: an
organisation member with the read role is still a MEMBER. Tests set it per user; by default a
user with a role on this organisation-owned repository is a MEMBER, a GitHub App NONE.
"""

from __future__ import annotations

from .store import Access, Store, Token

BASE_ROLES = ("none", "read", "triage", "write", "maintain", "admin")
LEGACY_PERMISSION = {
    "none": "none",
    "read": "read",
    "triage": "read",
    "write": "write",
    "maintain": "write",
    "admin": "admin",
}
ASSOCIATIONS = (
    "OWNER",
    "MEMBER",
    "COLLABORATOR",
    "CONTRIBUTOR",
    "FIRST_TIME_CONTRIBUTOR",
    "FIRST_TIMER",
    "MANNEQUIN",
    "NONE",
)


def make_access(role: str, base: str | None, association: str | None) -> Access:
    """Check a test's `set_permission` arguments (ValueError names the fix)."""
    if role in BASE_ROLES:
        if base not in (None, role):
            raise ValueError(f"role {role!r} is a built-in role; give base only for a custom one")
        base = role
    elif base not in BASE_ROLES or base == "none":
        raise ValueError(
            f"role {role!r} is not one of {', '.join(BASE_ROLES)}: a custom role needs "
            "base='read'|'triage'|'write'|'maintain'|'admin'"
        )
    if association is not None and association not in ASSOCIATIONS:
        raise ValueError(f"association must be one of {', '.join(ASSOCIATIONS)}")
    return Access(role, base, association)


def access_of(store: Store, login: str) -> Access | None:
    """The user's access: as set by a test, else what a user token implies (write when it may
    write, read otherwise), else None (no role on the repository)."""
    access = store.access.get(login.lower())
    if access is not None:
        return access
    for token in store.tokens.values():
        if not token.bot and token.login.lower() == login.lower():
            base = "write" if token.can_write else "read"
            return Access(base, base)
    return None


def rank(base: str) -> int:
    return BASE_ROLES.index(base)


def can_push(store: Store, token: Token) -> bool:
    """May the caller set labels and assignees? GitHub drops them silently otherwise."""
    if token.bot:
        return token.can_write
    access = access_of(store, token.login)
    return access is not None and rank(access.base) >= rank("write")


def association(store: Store, login: str, bot: bool, explicit: str | None = None) -> str:
    if explicit is not None:
        return explicit
    if bot:
        return "NONE"
    access = access_of(store, login)
    if access is not None and access.association is not None:
        return access.association
    if login.lower() == store.owner.lower():
        return "OWNER"
    if access is not None and access.base != "none":
        return "MEMBER"
    return "NONE"


def permissions_hash(base: str) -> dict[str, bool]:
    level = rank(base)
    return {
        "admin": level >= rank("admin"),
        "maintain": level >= rank("maintain"),
        "push": level >= rank("write"),
        "triage": level >= rank("triage"),
        "pull": level >= rank("read"),
    }


def permission_of(store: Store, login: str) -> Access:
    """The access GitHub reports for a known user: without a role, everyone may read a public
    repository and no one a private one."""
    access = access_of(store, login)
    if access is None or access.base == "none":
        base = "none" if store.private else "read"
        return Access(base, base)
    return access
