"""acting_as and record: entries name the principal and address; the store's wall follows the write rules."""

from __future__ import annotations

import pandas as pd
import pytest

from mineaction.access import PUBLIC, Principal, acting_as, read_audit, record, verify_audit
from mineaction.access.audit import confinement
from mineaction.errors import PermissionDenied


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", None), ("verifier", None), ("data_entry", ""), ("operator", ""), ("viewer", "")],
)
def test_the_store_wall_follows_the_write_rules(role: str, expected: str | None) -> None:
    assert confinement(Principal("x", role, "ORG")) == expected
    assert confinement(PUBLIC) == ""


def test_entries_made_while_acting_name_the_principal_and_address(store) -> None:
    vera = Principal("vera", "verifier", "ANAMA", via="session")
    with acting_as(vera, address="192.0.2.10"):
        record(store, "approve", "report:RP-000001", {"records": 3})
        store.write(
            "operators", pd.DataFrame({"name": ["x"], "operator_kind": ["ngo"]}), author="vera", reason="r"
        )
    record(store, "login_failed", "user:ghost", principal=PUBLIC)
    approve, write, failed = read_audit(store)
    assert (approve.actor, approve.organisation, approve.origin) == ("vera", "ANAMA", "session 192.0.2.10")
    assert write.action == "write" and write.origin == "session 192.0.2.10"
    assert failed.actor == "public" and failed.origin is None
    assert verify_audit(store).ok
    with pytest.raises(ValueError, match="unknown audit action"):
        record(store, "frobnicate")


def test_a_viewer_acting_through_the_api_cannot_write_even_if_a_check_is_forgotten(store) -> None:
    with acting_as(Principal("dan", "viewer", "DON"), channel="api"), pytest.raises(PermissionDenied):
        store.write(
            "operators", pd.DataFrame({"name": ["x"], "operator_kind": ["ngo"]}), author="dan", reason="r"
        )


def test_personal_data_needs_the_grant_and_each_read_is_logged(store) -> None:
    from mineaction.access import get_personal, read_personal
    from mineaction.errors import NotAuthenticated

    victims = pd.DataFrame(
        {"accident": ["AC-000001"], "outcome": ["injured"], "name": ["SIMULATED-Huseynova"]}
    )
    vid = store.write("victims", victims, author="t", reason="r").inserted[0]
    plain = Principal("vera", "verifier", "ANAMA")
    granted = Principal("vera", "verifier", "ANAMA", frozenset({"read_personal"}))
    with pytest.raises(PermissionDenied, match="without an explicit grant"):
        read_personal(store, plain, "victims")
    with pytest.raises(NotAuthenticated):
        get_personal(store, PUBLIC, "victims", vid)
    with pytest.raises(PermissionDenied):
        read_personal(store, Principal("dan", "viewer", "DON"), "victims")
    assert read_personal(store, granted, "victims")["name"].tolist() == ["SIMULATED-Huseynova"]
    assert get_personal(store, granted, "victims", vid)["name"] == "SIMULATED-Huseynova"
    with acting_as(granted, address="192.0.2.5", channel="api"):
        read_personal(store, granted, "victims", ids=[vid])
    reads = read_audit(store, action="read_personal")
    assert [(e.actor, e.origin) for e in reads] == [
        ("vera", "anonymous"),
        ("vera", "anonymous"),
        ("vera", "api 192.0.2.5"),
    ]
