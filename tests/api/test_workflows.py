"""REST for the workflows on a live server: the evidence endpoints answer the workflows' own JSON, and long
work runs as jobs kept in the store that a restarted server finishes; the patterns of the areas, and one area
in full with its residual map; the dashboard map's risk surface, candidates and hillshade."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from api_live import LiveServer, add_accounts

from mineaction.store import init_store, open_store
from mineaction.store.jobs import claim_job, load_job, submit_job


def test_evidence_endpoints_answer_the_workflows_json(
    served: LiveServer, client: httpx.Client, anonymous: httpx.Client
) -> None:
    import mineaction.workflows as workflows

    with open_store(served.store) as store:
        expected = workflows.to_jsonable(workflows.summarise_store(store).to_dict())
    assert client.get("/stats").json() == expected
    for path in ("/stats", "/records/assessment", "/alerts", "/quality"):
        assert anonymous.get(path).status_code == 401
        response = client.get(path)
        assert response.status_code == 200 and isinstance(response.json(), dict), path
    assert client.get("/stats", params={"x": "1"}).status_code == 400


@pytest.mark.slow
def test_jobs_are_records_that_outlive_the_server(tiny_store: Path, tmp_path: Path) -> None:
    url = str(tmp_path / "jobs.gpkg")
    init_store(url).close()
    with open_store(tiny_store) as source, open_store(url) as target:
        for kind in ("hazardous_areas", "assets", "accidents", "funding", "operators", "activities"):
            target.write(kind, source.read(kind), author="test", reason="copy")
    tokens = add_accounts(url)
    with open_store(url) as store:  # a job a stopped server had started: its lease has run out
        orphan = submit_job(store, "plan", {"years": 2, "time_limit_s": 5.0}, user="officer")
        assert claim_job(store, runner="gone:1", lease_s=0.0)["id"] == orphan["id"]
    server = LiveServer(url, tokens=tokens)
    try:
        officer = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['officer']}"}, timeout=60
        )
        viewer = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['analyst']}"}, timeout=60
        )
        assert viewer.post("/jobs/plan", json={"years": 2}).status_code == 403
        assert officer.post("/jobs/plan", json={"years": 500}).status_code == 400
        assert officer.post("/jobs/plan", json={"nonsense": 1}).status_code == 400
        assert officer.post("/jobs/nothing", json={}).status_code == 404
        accepted = officer.post("/jobs/plan", json={"years": 2, "time_limit_s": 5.0})
        assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
        location = accepted.headers["Location"]
        deadline = time.monotonic() + 300
        status = "queued"
        while time.monotonic() < deadline and status in ("queued", "running"):
            time.sleep(1)
            polled = officer.get(location)
            if polled.status_code == 503:  # the GeoPackage busy with a job's write: retry, as clients do
                continue
            assert polled.status_code == 200, polled.text
            status = polled.json()["status"]
        done = officer.get(location).json()
        assert done["status"] == "succeeded", done
        assert done["result"]["plan_id"] and done["submitted_by"] == "officer"
    finally:
        officer.close()
        viewer.close()
        server.stop()
    with open_store(url) as store:
        finished = load_job(store, orphan["id"])
        assert finished["status"] == "succeeded" and finished["result"]["plan_id"]
        assert store.list_documents("plans") == [finished["result"]["plan_id"]]  # the same problem: one plan


def test_saved_plans_are_listed(served: LiveServer, client: httpx.Client, anonymous: httpx.Client) -> None:
    from mineaction.workflows.plan import saved_plans

    with open_store(served.store) as store:
        from mineaction.workflows import to_jsonable

        expected = to_jsonable(saved_plans(store, latest=5))
    assert client.get("/plans", params={"latest": 5}).json()["plans"] == expected
    assert client.get("/plans", params={"latest": 0}).status_code == 400
    assert anonymous.get("/plans").status_code == 401


def test_people_endpoints_answer_the_workflows_json_and_keep_personal_data_back(
    served: LiveServer, client: httpx.Client, anonymous: httpx.Client
) -> None:
    import mineaction.workflows as workflows

    with open_store(served.store) as store:
        coverage = json.loads(json.dumps(workflows.risk_education(store).to_dict(), default=str))
        public = json.loads(json.dumps(workflows.survivor_assistance(store).to_dict(), default=str))
        details = store.read("survivor_needs", include_personal=True)["details"].dropna().tolist()
    assert client.get("/eore/coverage").json() == coverage
    assert anonymous.get("/eore/coverage").status_code == 401  # records about sessions: not public
    for who in (client, anonymous):  # aggregates are for everyone, in their public form
        answer = who.get("/survivors")
        assert answer.status_code == 200 and answer.json() == public
        assert answer.json()["public"] and answer.json()["open_over_a_year"] == []
        assert not any(d in answer.text for d in details)
    assert client.get("/survivors", params={"as_of": "30 June"}).status_code == 400
    needs = client.get("/eore/needs")
    assert needs.status_code in (200, 422)  # 422 when the store holds no saved plan
    assert anonymous.get("/eore/needs").status_code == 401
    from mineaction.access import grant, issue_token, revoke_token, ungrant

    with open_store(served.store) as store:  # a token that carries the personal-data grant
        grant(store, "officer", "read_personal")
        issued = issue_token(store, "officer", days=1, grants=("read_personal",))
        personal = json.loads(
            json.dumps(workflows.survivor_assistance(store, personal=True).to_dict(), default=str)
        )
    try:
        headers = {"Authorization": f"Bearer {issued.token}"}
        answer = httpx.get(f"{served.url}/survivors", headers=headers, timeout=60)
        assert answer.json() == personal and not answer.json()["public"]
        assert not any(d in answer.text for d in details)  # never medical details, even then
    finally:
        with open_store(served.store) as store:
            revoke_token(store, issued.token_id)
            ungrant(store, "officer", "read_personal")


def _finished(client: httpx.Client, location: str, *, within_s: float = 600) -> dict:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        polled = client.get(location)
        if polled.status_code == 200 and polled.json()["status"] not in ("queued", "running"):
            return dict(polled.json())
        time.sleep(1)
    raise AssertionError(f"{location} did not finish in {within_s} s")


@pytest.mark.slow
def test_risk_surface_and_report_jobs_give_files_to_download(tiny_store: Path, tmp_path: Path) -> None:
    import io
    import zipfile

    import numpy as np
    import rasterio

    url = str(tmp_path / "files.gpkg")
    init_store(url).close()
    with open_store(tiny_store) as source, open_store(url) as target:
        target.set_setting("simulated", True)
        for kind in ("hazardous_areas", "assets", "accidents", "victims", "finds", "activities", "funding"):
            target.write(kind, source.read(kind), author="test", reason="copy")
        target.write("minefield_records", source.read("minefield_records"), author="test", reason="copy")
    tokens = add_accounts(url)
    server = LiveServer(url, tokens=tokens)
    try:
        officer = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['officer']}"}, timeout=120
        )
        analyst = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['analyst']}"}, timeout=120
        )
        surface = _finished(
            officer, officer.post("/jobs/risk-surface", json={"cell_m": 500}).headers["Location"]
        )
        report = _finished(officer, officer.post("/jobs/report", json={}).headers["Location"])
        assert surface["status"] == report["status"] == "succeeded", (surface, report)
        tif_link = next(link["href"] for link in surface["links"] if link.get("title") == "risk.tif")
        tif = officer.get(tif_link)
        assert tif.status_code == 200 and tif.headers["content-type"].startswith("image/tiff")
        with rasterio.MemoryFile(tif.content) as memory, memory.open() as raster:
            values = raster.read(1)
            assert raster.crs.to_epsg() == 32638 and raster.res == (500.0, 500.0)
            assert raster.tags()["simulated"].startswith("yes")
            assert np.nanmax(np.where(values == raster.nodata, np.nan, values)) <= 1
        assert values.shape == (surface["result"]["rows"], surface["result"]["cols"])
        archive = officer.get(f"{server.url}/jobs/{report['id']}/files/report.zip")
        with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
            page = zipped.read("index.html").decode()
            assert "SIMULATED" in page and any(n.startswith("figures/") for n in zipped.namelist())
        assert analyst.get(tif_link).status_code == 403  # another user's job
        assert officer.get(f"{server.url}/jobs/{report['id']}/files/nothing.tif").status_code == 404
    finally:
        officer.close()
        analyst.close()
        server.stop()


def test_one_saved_plan_by_id(served: LiveServer, client: httpx.Client, anonymous: httpx.Client) -> None:
    from mineaction.plan import ClearancePlanner, plan_document, random_problem

    problem = random_problem(20, 2, seed=3, scale_to_nation=False)
    planner = ClearancePlanner(time_limit_s=5)
    doc = plan_document(problem, planner, planner.solve(problem))
    with open_store(served.store) as store:
        store.save_document("plans", doc["plan_id"], doc, author="test", reason="a plan to read back")
    plan_id = doc["plan_id"]
    found = client.get(f"/plans/{plan_id}")
    assert found.status_code == 200 and found.json()["plan_id"] == plan_id and "problem" not in found.json()
    assert client.get("/plans/PL-000000000000").status_code == 404
    assert anonymous.get(f"/plans/{plan_id}").status_code == 401


def test_writes_past_the_minute_limit_get_429_and_change_nothing(tmp_path: Path) -> None:
    url = str(tmp_path / "limits.gpkg")
    init_store(url).close()
    tokens = add_accounts(url)
    server = LiveServer(url, tokens=tokens, env={"MINEACTION_SERVER_WRITES_PER_MINUTE": "2"})
    try:
        headers = {"Authorization": f"Bearer {tokens['officer']}", "Content-Type": "application/json"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as officer:
            statuses = [officer.post("/jobs/plan", json={"years": 1}).status_code for _ in range(3)]
            assert statuses[:2] == [202, 202] and statuses[2] == 429
            refused = officer.post("/jobs/plan", json={"years": 1})
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60
            assert "most allowed is 2" in refused.json()["description"]
            assert len(officer.get("/jobs").json()["jobs"]) == 2
    finally:
        server.stop()


@pytest.mark.slow
def test_patterns_answer_the_workflows_json_and_one_area_its_map(
    served: LiveServer, client: httpx.Client, anonymous: httpx.Client
) -> None:
    import mineaction.workflows as workflows

    with open_store(served.store) as store:
        working = workflows.to_jsonable(workflows.analyse_patterns(store, status="in_progress").to_dict())
    assert client.get("/patterns", params={"status": "in_progress"}).json() == working
    flagged = next(a for a in working["areas"] if a["flagged"])
    answer = client.get(f"/patterns/{flagged['area']}", params={"grid": "true"})
    assert answer.status_code == 200, answer.text
    area = answer.json()["areas"][0]
    assert area["release"]["flagged"] and area["residual"]["expected_mines"] == flagged["expected_mines"]
    shown = area["residual"]["map"]
    assert len(shown["density_per_m2"]) == shown["shape"][0]
    densest = max(v for row in shown["density_per_m2"] for v in row if v is not None)
    assert 0 < densest <= 1.01 * shown["max_per_m2"]  # the map's maximum may lie outside the area
    assert client.get("/patterns/HA-999999").status_code == 404
    assert client.get("/patterns", params={"status": "gone"}).status_code == 400
    assert client.get(f"/patterns/{flagged['area']}", params={"grid": "yes"}).status_code == 400
    assert anonymous.get("/patterns").status_code == 401


def test_map_layers_risk_surface_candidates_and_hillshade(
    served: LiveServer, client: httpx.Client, anonymous: httpx.Client
) -> None:
    """The dashboard's computed layers: the risk surface and candidates for readers of the finds only, kept
    after the first request (the second is the same result, not computed again), the surface as a PNG of the
    grid's size; the hillshade where the store's DEM can be found (the GeoPackage's folder holds it; the
    PostGIS store names it by a path relative to a folder it does not have)."""
    import struct

    assert anonymous.get("/risk/layers").status_code == 401
    assert anonymous.get("/risk/layers/surface.png").status_code == 401
    first = client.get("/risk/layers")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["available"] and body["note"] == ""
    surface = body["surface"]
    assert surface["cell_m"] == 250 and len(surface["corners_lonlat"]) == 4
    assert [c["to"] for c in surface["legend"]][-1] == 1.0 and "probability" in surface["unit"]
    features = body["candidates_geojson"]["features"]
    assert len(features) == body["candidates"]["n_candidates"] > 0
    assert all(0 <= f["properties"]["mean_risk"] <= 1 for f in features)
    again = client.get("/risk/layers").json()
    if served.store.endswith(".gpkg"):  # PostGIS keeps nothing while another test's transaction is open
        assert again["computed_at"] == body["computed_at"] and again == body  # kept, not computed again
    assert again["candidates_geojson"] == body["candidates_geojson"]
    image = client.get(surface["image"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", image.content[16:24]) == (surface["cols"], surface["rows"])
    assert client.get("/risk/layers", params={"x": "1"}).status_code == 400
    shade = anonymous.get("/basemap/hillshade").json()  # the basemap is public
    assert shade["available"] is served.store.endswith(".gpkg")
    picture = anonymous.get("/basemap/hillshade.png")
    assert picture.status_code == (200 if shade["available"] else 404)
    if shade["available"]:
        assert struct.unpack(">II", picture.content[16:24]) == tuple(shade["shape"][::-1])
