"""Passwords: argon2id hashing behind one interface, and the policy a new password must meet.

Hashes use argon2id with OWASP's recommended minimum cost (19 MiB of memory, 2 passes, 1 lane: about 0.1 to
0.2 s on one core), stored in the standard ``$argon2id$v=19$m=...`` form, which carries its own parameters
and salt; hashes made with other parameters still verify and are upgraded at the next login
(``needs_rehash``).

The policy follows OWASP ASVS 5.0 (V6.2): at least ``min_length`` characters (12 by default), at most 256,
any characters (spaces and Unicode included, no composition rules), not the user's name, and not one of the
most common passwords. Passwords are never logged or stored in clear.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mineaction.errors import InputError

__all__ = ["MAX_PASSWORD_LENGTH", "check_password", "hash_password", "needs_rehash", "verify_password"]

MAX_PASSWORD_LENGTH = 256
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# A dummy hash verified when a user does not exist, so that a wrong name takes as long as a wrong password.
_DUMMY = "$argon2id$v=19$m=19456,t=2,p=1$kJqGd8Lo9Eu4k6idGnMq0Q$gCyZAapjzOVZhV/+bOqhQk8B4HKK1SsVMOgGdQsszUw"

# The most used passwords in public breach corpora (and their obvious local variants); longer lists belong
# with the deployment, not in the code.
_COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwerty123456",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "administrator",
        "administrator1",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "mineaction123",
        "mineaction2024",
        "mineaction2025",
        "azerbaijan123",
        "azerbaijan2020",
        "karabakh2020",
        "baku12345678",
        "111111111111",
        "000000000000",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "abc123456789",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "trustno1trustno1",
    }
)


def _normalise(password: str) -> str:
    # NFKC so that the same password typed on different keyboards hashes the same (ASVS 6.2.x).
    return unicodedata.normalize("NFKC", password)


def check_password(password: str, *, user: str, min_length: int = 12) -> None:
    """Refuse a new password that does not meet the policy, saying which rule it breaks.

    Raises
    ------
    InputError
        Too short, too long, the user's name, or one of the most common passwords.
    """
    text = _normalise(password)
    if len(text) < min_length:
        raise InputError(
            f"the password is {len(text)} characters long; use at least {min_length} (a passphrase of "
            "several words is easy to remember)"
        )
    if len(text) > MAX_PASSWORD_LENGTH:
        raise InputError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters; use a shorter one")
    lowered = text.casefold()
    if user.casefold() in lowered and len(user) >= 3:
        raise InputError(f"the password contains the user name {user!r}; choose one that does not")
    if lowered in _COMMON or len(set(lowered)) <= 2:
        raise InputError("the password is one of the most common passwords; choose another")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (with a fresh random salt)."""
    return _HASHER.hash(_normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (a missing hash is checked against a dummy one, so that
    the time taken does not tell whether the user exists, and fails)."""
    try:
        ok = _HASHER.verify(stored_hash or _DUMMY, _normalise(password[: MAX_PASSWORD_LENGTH * 4]))
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (re-hash it after a login)."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
