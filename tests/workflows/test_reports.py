"""The approval workflow on every back end: a report goes submitted -> flagged -> returned -> resubmitted ->
approved and only then reaches the record (not before, not ``as_of`` before); nobody approves their own
report; an operator sees and changes only its own organisation's reports and records; a repeated
submission makes no second report; personal fields stay out of the report's readable part."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import geopandas as gpd
import pytest
import shapely

from mineaction.access import PUBLIC, Principal, read_audit, verify_audit
from mineaction.errors import InputError, NotAuthenticated, NotFoundError, PermissionDenied, ValidationError
from mineaction.store import open_store
from mineaction.workflows import (
    approve_report,
    flag_report,
    list_reports,
    resubmit_report,
    return_report,
    show_report,
    submit_report,
)

OLGA = Principal("olga", "operator", "OPA", via="token")
BOB = Principal("bob", "operator", "OPB", via="token")
VERA = Principal("vera", "verifier", "ANAMA", via="token")
VIC = Principal("vic", "verifier", "ANAMA", via="token")
DON = Principal("dora", "viewer", "DON", via="token")
MARKER = "Zyx-Personal-Marker-7q"


def _finds(*depths: float, at: tuple[float, float] = (46.9, 39.9)) -> gpd.GeoDataFrame:
    n = len(depths)
    return gpd.GeoDataFrame(
        {"category": ["AP"] * n, "found_on": [date(2024, 5, 1)] * n, "depth_cm": list(depths)},
        geometry=[shapely.Point(at[0] + 0.001 * i, at[1]) for i in range(n)],
        crs=4326,
    )


@pytest.fixture
def memory() -> object:
    store = open_store("memory://", create=True)
    yield store
    store.close()


def test_a_report_reaches_the_record_only_when_approved(store: object) -> None:
    twice = _finds(5.0).iloc[[0, 0]].reset_index(drop=True)  # the same find twice: the checks flag it
    sent = submit_report(store, OLGA, "finds", twice, source_ref="odk:1", reason="weekly")
    assert (sent.status, sent.n_records, sent.created) == ("flagged", 2, True)
    assert {f["check"] for f in sent.findings} >= {"duplicate geometry"}
    assert store.counts()["finds"] == 0  # nothing reaches the record before approval

    back = return_report(store, VERA, sent.report_id, reason="one find twice")
    assert (back.status, back.by) == ("returned", "vera")
    with pytest.raises(InputError, match="returned"):
        approve_report(store, VIC, sent.report_id)
    again = resubmit_report(store, OLGA, sent.report_id, _finds(5.0, 7.5))
    assert (again.report_id, again.status, again.findings) == (sent.report_id, "submitted", ())
    flagged = flag_report(store, VIC, sent.report_id, reason="depth of the second find?")
    assert flagged.status == "flagged"
    before = datetime.now(UTC)
    assert store.counts()["finds"] == 0

    done = approve_report(store, VERA, sent.report_id, reason="checked with the team leader")
    assert done.status == "approved" and len(done.inserted) == 2
    finds = store.read("finds")
    assert sorted(finds["depth_cm"]) == [5.0, 7.5] and set(finds["owner_org"]) == {"OPA"}
    assert store.read("finds", as_of=before).empty  # as_of before the approval does not show it
    history = store.history("finds", done.inserted[0])
    assert history["author"].tolist() == ["olga"]
    assert "approved by vera" in history["reason"][0] and sent.report_id in history["reason"][0]

    view = show_report(store, OLGA, sent.report_id)
    steps = [(s["action"], s["by"]) for s in view.report["steps"]]
    assert steps == [("submit", "olga"), ("return", "vera"), ("resubmit", "olga"), ("flag", "vic"),
                     ("approve", "vera")]  # fmt: skip
    assert view.versions == 5 and view.report["applied"]["inserted"] == list(done.inserted)
    actions = [(e.action, e.actor) for e in read_audit(store) if e.action != "document"]
    assert actions[-6:] == [("submit", "olga"), ("return", "vera"), ("submit", "olga"), ("flag", "vic"),
                            ("write", "vera"), ("approve", "vera")]  # fmt: skip
    assert verify_audit(store).ok
    with pytest.raises(InputError, match="approved"):
        return_report(store, VIC, sent.report_id, reason="too late")


def test_nobody_approves_their_own_report(memory: object) -> None:
    sent = submit_report(memory, VERA, "finds", _finds(4.0), source_ref=None)
    with pytest.raises(PermissionDenied, match="own report"):
        approve_report(memory, VERA, sent.report_id)
    assert memory.counts()["finds"] == 0
    assert approve_report(memory, VIC, sent.report_id).status == "approved"


def test_operators_keep_to_their_own_organisation(memory: object) -> None:
    sent = submit_report(memory, OLGA, "finds", _finds(3.0), source_ref="A-1")
    assert [r["id"] for r in list_reports(memory, BOB).reports] == []
    assert [r["id"] for r in list_reports(memory, VERA).reports] == [sent.report_id]
    with pytest.raises(NotFoundError):
        show_report(memory, BOB, sent.report_id)  # its existence does not leak
    with pytest.raises(NotFoundError):
        return_report(memory, BOB, sent.report_id, reason="not mine")
    with pytest.raises(PermissionDenied):
        approve_report(memory, OLGA, sent.report_id)  # operators do not decide
    with pytest.raises(PermissionDenied):
        submit_report(memory, BOB, "finds", _finds(1.0).assign(owner_org="OPA"), source_ref=None)
    found_id = approve_report(memory, VERA, sent.report_id).inserted[0]
    change = _finds(9.0).assign(id=found_id)
    with pytest.raises(PermissionDenied):  # another organisation's approved record
        submit_report(memory, BOB, "finds", change, source_ref=None)
    assert submit_report(memory, OLGA, "finds", change, source_ref=None).status == "submitted"
    with pytest.raises(PermissionDenied):
        list_reports(memory, DON)
    with pytest.raises(NotAuthenticated):
        list_reports(memory, PUBLIC)
    with pytest.raises(NotAuthenticated):
        submit_report(memory, PUBLIC, "finds", _finds(1.0), source_ref=None)


def test_a_repeated_submission_makes_no_second_report(memory: object) -> None:
    first = submit_report(memory, OLGA, "finds", _finds(2.0), source_ref="uuid:abc")
    again = submit_report(memory, OLGA, "finds", _finds(2.0), source_ref="uuid:abc")
    assert (again.report_id, again.created) == (first.report_id, False)
    with pytest.raises(InputError, match="other content"):
        submit_report(memory, OLGA, "finds", _finds(2.5), source_ref="uuid:abc")
    other = submit_report(memory, BOB, "finds", _finds(2.0), source_ref="uuid:abc")  # another organisation
    assert other.created and other.report_id != first.report_id
    assert len(list_reports(memory, VERA).reports) == 2


def test_refused_records_make_no_report(memory: object) -> None:
    wrong = _finds(1.0).assign(category="grenade-ish")
    with pytest.raises(ValidationError, match="row 1") as caught:
        submit_report(memory, OLGA, "finds", wrong, source_ref=None)
    assert caught.value.report.n_errors >= 1
    with pytest.raises(InputError, match="not a field"):
        submit_report(memory, OLGA, "finds", _finds(1.0).assign(colour="red"), source_ref=None)
    with pytest.raises(InputError, match="no record"):
        submit_report(memory, OLGA, "finds", _finds(1.0).iloc[:0], source_ref=None)
    with pytest.raises(InputError, match="no finds record"):
        submit_report(memory, OLGA, "finds", _finds(1.0).assign(id="EO-000099"), source_ref=None)
    with pytest.raises(InputError, match="reason"):
        return_report(memory, VERA, "RP-000001", reason=" ")
    assert list_reports(memory, VERA).reports == ()


def test_personal_fields_stay_out_of_the_readable_report(memory: object) -> None:
    clerk = Principal("cleo", "data_entry", "ANAMA", frozenset({"write_personal"}), via="token")
    reader = Principal("rita", "verifier", "ANAMA", frozenset({"read_personal"}), via="token")
    victims = gpd.pd.DataFrame(
        {"accident": ["AC-000001"], "outcome": ["injured"], "age": [30], "name": [MARKER]}
    )
    with pytest.raises(PermissionDenied):
        submit_report(memory, Principal("ed", "data_entry", "ANAMA", via="token"), "victims", victims,
                      source_ref=None)  # fmt: skip
    sent = submit_report(memory, clerk, "victims", victims, source_ref=None)
    stored = memory.query("SELECT payload FROM mineaction_documents WHERE collection = 'reports'")
    assert MARKER not in json.dumps(stored)
    assert MARKER not in json.dumps(show_report(memory, VERA, sent.report_id).to_dict())
    with pytest.raises(PermissionDenied):
        show_report(memory, VERA, sent.report_id, include_personal=True)
    shown = show_report(memory, reader, sent.report_id, include_personal=True)
    assert shown.personal_included and shown.report["records"][0]["name"] == MARKER
    assert [e.actor for e in read_audit(memory, action="read_personal")] == ["rita"]
    done = approve_report(memory, VERA, sent.report_id)
    assert memory.get("victims", done.inserted[0], include_personal=True)["name"] == MARKER
    assert memory.get("victims", done.inserted[0])["name"] is None
