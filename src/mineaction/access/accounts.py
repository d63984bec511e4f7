"""Organisations and users: add, list, change role, password and grants, disable; every change audited.

A user belongs to one organisation and has one role (``mineaction.access.rules.ROLES``) that the kind of
organisation allows (an operator's staff cannot be verifiers). Passwords are kept as argon2id hashes; a user
without a password signs in with API tokens only (a service account). Front ends check
``require(principal, "manage_users")`` before calling the changing functions here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mineaction.access._store import audit, grants_json, now, parse_grants, sql_store, to_text
from mineaction.access.passwords import check_password, hash_password
from mineaction.access.rules import ORGANISATION_KINDS, ROLE_ORGANISATION_KINDS, ROLES, RULES
from mineaction.errors import InputError, NotFoundError
from mineaction.settings import Settings
from mineaction.store import Store

__all__ = [
    "Organisation",
    "User",
    "add_organisation",
    "add_user",
    "disable_user",
    "enable_user",
    "get_organisation",
    "get_user",
    "grant",
    "list_organisations",
    "list_users",
    "set_password",
    "set_role",
    "ungrant",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$")
_USER_COLUMNS = (
    "name, role, organisation, grants, password_hash IS NOT NULL, totp_enabled_at, created_at, disabled_at"
)


@dataclass(frozen=True)
class Organisation:
    """An organisation: its ``code`` (e.g. ``ANAMA``), name, kind and the operator record it stands for."""

    code: str
    name: str
    kind: str
    operator_id: str | None
    created_at: str
    disabled_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class User:
    """A user as the front ends show it (no password hash, no second-factor secret)."""

    name: str
    role: str
    organisation: str
    grants: frozenset[str]
    has_password: bool
    second_factor: bool
    created_at: str
    disabled_at: str | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "grants": sorted(self.grants)}


def _user(row: tuple[Any, ...]) -> User:
    name, role, org, grants, has_password, totp, created, disabled = row
    return User(
        name, role, org, parse_grants(grants), bool(has_password), totp is not None, created, disabled
    )


def add_organisation(
    store: Store, code: str, *, kind: str, name: str | None = None, operator_id: str | None = None
) -> Organisation:
    """Add an organisation; ``kind`` is one of ``ORGANISATION_KINDS`` (authority, operator, donor, other)."""
    if not _CODE.match(code):
        raise InputError(
            f"organisation code {code!r}: use 2 to 32 letters, digits, '.', '_' or '-' (e.g. ANAMA)"
        )
    if kind not in ORGANISATION_KINDS:
        raise InputError(f"organisation kind {kind!r}: use one of {', '.join(ORGANISATION_KINDS)}")
    sql = sql_store(store)
    with sql.transaction():
        if sql.query("SELECT 1 FROM mineaction_organisations WHERE code = ?", [code]):
            raise InputError(f"organisation {code!r} exists already; list them with `organisations list`")
        created = to_text(now())
        sql.execute(
            "INSERT INTO mineaction_organisations (code, name, org_kind, operator_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (code, name or code, kind, operator_id, created),
        )
        audit(store, "organisation_add", f"organisation:{code}", {"kind": kind, "name": name or code})
    return Organisation(code, name or code, kind, operator_id, created, None)


def get_organisation(store: Store, code: str) -> Organisation:
    """One organisation; NotFoundError naming the command that adds it."""
    rows = sql_store(store).query(
        "SELECT code, name, org_kind, operator_id, created_at, disabled_at FROM mineaction_organisations "
        "WHERE code = ?",
        [code],
    )
    if not rows:
        raise NotFoundError(
            f"no organisation {code!r}; add it first: mineaction organisations add STORE {code} --kind KIND"
        )
    return Organisation(*rows[0])


def list_organisations(store: Store) -> list[Organisation]:
    """Every organisation, by code."""
    rows = sql_store(store).query(
        "SELECT code, name, org_kind, operator_id, created_at, disabled_at FROM mineaction_organisations "
        "ORDER BY code"
    )
    return [Organisation(*r) for r in rows]


def _check_role(role: str, organisation: Organisation) -> None:
    if role not in ROLES or role == "public":
        raise InputError(f"role {role!r}: use one of {', '.join(r for r in ROLES if r != 'public')}")
    allowed = ROLE_ORGANISATION_KINDS[role]
    if organisation.kind not in allowed:
        raise InputError(
            f"role {role!r} is for users of {' or '.join(allowed)} organisations, and "
            f"{organisation.code} is a{'n' if organisation.kind[0] in 'aeiou' else ''} {organisation.kind}"
        )


def add_user(
    store: Store,
    name: str,
    *,
    role: str,
    organisation: str,
    password: str | None = None,
    settings: Settings | None = None,
) -> User:
    """Add a user of ``organisation`` with ``role``; with no ``password`` the user signs in by token only.

    Raises
    ------
    InputError
        A malformed name, an unknown role or one the organisation's kind does not allow, a password that
        breaks the policy, or a name already taken.
    NotFoundError
        The organisation does not exist.
    """
    if not _NAME.match(name):
        raise InputError(f"user name {name!r}: use 2 to 64 letters, digits, '.', '_', '@' or '-'")
    org = get_organisation(store, organisation)
    _check_role(role, org)
    policy = settings or Settings()
    digest = None
    if password is not None:
        check_password(password, user=name, min_length=policy.password_min_length)
        digest = hash_password(password)
    sql = sql_store(store)
    with sql.transaction():
        if sql.query("SELECT 1 FROM mineaction_users WHERE name = ?", [name]):
            raise InputError(f"user {name!r} exists already; choose another name or change that user")
        created = to_text(now())
        sql.execute(
            "INSERT INTO mineaction_users (name, role, organisation, password_hash, created_at, "
            "password_changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (name, role, organisation, digest, created, created if digest else None),
        )
        audit(store, "user_add", f"user:{name}", {"role": role, "organisation": organisation})
    return get_user(store, name)


def get_user(store: Store, name: str) -> User:
    """One user; NotFoundError naming the command that lists them."""
    rows = sql_store(store).query(f"SELECT {_USER_COLUMNS} FROM mineaction_users WHERE name = ?", [name])
    if not rows:
        raise NotFoundError(f"no user {name!r}; list them with: mineaction users list STORE")
    return _user(rows[0])


def list_users(store: Store, *, organisation: str | None = None) -> list[User]:
    """Every user (of one organisation, if given), by name."""
    where, params = ("WHERE organisation = ?", [organisation]) if organisation else ("", [])
    rows = sql_store(store).query(
        f"SELECT {_USER_COLUMNS} FROM mineaction_users {where} ORDER BY name", params
    )
    return [_user(r) for r in rows]


def set_role(store: Store, name: str, role: str, *, organisation: str | None = None) -> User:
    """Change a user's role (and organisation); grants the new role cannot hold are dropped. Tokens scoped
    wider than the new role stop working at their next use."""
    user = get_user(store, name)
    org = get_organisation(store, organisation or user.organisation)
    _check_role(role, org)
    grantable = {r.action for r in RULES if r.role == role and r.scope == "grant"}
    kept = user.grants & grantable
    sql = sql_store(store)
    with sql.transaction():
        sql.execute(
            "UPDATE mineaction_users SET role = ?, organisation = ?, grants = ? WHERE name = ?",
            (role, org.code, grants_json(kept), name),
        )
        detail = {"from": [user.role, user.organisation], "to": [role, org.code]}
        audit(store, "role_change", f"user:{name}", {**detail, "grants_dropped": sorted(user.grants - kept)})
    return get_user(store, name)


def set_password(store: Store, name: str, password: str, *, settings: Settings | None = None) -> None:
    """Set a new password (checked against the policy); the user's browser sessions end."""
    get_user(store, name)
    check_password(password, user=name, min_length=(settings or Settings()).password_min_length)
    digest = hash_password(password)
    sql = sql_store(store)
    moment = to_text(now())
    with sql.transaction():
        sql.execute(
            "UPDATE mineaction_users SET password_hash = ?, password_changed_at = ? WHERE name = ?",
            (digest, moment, name),
        )
        sql.execute(
            "UPDATE mineaction_sessions SET ended_at = ? WHERE user_name = ? AND ended_at IS NULL",
            (moment, name),
        )
        audit(store, "password_change", f"user:{name}")


