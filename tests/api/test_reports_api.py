"""The approval workflow over HTTP, against a real server: operators submit GeoJSON features as reports, a
verifier returns and approves them, and only then do they appear in the collections; the public gets 401,
a viewer 403, another operator 404; bad bodies get one clear 4xx; the audit log names who and from where."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_live import LiveServer

from mineaction.access import add_organisation, add_user, issue_token, read_audit, verify_audit
from mineaction.store import init_store, open_store

USERS = {
    "olga": ("operator", "OPA"),
    "bob": ("operator", "OPB"),
    "officer": ("verifier", "ANAMA"),
    "analyst": ("viewer", "ANAMA"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = str(tmp_path_factory.mktemp("reports") / "reports.gpkg")
    with init_store(path) as store:
        for code, kind in (("ANAMA", "authority"), ("OPA", "operator"), ("OPB", "operator")):
            add_organisation(store, code, kind=kind)
        for name, (role, org) in USERS.items():
            add_user(store, name, role=role, organisation=org)
        tokens = {name: issue_token(store, name, days=1).token for name in USERS}
    live = LiveServer(path, tokens=tokens)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def clients(server: LiveServer) -> Iterator[dict[str | None, httpx.Client]]:
    """A client for each user (and None for the public), closed at the end."""
    made: dict[str | None, httpx.Client] = {}
    for user in (None, *USERS):
        headers = {"Authorization": f"Bearer {server.tokens[user]}"} if user else {}
        made[user] = httpx.Client(base_url=server.url, timeout=60, headers=headers)
    yield made
    for client in made.values():
        client.close()


def _features(*depths: float) -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [46.9, 39.9]},
            "properties": {"category": "AP", "found_on": "2024-05-01", "depth_cm": d},
        }
        for d in depths
    ]


@pytest.mark.slow  # the first submission imports the workflows in the server (about 15 s on a loaded machine)
def test_a_report_is_submitted_returned_resubmitted_and_approved(
    server: LiveServer, clients: dict[str | None, httpx.Client]
) -> None:
    olga, bob, officer, analyst = (clients[u] for u in ("olga", "bob", "officer", "analyst"))
    body = {"kind": "finds", "source_ref": "odk:uuid-1", "features": _features(4.0, 4.0)}
    sent = olga.post("/reports", json=body)
    assert sent.status_code == 201, sent.text
    report = sent.json()
    assert report["status"] == "flagged" and sent.headers["location"].endswith(report["report_id"])
    assert olga.post("/reports", json=body).status_code == 200  # the same submission again
    url = f"/reports/{report['report_id']}"

    assert bob.get(url).status_code == 404 and bob.get("/reports").json()["reports"] == []
    assert analyst.get("/reports").status_code == 403
    assert olga.post(f"{url}/approve", json={}).status_code == 403
    assert officer.post(f"{url}/return", json={}).status_code == 400  # a return needs its reason
    returned = officer.post(f"{url}/return", json={"reason": "one find twice"})
    assert returned.json()["status"] == "returned"
    again = olga.post(f"{url}/resubmit", json={"features": _features(4.0), "reason": "fixed"})
    assert again.json()["status"] == "submitted", again.text
    assert analyst.get("/collections/finds/items").json()["numberMatched"] == 0

    approved = officer.post(f"{url}/approve", json={"reason": "checked"})
    assert approved.status_code == 200 and len(approved.json()["inserted"]) == 1
    items = analyst.get("/collections/finds/items").json()
    assert items["numberMatched"] == 1 and items["features"][0]["properties"]["owner_org"] == "OPA"
    steps = [s["action"] for s in olga.get(url).json()["report"]["steps"]]
    assert steps == ["submit", "return", "resubmit", "approve"]
    with open_store(server.store) as store:
        mine = [e for e in read_audit(store) if e.target == f"report:{report['report_id']}"]
        assert [(e.action, e.actor) for e in mine][-1] == ("approve", "officer")
        assert all(e.origin == "api 127.0.0.1" for e in mine)
        assert verify_audit(store).ok


def test_the_public_and_bad_bodies_are_refused(clients: dict[str | None, httpx.Client]) -> None:
    anonymous, olga = clients[None], clients["olga"]
    assert anonymous.get("/reports").status_code == 401
    assert anonymous.get("/reports/RP-000001").status_code == 401
    assert anonymous.post("/reports", json={"kind": "finds", "features": _features(1.0)}).status_code == 401
    for decision in ("approve", "return", "flag", "resubmit"):
        assert anonymous.post(f"/reports/RP-000001/{decision}", json={}).status_code == 401
    bad = {
        "features not a list": ({"kind": "finds", "features": {"a": 1}}, 400),
        "unknown member": ({"kind": "finds", "features": [], "colour": "red"}, 400),
        "unknown kind": ({"kind": "bananas", "features": _features(1.0)}, 400),
        "no record": ({"kind": "finds", "features": []}, 400),
        "refused record": ({"kind": "finds", "features": _features(-3.0)}, 422),
    }
    for what, (body, status) in bad.items():
        answer = olga.post("/reports", json=body)
        assert answer.status_code == status, (what, answer.text)
        assert answer.json()["description"], what
    typed = olga.post("/reports", content=b"kind=finds", headers={"content-type": "text/plain"})
    assert typed.status_code == 415
    assert olga.get("/reports", params={"status": "lost"}).status_code == 400
    assert olga.get("/reports/RP-999999").status_code == 404


def test_every_answer_carries_the_security_headers(clients: dict[str | None, httpx.Client]) -> None:
    for client, private in ((clients["olga"], True), (clients[None], False)):
        for path in ("/reports", "/conformance", "/collections/nothing"):
            headers = client.get(path).headers
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
            assert ("no-store" in headers.get("cache-control", "")) is private, path
            assert "access-control-allow-origin" not in headers  # CORS closed
