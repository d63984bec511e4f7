"""No output open to a caller without the personal-data permission holds a victim's personal data.

A store gets a survivor whose name, contact, date of birth and medical details are unique marker strings
(and a need and a service with marked notes). Every output a caller without ``read_personal`` can reach is
searched for them: the command line's export (every kind, each format), JSON answers and report, and every
GET of the server's OpenAPI document for the public, a donor's viewer and an operator's planner, with the
collections' items, features, tiles and the dashboard page. The export with ``--include-personal`` shows the
markers, so the search can find them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from api_live import LiveServer
from click.testing import CliRunner

from mineaction.access import add_organisation, add_user, issue_token
from mineaction.cli.main import cli
from mineaction.store import open_store

pytestmark = pytest.mark.slow  # one server start and a report

MARKERS = ("Zqxmarkova Ilhama", "+994-55-MARKER-0771", "1913-07-29", "MARKER-MEDICAL-QX", "MARKER-NOTE-QX")
CALLERS = {"viewer": ("vic", "DON"), "operator": ("olga", "OPA")}
WHO = {"author": "test", "reason": "personal data markers"}


def _seeded(people_store: str) -> str:
    """The people store with one more survivor whose personal fields are the markers."""
    with open_store(people_store) as store:
        victim = {
            "id": "VI-000203",
            "accident": "AC-000077",
            "age": 31,
            "sex": "female",
            "outcome": "injured",
        }
        personal = {"name": MARKERS[0], "contact": MARKERS[1], "date_of_birth": MARKERS[2]}
        store.write("victims", pd.DataFrame([{**victim, "victim_group": "civilian", **personal}]), **WHO)
        need = {"id": "SN-000903", "victim": "VI-000203", "need": "medical", "assessed_on": "2023-02-01"}
        store.write(
            "survivor_needs", pd.DataFrame([{**need, "status": "open", "details": MARKERS[3]}]), **WHO
        )
        service = {"id": "SV-000903", "victim": "VI-000203", "service_type": "medical", "provider": "Clinic"}
        extra = {"provided_on": "2023-02-10", "referral_status": "not_referred", "notes": MARKERS[4]}
        store.write("survivor_services", pd.DataFrame([{**service, **extra}]), **WHO)
    return people_store


def _found(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace").lower()
    return [marker for marker in MARKERS if marker.lower() in text]


def _files_found(out: Path) -> dict[str, list[str]]:
    """The markers in each file at ``out`` (a file, or a folder searched through)."""
    files = [out] if out.is_file() else [path for path in out.rglob("*") if path.is_file()]
    assert files, out
    hits = {path.name: _found(path.read_bytes()) for path in files}
    return {name: found for name, found in hits.items() if found}


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def marked(module_people_store: str) -> str:
    return _seeded(module_people_store)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv"])
def test_exports_leave_them_out_unless_asked(marked: str, tmp_path: Path, fmt: str) -> None:
    suffix = ".gpkg" if fmt == "gpkg" else ""  # one GeoPackage, or a folder of one file per kind
    _cli("export", marked, str(tmp_path / f"open{suffix}"), "--format", fmt)
    assert _files_found(tmp_path / f"open{suffix}") == {}
    _cli("export", marked, str(tmp_path / f"personal{suffix}"), "--format", fmt, "--include-personal")
    found = set().union(*_files_found(tmp_path / f"personal{suffix}").values())
    assert set(MARKERS[:3]) <= found  # the search sees what is there


def test_json_answers_and_the_report_leave_them_out(marked: str, tmp_path: Path) -> None:
    for command in (("survivors",), ("stats",), ("quality",), ("eore", "coverage"), ("records", "assess")):
        assert _found(_cli(*command, marked, "--json").encode()) == [], command
    _cli("report", marked, "--out", str(tmp_path / "report"))
    assert _files_found(tmp_path / "report") == {}


@pytest.fixture(scope="module")
def server(marked: str) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    with open_store(marked) as store:
        for code, kind in (("DON", "donor"), ("OPA", "operator")):
            add_organisation(store, code, kind=kind)
        tokens = {}
        for role, (user, organisation) in CALLERS.items():
            add_user(store, user, role=role, organisation=organisation)
            tokens[role] = issue_token(store, user, days=1).token
    live = LiveServer(marked, tokens=tokens)
    yield live, tokens
    live.stop()


def _reachable(client: httpx.Client) -> list[str]:
    """Every GET path of the OpenAPI document without a parameter, and each collection's items, one feature
    of it, its tiles and the dashboard page."""
    document = client.get("/api").json()
    paths = [p for p, ops in document["paths"].items() if "get" in ops and "{" not in p]
    for kind in (c["id"] for c in client.get("/collections").json()["collections"]):
        items = f"/collections/{kind}/items"
        paths += [f"{items}?limit=1000", f"{items}?limit=1000&f=html", f"{items}?limit=10&as_of=2030-01-01"]
        paths += [f"/collections/{kind}/tiles/WebMercatorQuad/{z}/0/0" for z in (0, 1)]
    return [*paths, "/collections/victims/items/VI-000203", "/survivors?personal=true", "/dashboard/"]


@pytest.mark.parametrize("caller", ["public", *CALLERS])
def test_no_server_answer_holds_them(server: tuple[LiveServer, dict[str, str]], caller: str) -> None:
    live, tokens = server
    headers = {"Authorization": f"Bearer {tokens[caller]}"} if caller in tokens else {}
    with httpx.Client(base_url=live.url, timeout=120, headers=headers) as client:
        paths = _reachable(client)
        answers = {path: client.get(path) for path in paths}
    assert sum(a.status_code == 200 for a in answers.values()) >= 20  # the search reached real answers
    assert not [a for a in answers.values() if a.status_code >= 500]
    leaks = {path: _found(a.content) for path, a in answers.items() if _found(a.content)}
    assert leaks == {}
