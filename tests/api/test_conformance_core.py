"""OGC API Features Part 1 (core, geojson, html, oas30): one test per abstract test, named by its id
(``/conf/core/root-op`` is ``test_conf_core_root_op``), against a live server on each back end."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
import shapely
from lxml import html as lxml_html

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
POINTS, AREAS = "finds", "hazardous_areas"


def _links(doc: dict, rel: str) -> list[dict]:
    return [link for link in doc["links"] if link["rel"] == rel]


def _check_links(doc: dict) -> None:
    assert all("rel" in link and "type" in link for link in doc["links"])
    assert _links(doc, "self") and _links(doc, "alternate")


def _collections(client: httpx.Client) -> list[dict]:
    return client.get("/collections").json()["collections"]


def _bbox(client: httpx.Client, kind: str) -> list[float]:
    return client.get(f"/collections/{kind}").json()["extent"]["spatial"]["bbox"][0]


def test_conf_core_http(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.http_version == "HTTP/1.1" and response.status_code == 200


def test_conf_core_crs84(client: httpx.Client) -> None:
    features = client.get(f"/collections/{AREAS}/items", params={"limit": 50}).json()["features"]
    box = shapely.box(44.5, 38.3, 50.9, 41.95)  # the store's area of interest, lon/lat
    assert features and all(box.contains(shapely.geometry.shape(f["geometry"])) for f in features)


def test_conf_core_root_op(client: httpx.Client) -> None:
    assert client.get("/").status_code == 200


def test_conf_core_root_success(client: httpx.Client) -> None:
    doc = client.get("/").json()
    rels = {link["rel"] for link in doc["links"]}
    assert {"service-desc", "service-doc", "conformance", "data", "self"} <= rels


def test_conf_core_api_definition_op(client: httpx.Client) -> None:
    doc = client.get("/").json()
    for link in _links(doc, "service-desc") + _links(doc, "service-doc"):
        assert client.get(link["href"]).status_code == 200


def test_conf_core_api_definition_success(client: httpx.Client) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    document = client.get("/api").json()
    assert document["openapi"].startswith("3.0")
    loaded = schemathesis.openapi.from_dict(document)  # refuses a document that is not OpenAPI
    assert len(list(loaded.get_all_operations())) > 40


def test_conf_core_conformance_op(client: httpx.Client) -> None:
    href = _links(client.get("/").json(), "conformance")[0]["href"]
    for url in (href, "/conformance"):
        response = client.get(url)
        assert response.status_code == 200 and CORE in response.json()["conformsTo"]


def test_conf_core_conformance_success(client: httpx.Client) -> None:
    declared = client.get("/conformance").json()["conformsTo"]
    assert CORE in declared and all(isinstance(c, str) and c.startswith("http") for c in declared)
    assert len(declared) == len(set(declared))


def test_conf_core_fc_md_op(client: httpx.Client) -> None:
    assert client.get("/collections").status_code == 200


def test_conf_core_fc_md_success(client: httpx.Client) -> None:
    doc = client.get("/collections").json()
    _check_links(doc)
    for collection in doc["collections"]:
        if "crs" in collection:
            assert collection["crs"][0] == CRS84


def test_conf_core_fc_md_links(client: httpx.Client) -> None:
    _check_links(client.get("/collections").json())


def test_conf_core_fc_md_items(client: httpx.Client) -> None:
    ids = [c["id"] for c in _collections(client)]
    assert POINTS in ids and AREAS in ids and "victims" not in ids  # victims are not public
    assert "finds_history" not in ids and "mineaction_settings" not in ids  # never raw tables


def test_conf_core_fc_md_items_links(client: httpx.Client) -> None:
    for collection in _collections(client):
        items = _links(collection, "items")
        assert {link["type"] for link in items} == {GEOJSON, "text/html"}
        assert all("rel" in link and "type" in link for link in collection["links"])


def test_conf_core_fc_md_extent(client: httpx.Client) -> None:
    collection = client.get(f"/collections/{POINTS}").json()
    west, south, east, north = collection["extent"]["spatial"]["bbox"][0]
    start, end = collection["extent"]["temporal"]["interval"][0]
    features = client.get(f"/collections/{POINTS}/items", params={"limit": 10000}).json()["features"]
    for feature in features:
        x, y = feature["geometry"]["coordinates"]
        assert west <= x <= east and south <= y <= north
        assert start[:10] <= feature["properties"]["found_on"] <= end[:10]


def test_conf_core_fc_md_extent_multi(client: httpx.Client) -> None:
    for collection in _collections(client):  # one box and one interval each: the first holds everything
        extent = collection.get("extent", {})
        assert len(extent.get("spatial", {}).get("bbox", [[0]])) == 1
        assert len(extent.get("temporal", {}).get("interval", [[0]])) == 1


def test_conf_core_sfc_md_op(client: httpx.Client) -> None:
    for collection in _collections(client):
        assert client.get(f"/collections/{collection['id']}").status_code == 200


def test_conf_core_sfc_md_success(client: httpx.Client) -> None:
    for listed in _collections(client):
        alone = client.get(f"/collections/{listed['id']}").json()
        for key in ("id", "title", "description", "extent", "itemType"):
            assert alone.get(key) == listed.get(key)
        assert all(link in alone["links"] for link in listed["links"])


def test_conf_core_fc_op(client: httpx.Client) -> None:
    for collection in _collections(client):
        response = client.get(f"/collections/{collection['id']}/items")
        assert response.status_code == 200 and response.json()["type"] == "FeatureCollection"
    west, south, east, north = _bbox(client, POINTS)
    both = client.get(
        f"/collections/{POINTS}/items",
        params={
            "bbox": f"{west},{south},{(west + east) / 2},{north}",
            "datetime": "2022-01-01/..",
            "limit": 10000,
        },
    ).json()
    for feature in both["features"]:
        assert feature["geometry"]["coordinates"][0] <= (west + east) / 2
        assert feature["properties"]["found_on"] >= "2022-01-01"


def test_conf_core_fc_bbox_definition(client: httpx.Client) -> None:
    spec = client.get("/api").json()["paths"][f"/collections/{POINTS}/items"]["get"]["parameters"]
    bbox = next(p for p in spec if p["name"] == "bbox")
    assert bbox["in"] == "query" and not bbox["required"] and bbox["schema"]["type"] == "array"
    assert (
        bbox["style"] == "form" and bbox["explode"] is False and bbox["schema"]["items"]["type"] == "number"
    )


def test_conf_core_fc_bbox_response(client: httpx.Client) -> None:
    west, south, east, north = _bbox(client, AREAS)
    box = (west, south, (west + east) / 2, (south + north) / 2)
    features = client.get(
        f"/collections/{AREAS}/items", params={"bbox": ",".join(map(str, box)), "limit": 10000}
    ).json()["features"]
    assert features
    area = shapely.box(*box)
    assert all(shapely.geometry.shape(f["geometry"]).intersects(area) for f in features)
    everything = client.get(f"/collections/{AREAS}/items", params={"limit": 10000}).json()["features"]
    expected = {f["id"] for f in everything if shapely.geometry.shape(f["geometry"]).intersects(area)}
    assert {f["id"] for f in features} == expected
    no_geometry = client.get("/collections/operators/items", params={"bbox": ",".join(map(str, box))}).json()
    assert no_geometry["numberMatched"] == 0  # records without a geometry lie in no box


def test_conf_core_fc_limit_definition(client: httpx.Client) -> None:
    spec = client.get("/api").json()["paths"][f"/collections/{POINTS}/items"]["get"]["parameters"]
    limit = next(p for p in spec if p["name"] == "limit")
    assert limit["schema"]["type"] == "integer" and limit["schema"]["maximum"] >= limit["schema"]["default"]


def test_conf_core_fc_limit_response(client: httpx.Client) -> None:
    spec = client.get("/api").json()["paths"][f"/collections/{POINTS}/items"]["get"]["parameters"]
    maximum = next(p for p in spec if p["name"] == "limit")["schema"]["maximum"]
    assert len(client.get(f"/collections/{POINTS}/items", params={"limit": 7}).json()["features"]) == 7
    over = client.get(f"/collections/{POINTS}/items", params={"limit": maximum * 100})
    assert over.status_code == 200 and over.json()["numberReturned"] <= maximum


def test_conf_core_fc_time_definition(client: httpx.Client) -> None:
    spec = client.get("/api").json()["paths"][f"/collections/{POINTS}/items"]["get"]["parameters"]
    param = next(p for p in spec if p["name"] == "datetime")
    assert param["schema"]["type"] == "string" and not param["required"]


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("2022-08-01T10:00:00Z", "2022-08-01", "2022-08-01"),
        ("2022-01-01T00:00:00Z/2022-06-30T23:59:59Z", "2022-01-01", "2022-06-30"),
        ("../2021-06-30T00:00:00Z", "0000", "2021-06-30"),
        ("/2021-06-30T00:00:00Z", "0000", "2021-06-30"),
        ("2024-01-01T00:00:00Z/..", "2024-01-01", "9999"),
        ("2024-01-01T00:00:00Z/", "2024-01-01", "9999"),
    ],
)
def test_conf_core_fc_time_response(client: httpx.Client, value: str, low: str, high: str) -> None:
    page = client.get(f"/collections/{POINTS}/items", params={"datetime": value, "limit": 10000}).json()
    assert all(low <= f["properties"]["found_on"] <= high for f in page["features"])
    everything = client.get(f"/collections/{POINTS}/items", params={"limit": 10000}).json()["features"]
    assert page["numberMatched"] == sum(low <= f["properties"]["found_on"] <= high for f in everything)
    untimed = client.get("/collections/operators/items", params={"datetime": value}).json()
    assert untimed["numberMatched"] == client.get("/collections/operators/items").json()["numberMatched"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "ten"),
        ("limit", "0"),
        ("bbox", "1,2,3"),
        ("bbox", "47,40,46,39"),
        ("bbox", "nan,1,2,3"),
        ("bbox", "0,95,1,96"),
        ("datetime", "yesterday"),
        ("crs", "EPSG:9999"),
        ("offset", "-1"),
        ("f", "xml"),
    ],
)
def test_conf_core_query_param_invalid(client: httpx.Client, name: str, value: str) -> None:
    response = client.get(f"/collections/{POINTS}/items", params={name: value})
    assert response.status_code == 400 and name in response.json()["description"]


def test_conf_core_query_param_unknown(client: httpx.Client) -> None:
    for path in (
        "/",
        "/collections",
        f"/collections/{POINTS}",
        f"/collections/{POINTS}/items",
        "/conformance",
    ):
        response = client.get(path, params={"nonsense": "1"})
        assert response.status_code == 400 and "nonsense" in response.json()["description"]


def test_conf_core_fc_response(client: httpx.Client) -> None:
    page = client.get(f"/collections/{POINTS}/items", params={"limit": 5}).json()
    assert page["type"] == "FeatureCollection" and len(page["features"]) == 5
    assert all(f["type"] == "Feature" and f["id"].startswith("EO-") for f in page["features"])


def test_conf_core_fc_links(client: httpx.Client) -> None:
    page = client.get(f"/collections/{POINTS}/items", params={"limit": 5}).json()
    _check_links(page)
    following = client.get(_links(page, "next")[0]["href"]).json()
    assert {f["id"] for f in following["features"]}.isdisjoint({f["id"] for f in page["features"]})


def test_conf_core_fc_timeStamp(client: httpx.Client) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = client.get(f"/collections/{POINTS}/items").json()["timeStamp"]
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs((moment - before).total_seconds()) < 120


def test_conf_core_fc_numberMatched(client: httpx.Client) -> None:
    page = client.get(f"/collections/{POINTS}/items", params={"filter": "category = 'AP'", "limit": 3}).json()
    seen, url = 0, f"/collections/{POINTS}/items?filter=category%20%3D%20%27AP%27&limit=1000"
    while url:
        step = client.get(url).json()
        seen += len(step["features"])
        url = next((link["href"] for link in step["links"] if link["rel"] == "next"), None)
    assert page["numberMatched"] == seen > 0


def test_conf_core_fc_numberReturned(client: httpx.Client) -> None:
    page = client.get(f"/collections/{POINTS}/items", params={"limit": 13}).json()
    assert page["numberReturned"] == len(page["features"]) == 13


def test_conf_core_f_op(client: httpx.Client) -> None:
    for feature in client.get(f"/collections/{POINTS}/items", params={"limit": 20}).json()["features"]:
        assert client.get(f"/collections/{POINTS}/items/{feature['id']}").status_code == 200


def test_conf_core_f_success(client: httpx.Client) -> None:
    listed = client.get(f"/collections/{AREAS}/items", params={"limit": 1}).json()["features"][0]
    alone = client.get(f"/collections/{AREAS}/items/{listed['id']}").json()
    assert alone["id"] == listed["id"] and alone["geometry"] == listed["geometry"]
    assert alone["properties"] == listed["properties"]


def test_conf_core_f_links(client: httpx.Client) -> None:
    fid = client.get(f"/collections/{AREAS}/items", params={"limit": 1}).json()["features"][0]["id"]
    feature = client.get(f"/collections/{AREAS}/items/{fid}").json()
    _check_links(feature)
    assert _links(feature, "collection")


def test_conf_geojson_definition(client: httpx.Client) -> None:
    for path in (f"/collections/{POINTS}/items", f"/collections/{POINTS}/items/EO-000001"):
        assert client.get(path, headers={"Accept": GEOJSON}).headers["content-type"].startswith(GEOJSON)
    for path in ("/", "/conformance", "/collections", f"/collections/{POINTS}"):
        assert (
            client.get(path, headers={"Accept": "application/json"})
            .headers["content-type"]
            .startswith("application/json")
        )


def test_conf_geojson_content(client: httpx.Client) -> None:
    page = client.get(f"/collections/{AREAS}/items", params={"limit": 20}).json()
    for feature in page["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.is_valid and shape.geom_type in ("Polygon", "MultiPolygon")
        assert isinstance(feature["properties"], dict) and "id" not in feature["properties"]
    fid = page["features"][0]["id"]
    assert client.get(f"/collections/{AREAS}/items/{fid}").json()["id"] == fid


def test_conf_html_definition(client: httpx.Client) -> None:
    for path in (
        "/",
        "/conformance",
        "/collections",
        f"/collections/{AREAS}",
        f"/collections/{AREAS}/items",
        f"/collections/{AREAS}/items/HA-000001",
        "/api.html",
    ):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


def test_conf_html_content(client: httpx.Client) -> None:
    text = client.get(f"/collections/{AREAS}/items", params={"f": "html", "limit": 3}).text
    document = lxml_html.document_fromstring(text)
    assert text.startswith("<!DOCTYPE html>") and document.find(".//title") is not None
    assert len(document.findall(".//tbody/tr")) == 3
    assert not re.search(r"(src|href)=\"https?://(?!127\.0\.0\.1)", text)  # nothing from the network


def test_conf_oas30_completeness(client: httpx.Client) -> None:
    document = client.get("/api").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "503"} <= codes and any(c.startswith("2") for c in codes), (method, path)


def test_conf_oas30_exceptions_codes(client: httpx.Client) -> None:
    document = client.get("/api").json()
    get = document["paths"][f"/collections/{POINTS}/items"]["get"]["responses"]
    assert {"400", "401", "404", "503"} <= set(get)
    assert client.get("/collections/nope/items").status_code == 404


def test_conf_oas30_oas_definition_1(client: httpx.Client) -> None:
    links = client.get("/").json()["links"]
    desc = next(link for link in links if link["rel"] == "service-desc")
    doc = next(link for link in links if link["rel"] == "service-doc")
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0" and doc["type"] == "text/html"
    assert client.get(desc["href"]).headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert client.get(doc["href"]).headers["content-type"].startswith("text/html")


def test_conf_oas30_oas_definition_2(client: httpx.Client) -> None:
    document = client.get("/api").json()
    assert document["openapi"] == "3.0.3"
    text = client.get("/api").text
    assert '"$ref":"http' not in text.replace(" ", "")  # self-contained: no remote references


def test_conf_oas30_oas_impl(client: httpx.Client) -> None:
    document = client.get("/api").json()
    for path, operations in document["paths"].items():
        if (
            "get" not in operations
            or "{" in path
            or path.startswith("/jobs")
            or path.startswith("/workflows")
        ):
            continue
        status = client.get(path).status_code
        documented = {int(code) for code in operations["get"]["responses"] if code.isdigit()}
        # 403: a viewer reads no people; 422: a workflow that needs data the store lacks (a saved plan)
        assert status < 500 and status in documented, (path, status, sorted(documented))


def test_conf_oas30_security(client: httpx.Client) -> None:
    document = client.get("/api").json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = document["paths"][f"/collections/{POINTS}/items"]["post"]
    assert post["security"] == [{"bearerAuth": []}]


def test_the_public_reads_only_what_the_access_rules_publish(anonymous: httpx.Client) -> None:
    from mineaction.access.rules import PUBLIC_KINDS

    listed = {c["id"] for c in anonymous.get("/collections").json()["collections"]}
    assert listed == set(PUBLIC_KINDS)
    for kind in ("finds", "accidents", "victims", "minefield_records"):
        response = anonymous.get(f"/collections/{kind}/items")
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/collections/hazardous_areas/items").status_code == 200


def test_bad_tokens_are_refused_not_treated_as_anonymous(served: object) -> None:
    for header in ("Bearer mineaction_nonsense", "Basic dXNlcjpwYXNz", "Bearer"):
        response = httpx.get(
            f"{served.url}/collections/hazardous_areas/items", headers={"Authorization": header}
        )  # type: ignore[attr-defined]
        assert response.status_code == 401, header
