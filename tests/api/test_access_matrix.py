"""Every cell of the role x endpoint x organisation matrix, against a real server on each back end.

Six callers (the public, and an admin, a verifier, a data-entry clerk, an operator's planner and a donor's
viewer, each with an API token) ask every endpoint family: reads of public, national and personal kinds,
direct writes (POST, PATCH, DELETE) on another organisation's records, reports of their own and of another
organisation, a verifier's decision, workflow results and jobs. Each cell says the status the access rules
give (docs/access.md): allowed 2xx, the public 401, others 403, or 404 where a report's existence must not
leak. Records and reports acted on belong to a third organisation (OPB), so "another organisation's records
are never writable" is checked in every write cell.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import httpx
import psycopg
import pytest
import shapely
from api_live import LiveServer

from mineaction.access import Principal, add_organisation, add_user, issue_token, read_audit, verify_audit
from mineaction.domain.validate import validate_frame
from mineaction.store import init_store, open_store
from mineaction.workflows import submit_report

pytestmark = pytest.mark.slow  # one server per back end

ROLES = ("public", "admin", "verifier", "data_entry", "operator", "viewer")
USERS = {  # role: (user, organisation)
    "admin": ("ada", "ANAMA"),
    "verifier": ("vera", "ANAMA"),
    "data_entry": ("dee", "OPA"),
    "operator": ("olga", "OPA"),
    "viewer": ("vic", "DON"),
}
OTHER = Principal("bob", "operator", "OPB", via="token")  # owns every record and report acted on


@dataclass(frozen=True)
class Cell:
    """One endpoint: its method, its path (``{target}`` filled per role), its body, the status per role."""

    name: str
    method: str
    path: str
    expected: dict[str, int]
    body: Callable[[str, dict[str, Any]], Any] | None = None


def _rule(allowed: tuple[str, ...], ok: int, *, others: int = 403, public: int = 401) -> dict[str, int]:
    return {r: ok if r in allowed else (public if r == "public" else others) for r in ROLES}


EVERYONE = ROLES[1:]
DECIDERS = ("admin", "verifier")
SUBMITTERS = ("admin", "verifier", "data_entry", "operator")


def _point(i: int) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [46.9 + 0.0001 * i, 39.9]}


def _feature(role: str, ids: dict[str, Any]) -> dict[str, Any]:
    depth = 10.0 + ROLES.index(role)
    props = {"category": "AT", "found_on": "2024-06-01", "depth_cm": depth}
    return {"type": "Feature", "geometry": _point(ROLES.index(role)), "properties": props}


def _report(owner: str | None = None, record: bool = False) -> Callable[[str, dict[str, Any]], Any]:
    def body(role: str, ids: dict[str, Any]) -> dict[str, Any]:
        feature = _feature(role, ids)
        if owner:
            feature["properties"]["owner_org"] = owner
        if record:
            feature["id"] = ids["base"]
        return {"kind": "finds", "source_ref": f"matrix-{role}-{owner}-{record}", "features": [feature]}

    return body


CELLS = (
    Cell("landing", "GET", "/", _rule(ROLES, 200, public=200)),
    Cell("public kind", "GET", "/collections/hazardous_areas/items", _rule(ROLES, 200, public=200)),
    Cell("national kind", "GET", "/collections/finds/items", _rule(EVERYONE, 200)),
    Cell("one record", "GET", "/collections/finds/items/{base}", _rule(EVERYONE, 200)),
    Cell("personal kind", "GET", "/collections/victims/items", _rule(DECIDERS, 200)),
    Cell("create", "POST", "/collections/finds/items", _rule(DECIDERS, 201), _feature),
    Cell(
        "update other's",
        "PATCH",
        "/collections/finds/items/{patch}",
        _rule(DECIDERS, 204),
        lambda r, i: {"properties": {"depth_cm": 42.0}},
    ),  # fmt: skip
    Cell("delete other's", "DELETE", "/collections/finds/items/{delete}", _rule(DECIDERS, 204)),
    Cell("statistics", "GET", "/stats", _rule(EVERYONE, 200)),
    Cell("survivors' aggregates", "GET", "/survivors", _rule(ROLES, 200, public=200)),
    Cell("plans", "GET", "/plans", _rule(EVERYONE, 200)),
    Cell("list reports", "GET", "/reports", _rule(SUBMITTERS, 200)),
    Cell("submit own", "POST", "/reports", _rule(SUBMITTERS, 201), _report()),
    Cell("submit for other org", "POST", "/reports", _rule(DECIDERS, 201), _report(owner="OPB")),
    Cell("change other's record", "POST", "/reports", _rule(DECIDERS, 201), _report(record=True)),
    Cell("other org's report", "GET", "/reports/{other_report}", _rule(DECIDERS, 200, others=404)),
    Cell("approve", "POST", "/reports/{report}/approve", _rule(DECIDERS, 200), lambda r, i: {}),
    Cell("return", "POST", "/reports/{returned}/return", _rule(DECIDERS, 200), lambda r, i: {"reason": "x"}),
    Cell("start a job", "POST", "/jobs/plan", _rule(DECIDERS, 0), lambda r, i: {}),
)


def _finds(n: int, offset: int) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"category": ["AP"] * n, "found_on": [date(2024, 5, 1)] * n, "depth_cm": [5.0] * n},
        geometry=[shapely.Point(46.5 + 0.001 * (offset + i), 39.5) for i in range(n)],
        crs=4326,
    ).assign(owner_org="OPB")
    return validate_frame(frame, "finds").frame


def _prepare(url: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Organisations, users and tokens; OPB's records and reports each role acts on."""
    with open_store(url) as store:
        for code, kind in (
            ("ANAMA", "authority"),
            ("OPA", "operator"),
            ("OPB", "operator"),
            ("DON", "donor"),
        ):
            add_organisation(store, code, kind=kind)
        for role, (name, org) in {**USERS, "other": ("bob", "OPB")}.items():
            add_user(store, name, role="operator" if role == "other" else role, organisation=org)
        tokens = {role: issue_token(store, name, days=1).token for role, (name, _) in USERS.items()}
        written = store.write("finds", _finds(1 + 2 * len(ROLES), 0), author="bob", reason="OPB's finds")
        found = list(written.inserted)
        box = shapely.box(46.5, 39.5, 46.6, 39.6)
        area = gpd.GeoDataFrame({"hazard_kind": ["SHA"], "status": ["open"]}, geometry=[box], crs=4326)
        store.write("hazardous_areas", validate_frame(area, "hazardous_areas").frame, author="t", reason="t")
        reports = [
            submit_report(store, OTHER, "finds", _finds(1, 100 + i), source_ref=f"opb-{i}").report_id
            for i in range(2 * len(ROLES) + 1)
        ]
    ids = {
        role: {
            "base": found[0],
            "patch": found[1 + i],
            "delete": found[1 + len(ROLES) + i],
            "report": reports[i],
            "returned": reports[len(ROLES) + i],
            "other_report": reports[-1],
        }
        for i, role in enumerate(ROLES)
    }
    return tokens, ids


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, httpx.Client], dict[str, dict[str, Any]], str]]:
    database = None
    if request.param == "gpkg":
        url = str(tmp_path_factory.mktemp("matrix") / "matrix.gpkg")
        init_store(url).close()
    else:
        url, database = _database(request)
    tokens, ids = _prepare(url)
    server = LiveServer(url, tokens=tokens)
    clients = {
        role: httpx.Client(
            base_url=server.url,
            timeout=60,
            headers={"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {},
        )
        for role in ROLES
    }
    yield clients, ids, url
    for client in clients.values():
        client.close()
    server.stop()
    if database is not None:
        with psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _database(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A PostGIS database of this module's own, from the session's template: its URL and name."""
    admin = request.getfixturevalue("postgres_url")
    name = f"matrix_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {request.getfixturevalue('postgis_template')}")
    return f"{admin.rpartition('/')[0]}/{name}", name


@pytest.mark.parametrize("cell", CELLS, ids=[c.name for c in CELLS])
def test_every_role_gets_what_the_rules_say(
    cell: Cell, matrix: tuple[dict[str, httpx.Client], dict[str, dict[str, Any]], str]
) -> None:
    clients, ids, _ = matrix
    wrong = {}
    for role in ROLES:
        wanted = cell.expected[role]
        if wanted == 0:
            continue  # an allowed job would start real work; its refusals are the cells checked
        body = cell.body(role, ids[role]) if cell.body else None
        answer = clients[role].request(cell.method, cell.path.format(**ids[role]), json=body)
        if answer.status_code != wanted:
            wrong[role] = (answer.status_code, wanted, answer.text[:160])
    assert not wrong, f"{cell.method} {cell.path}: (got, wanted) by role: {wrong}"


def test_the_matrix_writes_are_audited_with_who_and_from_where(
    matrix: tuple[dict[str, httpx.Client], dict[str, dict[str, Any]], str],
) -> None:
    clients, _, url = matrix
    feature = {**_feature("admin", {}), "geometry": _point(99)}
    made = clients["admin"].post("/collections/finds/items", json=feature)
    assert made.status_code == 201, made.text
    gone = clients["verifier"].delete(made.headers["location"].replace(str(clients["admin"].base_url), ""))
    assert gone.status_code == 204, gone.text
    with open_store(url) as store:
        entries = [e for e in read_audit(store, limit=None) if e.origin == "api 127.0.0.1"]
        writers = {(e.action, e.actor, e.organisation) for e in entries if e.action in ("write", "delete")}
        assert {("write", "ada", "ANAMA"), ("delete", "vera", "ANAMA")} <= writers
        assert {e.actor for e in entries if e.action in ("write", "delete")} <= {"ada", "vera"}
        assert verify_audit(store).ok
