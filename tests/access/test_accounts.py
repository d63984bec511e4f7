"""Organisations and users in the store, on every back end: roles fit the organisation's kind, changes are
audited, and password hashes never leave through the listings."""

from __future__ import annotations

import pytest

from mineaction.access import (
    add_organisation,
    add_user,
    disable_user,
    enable_user,
    get_user,
    grant,
    list_organisations,
    list_users,
    read_audit,
    set_role,
    ungrant,
)
from mineaction.errors import InputError, NotFoundError


def test_users_belong_to_organisations_whose_kind_allows_their_role(orgs) -> None:
    add_user(orgs, "vera", role="verifier", organisation="ANAMA", password="mountain river 2025 spring")
    add_user(orgs, "olga", role="operator", organisation="OPA")
    add_user(orgs, "dan", role="viewer", organisation="DON")
    with pytest.raises(InputError, match="role 'verifier' is for users of authority organisations"):
        add_user(orgs, "otto", role="verifier", organisation="OPA")
    with pytest.raises(InputError, match="role 'public'"):
        add_user(orgs, "pub", role="public", organisation="DON")
    with pytest.raises(NotFoundError, match="no organisation 'NOPE'; add it first"):
        add_user(orgs, "nobody", role="viewer", organisation="NOPE")
    with pytest.raises(InputError, match="exists already"):
        add_user(orgs, "olga", role="viewer", organisation="OPA")
    with pytest.raises(InputError, match="user name"):
        add_user(orgs, "bad name; drop", role="viewer", organisation="OPA")
    users = {u.name: u for u in list_users(orgs)}
    assert sorted(users) == ["dan", "olga", "vera"]
    assert users["vera"].has_password and not users["olga"].has_password
    assert "password_hash" not in users["vera"].to_dict()
    assert [u.name for u in list_users(orgs, organisation="OPA")] == ["olga"]


def test_organisations_are_unique_and_of_a_known_kind(orgs) -> None:
    assert [o.code for o in list_organisations(orgs)] == ["ANAMA", "DON", "OPA", "OPB"]
    with pytest.raises(InputError, match="exists already"):
        add_organisation(orgs, "OPA", kind="operator")
    with pytest.raises(InputError, match="use one of authority, operator, donor, other"):
        add_organisation(orgs, "UN", kind="agency")


def test_role_changes_and_grants_are_audited(orgs) -> None:
    add_user(orgs, "vera", role="verifier", organisation="ANAMA")
    assert grant(orgs, "vera", "read_personal").grants == {"read_personal"}
    with pytest.raises(InputError, match="cannot be granted to a verifier"):
        grant(orgs, "vera", "manage_users")
    demoted = set_role(orgs, "vera", "viewer")
    assert demoted.role == "viewer" and demoted.grants == frozenset()  # a viewer cannot hold it
    assert ungrant(orgs, "vera", "read_personal").grants == frozenset()
    actions = [(e.action, e.target) for e in read_audit(orgs)]
    assert ("grant", "user:vera") in actions
    change = next(e for e in read_audit(orgs, action="role_change"))
    assert change.to_dict()["detail"] == {
        "from": ["verifier", "ANAMA"],
        "to": ["viewer", "ANAMA"],
        "grants_dropped": ["read_personal"],
    }


def test_disable_and_enable(orgs) -> None:
    add_user(orgs, "olga", role="operator", organisation="OPA")
    assert not disable_user(orgs, "olga").active
    assert enable_user(orgs, "olga").active
    with pytest.raises(NotFoundError, match="no user 'ghost'"):
        get_user(orgs, "ghost")
