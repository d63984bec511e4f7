"""The second factor: TOTP (RFC 6238, the codes of any authenticator app) with one-time recovery codes.

Enrolment has two steps so that a mistyped secret never locks anyone out: ``begin_totp`` stores a new secret
(not yet required) and returns it with its ``otpauth://`` URI for the app; ``confirm_totp`` checks a first
code from the app, turns the factor on and returns ten recovery codes, shown once and kept only as SHA-256
hashes (each has 80 random bits). A code is accepted for the current 30-second step or the one either side
(clock drift), and each step only once (``totp_last_step``), so a code seen over a shoulder cannot be
replayed. A recovery code works once. The TOTP secret itself must be readable to check codes, so it is
stored as is: whoever can read the users table can read it (keep database access to administrators).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import pyotp

from mineaction.access._store import audit, now, sql_store, to_text
from mineaction.access.accounts import get_user
from mineaction.errors import InputError
from mineaction.store import Store

__all__ = [
    "RECOVERY_CODES",
    "TotpEnrolment",
    "begin_totp",
    "check_second_factor",
    "confirm_totp",
    "reset_totp",
]

RECOVERY_CODES = 10
_ISSUER = "mineaction"
_STEP_S = 30
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (i/l/1, o/0)


@dataclass(frozen=True)
class TotpEnrolment:
    """A new TOTP secret for ``user``: ``uri`` goes into an authenticator app (as text or a QR code)."""

    user: str
    secret: str
    uri: str

    def __repr__(self) -> str:
        return f"TotpEnrolment(user={self.user!r})"


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode("utf-8")).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))  # 16 x log2(31) = 79 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def begin_totp(store: Store, user: str) -> TotpEnrolment:
    """Store a new, not yet active TOTP secret for ``user`` and return it (the current factor, if any,
    stays in force until ``confirm_totp``)."""
    get_user(store, user)
    secret = pyotp.random_base32(32)
    sql = sql_store(store)
    with sql.transaction():
        sql.execute("UPDATE mineaction_users SET totp_secret = ? WHERE name = ?", (f"pending:{secret}", user))
    uri = pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name=_ISSUER)
    return TotpEnrolment(user, secret, uri)


def _matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step (of now or one either side) whose code is ``code``, or None."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(at // _STEP_S)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * _STEP_S), code):
            return step
    return None


def confirm_totp(store: Store, user: str, code: str) -> list[str]:
    """Turn on the pending secret of ``user`` after checking a first ``code`` from the app; returns the new
    recovery codes (show them once). InputError when nothing is pending or the code is wrong."""
    sql = sql_store(store)
    rows = sql.query("SELECT totp_secret FROM mineaction_users WHERE name = ?", [user])
    pending = rows[0][0] if rows else None
    if not pending or not str(pending).startswith("pending:"):
        raise InputError(f"no second factor is being enrolled for {user!r}; start with begin_totp")
    secret = str(pending).split(":", 1)[1]
    step = _matching_step(secret, code.strip(), time.time())
    if step is None:
        raise InputError("the code does not match; check the app's clock and type the code it shows now")
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    with sql.transaction():
        sql.execute(
            "UPDATE mineaction_users SET totp_secret = ?, totp_enabled_at = ?, totp_last_step = ?, "
            "recovery_codes = ? WHERE name = ?",
            (secret, to_text(now()), step, json.dumps([_digest(c) for c in codes]), user),
        )
        audit(store, "totp_enrol", f"user:{user}", {"recovery_codes": RECOVERY_CODES})
    return codes


def reset_totp(store: Store, user: str) -> None:
    """Remove the second factor of ``user`` (who must enrol again before signing in, if the role needs
    one)."""
    get_user(store, user)
    sql = sql_store(store)
    with sql.transaction():
        sql.execute(
            "UPDATE mineaction_users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, "
            "recovery_codes = NULL WHERE name = ?",
            (user,),
        )
        audit(store, "totp_enrol", f"user:{user}", {"reset": True})


def check_second_factor(store: Store, user: str, code: str) -> bool:
    """Whether ``code`` (a TOTP code, or an unused recovery code) is a valid second factor for ``user``
    now; a TOTP step or a recovery code that passes is used up, so it never passes twice."""
    sql = sql_store(store)
    rows = sql.query(
        "SELECT totp_secret, totp_enabled_at, recovery_codes FROM mineaction_users WHERE name = ?", [user]
    )
    if not rows or rows[0][1] is None or not code:
        return False
    secret, _, stored_codes = rows[0]
    text = code.strip()
    step = _matching_step(str(secret), text, time.time())
    if step is not None:
        with sql.transaction():  # only a step later than the last one used: no replay, even concurrently
            cursor = sql.execute(
                "UPDATE mineaction_users SET totp_last_step = ? WHERE name = ? "
                "AND (totp_last_step IS NULL OR totp_last_step < ?)",
                (step, user, step),
            )
        return bool(cursor.rowcount)
    return _use_recovery_code(store, user, text, stored_codes)


def _use_recovery_code(store: Store, user: str, code: str, stored: str | None) -> bool:
    hashes = json.loads(stored) if stored else []
    digest = _digest(code)
    if not any(hmac.compare_digest(digest, h) for h in hashes):
        return False
    left = [h for h in hashes if h != digest]
    sql = sql_store(store)
    with sql.transaction():
        cursor = sql.execute(  # compare-and-set: a code raced by two logins passes once
            "UPDATE mineaction_users SET recovery_codes = ? WHERE name = ? AND recovery_codes = ?",
            (json.dumps(left), user, stored),
        )
        if cursor.rowcount:
            audit(store, "recovery_code_used", f"user:{user}", {"left": len(left)}, actor=user)
    return bool(cursor.rowcount)
