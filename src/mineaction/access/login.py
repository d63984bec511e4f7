"""Signing in with a password (and the second factor the role needs), throttled and locked out in the store.

``login`` checks, in this order: that neither the account nor the client address is locked out; the password
(argon2id; an unknown user costs the same time and gets the same answer as a wrong password); that the
account is active; and, for ``admin`` and ``verifier`` (``rules.SECOND_FACTOR_ROLES``), a TOTP or recovery
code. Every failure counts against the account (``user:NAME``) and the address (``address:IP``); after
``Settings.login_max_failures`` failures within ``login_lockout_minutes`` the account is locked for
``login_lockout_minutes``, doubling with each further lock-out (at most a day); an address gets four times
the failures first, so one office behind a shared address is not locked out by a single user. A success
clears the account's count. Counts live in the store, so every server process sees them.

``sign_in`` is ``login`` followed by ``sessions.create_session``: what a browser login endpoint calls.
"""

from __future__ import annotations

import math
from datetime import datetime

from mineaction.access._store import audit, from_text, later, now, parse_grants, sql_store, to_text
from mineaction.access.passwords import hash_password, needs_rehash, verify_password
from mineaction.access.principal import Principal
from mineaction.access.rules import SECOND_FACTOR_ROLES
from mineaction.access.sessions import NewSession, create_session
from mineaction.access.totp import check_second_factor
from mineaction.errors import NotAuthenticated, SecondFactorRequired, TooManyAttempts
from mineaction.settings import Settings
from mineaction.store import Store

__all__ = ["clear_lockout", "login", "sign_in"]

_WRONG = "wrong user name or password"
_ADDRESS_FACTOR = 4  # an address may fail this many times more often than one account
_MAX_LOCK_MINUTES = 24 * 60.0


def _subjects(name: str, address: str | None) -> list[tuple[str, int]]:
    """Throttled subjects of an attempt with their failure factor."""
    return [(f"user:{name}", 1), *([(f"address:{address}", _ADDRESS_FACTOR)] if address else [])]


def _check_locks(store: Store, subjects: list[tuple[str, int]], moment: datetime) -> None:
    sql = sql_store(store)
    for subject, _ in subjects:
        rows = sql.query("SELECT locked_until FROM mineaction_login_attempts WHERE subject = ?", [subject])
        if rows and rows[0][0] and from_text(rows[0][0]) > moment:
            wait = math.ceil((from_text(rows[0][0]) - moment).total_seconds())
            raise TooManyAttempts(
                f"too many failed logins; try again in {math.ceil(wait / 60)} minutes", retry_after_s=wait
            )


def _note_failure(store: Store, subject: str, factor: int, moment: datetime, settings: Settings) -> None:
    sql = sql_store(store)
    window = settings.login_lockout_minutes
    with sql.transaction():
        sql.execute(
            "INSERT INTO mineaction_login_attempts (subject, failures, first_failure_at) VALUES (?, 0, ?) "
            "ON CONFLICT (subject) DO NOTHING",
            (subject, to_text(moment)),
        )
        # The row lock taken here serialises concurrent failures of one subject across processes.
        sql.execute(
            "UPDATE mineaction_login_attempts SET failures = CASE WHEN first_failure_at < ? THEN 1 "
            "ELSE failures + 1 END, first_failure_at = CASE WHEN first_failure_at < ? THEN ? "
            "ELSE first_failure_at END WHERE subject = ?",
            (later(moment, minutes=-window), later(moment, minutes=-window), to_text(moment), subject),
        )
        failures, lockouts = sql.query(
            "SELECT failures, lockouts FROM mineaction_login_attempts WHERE subject = ?", [subject]
        )[0]
        if int(failures) < settings.login_max_failures * factor:
            return
        minutes = min(window * 2 ** int(lockouts), _MAX_LOCK_MINUTES)
        sql.execute(
            "UPDATE mineaction_login_attempts SET failures = 0, locked_until = ?, lockouts = lockouts + 1 "
            "WHERE subject = ?",
            (later(moment, minutes=minutes), subject),
        )
        audit(store, "lockout", subject, {"minutes": minutes, "failures": int(failures)})