def _set_grants(store: Store, name: str, permission: str, *, add: bool) -> User:
    user = get_user(store, name)
    grantable = sorted({r.action for r in RULES if r.role == user.role and r.scope == "grant"})
    if add and permission not in grantable:
        hint = f"one of {', '.join(grantable)}" if grantable else "none: the role holds no grants"
        raise InputError(f"{permission!r} cannot be granted to a {user.role}; grantable: {hint}")
    grants = user.grants | {permission} if add else user.grants - {permission}
    sql = sql_store(store)
    with sql.transaction():
        sql.execute("UPDATE mineaction_users SET grants = ? WHERE name = ?", (grants_json(grants), name))
        audit(store, "grant" if add else "ungrant", f"user:{name}", {"permission": permission})
    return get_user(store, name)


def grant(store: Store, name: str, permission: str) -> User:
    """Give a user an explicit permission (an action whose rule for the user's role is ``grant``, such as
    ``read_personal``)."""
    return _set_grants(store, name, permission, add=True)


def ungrant(store: Store, name: str, permission: str) -> User:
    """Take an explicit permission away (its tokens lose it at their next use)."""
    return _set_grants(store, name, permission, add=False)


def disable_user(store: Store, name: str) -> User:
    """Disable a user: no login, every token revoked, every browser session ended (kept for the record)."""
    get_user(store, name)
    sql = sql_store(store)
    moment = to_text(now())
    with sql.transaction():
        sql.execute("UPDATE mineaction_users SET disabled_at = ? WHERE name = ?", (moment, name))
        sql.execute(
            "UPDATE mineaction_tokens SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL",
            (moment, name),
        )
        sql.execute(
            "UPDATE mineaction_sessions SET ended_at = ? WHERE user_name = ? AND ended_at IS NULL",
            (moment, name),
        )
        audit(store, "user_disable", f"user:{name}")
    return get_user(store, name)


def enable_user(store: Store, name: str) -> User:
    """Enable a disabled user again (revoked tokens stay revoked)."""
    get_user(store, name)
    sql = sql_store(store)
    with sql.transaction():
        sql.execute("UPDATE mineaction_users SET disabled_at = NULL WHERE name = ?", (name,))
        audit(store, "user_enable", f"user:{name}")
    return get_user(store, name)
