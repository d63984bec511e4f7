"""require and Principal: the rules decide, the public gets 401-type errors, others 403-type ones."""

from __future__ import annotations

import pytest

from mineaction.access import PUBLIC, Principal, local_principal, require
from mineaction.errors import ConfigError, NotAuthenticated, PermissionDenied


def test_public_may_read_public_kinds_only_and_is_asked_to_authenticate() -> None:
    require(PUBLIC, "read", "hazardous_areas")
    require(PUBLIC, "read_aggregate", "victims")
    with pytest.raises(NotAuthenticated, match="read finds needs an account"):
        require(PUBLIC, "read", "finds")
    with pytest.raises(NotAuthenticated):
        require(PUBLIC, "write", "hazardous_areas")


def test_operator_acts_on_its_own_organisation_only() -> None:
    op = Principal("olga", "operator", "OPA", via="token")
    require(op, "submit", "activities", organisation="OPA")
    require(op, "submit", "activities")  # the kind as a whole: the caller filters to its organisation
    assert op.organisations("review", "activities") == frozenset({"OPA"})
    with pytest.raises(PermissionDenied, match="of its own organisation only, not of OPB"):
        require(op, "submit", "activities", organisation="OPB")
    with pytest.raises(PermissionDenied, match=r"olga \(operator\) may not write activities"):
        require(op, "write", "activities", organisation="OPA")
    with pytest.raises(PermissionDenied):
        require(op, "read", "victims")


def test_personal_data_needs_an_explicit_grant() -> None:
    plain = Principal("vera", "verifier", "ANAMA")
    granted = Principal("vera", "verifier", "ANAMA", frozenset({"read_personal"}))
    with pytest.raises(PermissionDenied, match="without an explicit grant"):
        require(plain, "read_personal", "victims")
    require(granted, "read_personal", "victims")
    assert granted.organisations("read_personal", "victims") is None  # all organisations
    assert not granted.can("read_personal", "finds")


def test_unknown_actions_and_roles_are_refused() -> None:
    with pytest.raises(PermissionDenied, match="unknown action 'destroy'"):
        require(local_principal("root"), "destroy", "finds")
    with pytest.raises(ConfigError, match="unknown role"):
        local_principal("root", role="superuser")


def test_permissions_list_what_a_principal_may_do() -> None:
    viewer = Principal("dan", "viewer", "DON").to_dict()
    assert viewer["permissions"]["read"]["finds"] == "all"
    assert "victims" not in viewer["permissions"]["read"]
    assert "write" not in viewer["permissions"]
    assert PUBLIC.to_dict()["permissions"]["read"] == {
        k: "all"
        for k in ("admin_areas", "assets", "context_layers", "funding", "hazardous_areas", "operators")
    }
