"""OpenRosa on a live server: form list, form download, submissions kept once as reports, every refusal, and

approval into the national record (a real ``mineaction serve`` on 127.0.0.1, real httpx clients)."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from mineaction.access import authenticate_token
from mineaction.forms import FORMS
from mineaction.store import open_store
from mineaction.workflows import (
    FORM_FILES,
    FORM_SUBMISSIONS,
    MAX_ATTACHMENT_BYTES,
    approve_form_submission,
    approve_report,
    list_reports,
    show_report,
)

from .conftest import Field
from .filled import LAT, LON, accident, spot_report

pytestmark = pytest.mark.slow  # the forms' server (conftest.py): about 40 s to start on a loaded machine

PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF photo of a PMN-2" * 50
XF_LIST = "{http://openrosa.org/xforms/xformsList}"


def _kept(path: Path) -> tuple[list[str], list[str], int]:
    with open_store(path) as store:
        return store.list_documents(FORM_SUBMISSIONS), store.list_files(FORM_FILES), len(store.read("finds"))


def _post(client: httpx.Client, xml: bytes, files: dict[str, bytes] | None = None) -> httpx.Response:
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, data, "image/jpeg")) for name, data in (files or {}).items()]
    return client.post("/submission", files=parts, headers={"X-OpenRosa-Version": "1.0"})


def test_form_list_and_download_need_an_account(field: Field) -> None:
    with field.client(None) as anonymous:
        refused = anonymous.get("/formList")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Basic")
        assert refused.headers["X-OpenRosa-Version"] == "1.0"
    with field.client("field1") as client:
        listed = client.get("/formList")
        assert listed.status_code == 200 and listed.headers["X-OpenRosa-Version"] == "1.0"
        forms = {x.findtext(f"{XF_LIST}formID"): x for x in ET.fromstring(listed.content)}
        assert set(forms) == set(FORMS)
        spot = forms["eo_spot_report"]
        xform = client.get(spot.findtext(f"{XF_LIST}downloadUrl") or "")
        assert xform.status_code == 200
        assert spot.findtext(f"{XF_LIST}hash") == "md5:" + hashlib.md5(xform.content).hexdigest()
        head = client.head("/submission")
        assert head.status_code == 204 and int(head.headers["X-OpenRosa-Accept-Content-Length"]) > 0
    with field.client("viewer1") as viewer:  # may not submit anything: no form offered
        assert list(ET.fromstring(viewer.get("/formList").content)) == []
    with httpx.Client(base_url=field.server.url, auth=("officer", field.tokens["field1"])) as wrong:
        assert wrong.get("/formList").status_code == 401  # a token named for another user


@pytest.mark.parametrize(
    ("xml", "files", "status", "reason"),
    [
        (b"<not xml", {"pmn2.jpg": PHOTO}, 400, "not well-formed XML"),
        (spot_report().replace(b'"eo_spot_report"', b'"nope"'), {"pmn2.jpg": PHOTO}, 400, "not served"),
        (spot_report(version="1"), {"pmn2.jpg": PHOTO}, 400, "not the version served"),
        (spot_report(geometry=f"{LON + 100} {LAT} 0 0"), {"pmn2.jpg": PHOTO}, 400, "out of range"),
        (spot_report(found_on=""), {"pmn2.jpg": PHOTO}, 400, "found_on"),
        (spot_report(), {}, 400, "was not sent"),
        (spot_report(), {"pmn2.jpg": b"x" * (MAX_ATTACHMENT_BYTES + 1)}, 413, "over"),
    ],
    ids=["not-xml", "form-id", "version", "point", "required", "no-photo", "photo-too-big"],
)
def test_malformed_submissions_get_a_4xx_and_change_nothing(
    field: Field, xml: bytes, files: dict[str, bytes], status: int, reason: str
) -> None:
    before = _kept(field.store)
    with field.client() as client:
        answer = _post(client, xml, files)
    assert answer.status_code == status, answer.text
    assert reason in answer.text
    assert _kept(field.store) == before


def test_a_submission_is_kept_once_then_approved_into_the_record(field: Field) -> None:
    instance = "uuid:0b7c1d2e-1111-4c1a-9a51-6c9f4e2d0001"
    before = _kept(field.store)
    with field.client() as client:
        first = _post(client, spot_report(instance), {"pmn2.jpg": PHOTO})
        again = _post(client, spot_report(instance), {"pmn2.jpg": PHOTO})
    assert first.status_code == 201, first.text
    assert again.status_code == 202, again.text
    kept, files, finds = _kept(field.store)
    assert kept.count(instance) == 1 and files.count(f"{instance}/pmn2.jpg") == 1
    assert finds == before[2]  # nothing in the record before approval
    with open_store(field.store) as store:
        assert store.load_file(FORM_FILES, f"{instance}/pmn2.jpg").data == PHOTO
        kept = store.load_document(FORM_SUBMISSIONS, instance)
        officer = authenticate_token(store, field.tokens["officer"])
        report = show_report(store, officer, kept["report_id"]).report
        assert (report["status"], report["author"], report["organisation"]) == ("submitted", "field1", "HALO")
        assert (report["kind"], report["source_ref"], report["n_records"]) == ("finds", instance, 1)
        waiting = [r["id"] for r in list_reports(store, officer, status="submitted").reports]
        assert waiting.count(kept["report_id"]) == 1
        approved = approve_form_submission(store, officer, instance)
        [find_id] = approved["applied"]["finds"]
        find = store.get("finds", find_id)
        history = store.history("finds", find_id)
    assert (find["geometry"].x, find["geometry"].y) == (LON, LAT)
    assert (find["model"], find["owner_org"], find["source_doc"]) == ("PMN-2", "HALO", instance)
    assert list(history["author"]) == ["field1"] and "approved by officer" in history["reason"].iloc[0]


def test_an_accident_arrives_with_its_victims_linked(field: Field) -> None:
    instance = "uuid:0b7c1d2e-2222-4c1a-9a51-6c9f4e2d0002"
    with field.client() as client:
        assert _post(client, accident(instance)).status_code == 201
    with open_store(field.store) as store:
        kept = store.load_document(FORM_SUBMISSIONS, instance)
        assert all(r.get("name") is None for r in kept["repeats"]["victims"])  # personal data kept apart
        officer = authenticate_token(store, field.tokens["officer"])
        approve_report(store, officer, kept["report_id"])  # the general workflow applies the accident alone
        assert len(store.read("victims")) == 0
        applied = approve_form_submission(store, officer, instance)["applied"]  # then its victims follow
        victims = store.read("victims", include_personal=True).set_index("id").loc[applied["victims"]]
    [accident_id] = applied["accidents"]
    assert list(victims["accident"]) == [accident_id, accident_id]
    assert sorted(victims["name"].dropna()) == ["Test Person"]