def _fail(
    store: Store, name: str, address: str | None, reason: str, moment: datetime, settings: Settings
) -> NotAuthenticated:
    audit(store, "login_failed", f"user:{name}", {"reason": reason}, actor="public", address=address)
    for subject, factor in _subjects(name, address):
        _note_failure(store, subject, factor, moment, settings)
    return NotAuthenticated(_WRONG if reason != "second_factor" else "the second factor code is not valid")


def clear_lockout(store: Store, name: str) -> None:
    """Forget the failed logins and lock-out of an account (an administrator's decision; audited)."""
    sql = sql_store(store)
    with sql.transaction():
        sql.execute("DELETE FROM mineaction_login_attempts WHERE subject = ?", (f"user:{name}",))
        audit(store, "lockout", f"user:{name}", {"cleared": True})


def login(
    store: Store,
    name: str,
    password: str,
    *,
    second_factor: str | None = None,
    address: str | None = None,
    settings: Settings | None = None,
) -> Principal:
    """The principal of a successful password login, or an error (the same for any wrong name or password).

    Raises
    ------
    TooManyAttempts
        The account or the address is locked out (``retry_after_s`` says for how long).
    SecondFactorRequired
        The password was right, the role needs a second factor and none was given: ask for it and call again.
    NotAuthenticated
        Wrong name or password, a disabled account, a wrong second factor, or a role that needs a second
        factor from a user who has not enrolled one (an administrator enrols it: ``mineaction users totp``).
    """
    policy = settings or Settings()
    moment = now()
    _check_locks(store, _subjects(name, address), moment)
    sql = sql_store(store)
    rows = sql.query(
        "SELECT password_hash, role, organisation, grants, disabled_at, totp_enabled_at "
        "FROM mineaction_users WHERE name = ?",
        [name],
    )
    stored = rows[0][0] if rows else None
    if not verify_password(stored, password) or rows[0][4] is not None:
        raise _fail(store, name, address, "password", moment, policy)
    _, role, org, grants, _, totp_on = rows[0]
    second = False
    if role in SECOND_FACTOR_ROLES:
        if totp_on is None:
            raise NotAuthenticated(
                f"a {role} must sign in with a second factor and {name} has none; an administrator enrols "
                f"one with: mineaction users totp STORE {name}"
            )
        if not second_factor:
            raise SecondFactorRequired(
                "enter the 6-digit code of your authenticator app (or a recovery code)"
            )
        if not check_second_factor(store, name, second_factor):
            raise _fail(store, name, address, "second_factor", moment, policy)
        second = True
    _succeed(store, name, password, stored, address, second)
    return Principal(name, role, org, parse_grants(grants), via="password", second_factor=second)


def _succeed(
    store: Store, name: str, password: str, stored: str | None, address: str | None, second: bool
) -> None:
    sql = sql_store(store)
    with sql.transaction():
        sql.execute("DELETE FROM mineaction_login_attempts WHERE subject = ?", (f"user:{name}",))
        if stored is not None and needs_rehash(stored):  # parameters raised since: upgrade the hash
            sql.execute(
                "UPDATE mineaction_users SET password_hash = ? WHERE name = ?",
                (hash_password(password), name),
            )
        audit(store, "login", f"user:{name}", {"second_factor": second}, actor=name, address=address)


def sign_in(
    store: Store,
    name: str,
    password: str,
    *,
    second_factor: str | None = None,
    address: str | None = None,
    settings: Settings | None = None,
) -> NewSession:
    """``login``, then a browser session for the principal (set its cookie with ``session_cookie``)."""
    principal = login(store, name, password, second_factor=second_factor, address=address, settings=settings)
    return create_session(
        store, principal.name, second_factor=principal.second_factor, address=address, settings=settings
    )
