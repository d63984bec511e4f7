"""API tokens on every back end: shown once, stored hashed, expiring, revocable, scoped, shared between
processes."""

from __future__ import annotations

import pytest

from mineaction.access import (
    add_user,
    authenticate_token,
    disable_user,
    grant,
    issue_token,
    list_tokens,
    read_audit,
    revoke_token,
    revoke_user_tokens,
    set_role,
)
from mineaction.errors import InputError, NotAuthenticated
from mineaction.settings import Settings
from mineaction.store import open_store


def _raw_rows(store) -> str:
    """Every security table's content as text, to search for secrets."""
    tables = ("mineaction_tokens", "mineaction_users", "mineaction_audit", "mineaction_sessions")
    return repr([store.query(f"SELECT * FROM {t}") for t in tables])


def test_a_token_stands_for_its_user_role_and_organisation(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA")
    issued = issue_token(orgs, "olga", label="field tablet")
    assert issued.token.startswith(f"mineaction_{issued.token_id}_")
    assert issued.token not in repr(issued)
    principal = authenticate_token(orgs, issued.token)
    assert (principal.name, principal.role, principal.organisation) == ("olga", "operator", "OPA")
    assert principal.via == "token" and principal.token_id == issued.token_id
    secret = issued.token.removeprefix(f"mineaction_{issued.token_id}_")  # the secret may hold "_" itself
    assert secret not in _raw_rows(orgs)  # neither the token nor its secret is stored or logged
    [info] = list_tokens(orgs, user="olga")
    assert info.label == "field tablet" and info.last_used_at is not None


@pytest.mark.parametrize(
    "bad",
    ["", "Bearer x", "mineaction_000000000000_" + "A" * 43, "mineaction_abc", None, "x" * 10_000],
)
def test_unknown_or_malformed_tokens_get_one_message(orgs, bad) -> None:
    with pytest.raises(NotAuthenticated, match="the API token is not valid"):
        authenticate_token(orgs, bad)


def test_a_wrong_secret_for_a_real_id_is_refused(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA")
    issued = issue_token(orgs, "olga")
    forged = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    with pytest.raises(NotAuthenticated):
        authenticate_token(orgs, forged)


def test_expired_revoked_and_disabled_tokens_stop_working(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA")
    expiring, revoked, disabled = (issue_token(orgs, "olga", days=1) for _ in range(3))
    orgs.execute(
        "UPDATE mineaction_tokens SET expires_at = '2020-01-01T00:00:00.000Z' WHERE token_id = ?",
        (expiring.token_id,),
    )
    with pytest.raises(NotAuthenticated):
        authenticate_token(orgs, expiring.token)
    revoke_token(orgs, revoked.token_id)
    with pytest.raises(NotAuthenticated):
        authenticate_token(orgs, revoked.token)
    authenticate_token(orgs, disabled.token)
    disable_user(orgs, "olga")
    with pytest.raises(NotAuthenticated):
        authenticate_token(orgs, disabled.token)
    assert all(t.revoked_at for t in list_tokens(orgs) if t.token_id != expiring.token_id)


def test_tokens_are_scoped_and_follow_the_users_role(orgs) -> None:
    add_user(orgs, "vera", role="verifier", organisation="ANAMA")
    grant(orgs, "vera", "read_personal")
    reader = issue_token(orgs, "vera", role="viewer")
    full = issue_token(orgs, "vera", grants=("read_personal",))
    assert authenticate_token(orgs, reader.token).role == "viewer"
    assert authenticate_token(orgs, full.token).grants == {"read_personal"}
    assert authenticate_token(orgs, issue_token(orgs, "vera").token).grants == frozenset()
    with pytest.raises(InputError, match="cannot hold a token for role 'admin'"):
        issue_token(orgs, "vera", role="admin")
    with pytest.raises(InputError, match="out of range"):
        issue_token(orgs, "vera", days=0)
    set_role(orgs, "vera", "data_entry")  # demoted: the verifier token no longer works, the viewer one does
    with pytest.raises(NotAuthenticated):
        authenticate_token(orgs, full.token)
    assert authenticate_token(orgs, reader.token).role == "viewer"
    assert revoke_user_tokens(orgs, "vera") == 3


def test_token_use_is_audited_once_per_interval(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA")
    issued = issue_token(orgs, "olga")
    for _ in range(3):
        authenticate_token(orgs, issued.token)
    assert len(read_audit(orgs, action="token_use")) == 1
    for _ in range(2):
        authenticate_token(orgs, issued.token, settings=Settings(token_audit_minutes=0))
    assert len(read_audit(orgs, action="token_use")) == 3


def test_a_token_issued_in_one_process_works_in_another(orgs, store_url) -> None:
    if store_url == "memory://":
        pytest.skip("a memory store is private to its connection")
    add_user(orgs, "olga", role="operator", organisation="OPA")
    issued = issue_token(orgs, "olga")
    with open_store(store_url) as other:
        assert authenticate_token(other, issued.token).name == "olga"
        revoke_token(other, issued.token_id)
    with pytest.raises(NotAuthenticated):
        authenticate_token(orgs, issued.token)
