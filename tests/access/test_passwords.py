"""Passwords: argon2id hashes that verify, a policy that names the rule broken, no clear text kept."""

from __future__ import annotations

import pytest

from mineaction.access.passwords import check_password, hash_password, needs_rehash, verify_password
from mineaction.errors import InputError


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")  # no account: fails, after a dummy check
    assert not verify_password("not a hash", "x")
    assert not needs_rehash(first)


def test_the_same_password_typed_in_another_unicode_form_verifies() -> None:
    stored = hash_password("Ca\u0301rdenas-mine-2025")  # a + combining accent
    assert verify_password(stored, "C\u00e1rdenas-mine-2025")  # precomposed


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "5 characters long; use at least 12"),
        ("x" * 300, "longer than 256"),
        ("my name is ana.smith really", "contains the user name"),
        ("password1234", "most common"),
        ("aaaaaaaaaaaaaaaa", "most common"),
    ],
)
def test_policy_names_the_rule_broken(password: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_password(password, user="ana.smith")


def test_a_long_passphrase_with_spaces_and_unicode_is_accepted() -> None:
    check_password("Şuşa dağları çox gözəldir", user="ana")
