"""OGC API Features Part 3 (queryables, queryables as query parameters, filter, features filter) and the CQL2
classes the server declares: one test per abstract test, named by its id, on each back end.

Every filter's answer is checked against the same condition evaluated here in Python over all the features,
so a test fails on a wrong result, not only on a wrong status."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import httpx
import pytest
import shapely

F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
UTM = "http://www.opengis.net/def/crs/EPSG/0/32638"
Feature = dict


@functools.lru_cache(maxsize=8)
def _all_features(base: str, kind: str, authorization: str) -> tuple[Feature, ...]:
    headers = {"Authorization": authorization}
    page = httpx.get(
        f"{base}/collections/{kind}/items", params={"limit": 10000}, headers=headers, timeout=60
    ).json()
    assert page["numberMatched"] == len(page["features"])
    return tuple(page["features"])


def _everything(client: httpx.Client, kind: str) -> tuple[Feature, ...]:
    return _all_features(str(client.base_url), kind, client.headers["Authorization"])


def _ids(client: httpx.Client, kind: str, text: str, lang: str = "cql2-text", **extra: str) -> set[str]:
    response = client.get(
        f"/collections/{kind}/items", params={"filter": text, "filter-lang": lang, "limit": 10000, **extra}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    return {f["id"] for f in response.json()["features"]}


def _expected(
    client: httpx.Client, kind: str, keep: Callable[[dict, shapely.Geometry | None], bool]
) -> set[str]:
    out = set()
    for f in _everything(client, kind):
        shape = shapely.geometry.shape(f["geometry"]) if f["geometry"] else None
        if keep(f["properties"], shape):
            out.add(f["id"])
    return out


def _check(
    client: httpx.Client, kind: str, text: str, keep: Callable[[dict, object], bool], **extra: str
) -> None:
    found, expected = _ids(client, kind, text, **extra), _expected(client, kind, keep)
    assert found == expected and expected, text


def _refused(client: httpx.Client, kind: str, text: str, lang: str = "cql2-text", **extra: str) -> None:
    response = client.get(f"/collections/{kind}/items", params={"filter": text, "filter-lang": lang, **extra})
    assert response.status_code == 400, response.text
    assert response.json()["description"]


def _declared(client: httpx.Client, uri: str) -> None:
    response = client.get("/conformance")
    assert (
        response.headers["content-type"].startswith("application/json")
        and uri in response.json()["conformsTo"]
    )


def _box(client: httpx.Client, kind: str) -> list[float]:
    return client.get(f"/collections/{kind}").json()["extent"]["spatial"]["bbox"][0]


# --- Queryables -------------------------------------------------------------------------------------------


def test_conf_queryables_get_conformance(client: httpx.Client) -> None:
    _declared(client, f"{F3}queryables")


def test_conf_queryables_get_queryables_uris(client: httpx.Client) -> None:
    for kind in ("finds", "operators"):
        response = client.head(f"/collections/{kind}/items", headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert f'rel="{QUERYABLES}"' in response.headers["Link"]
        assert f"/collections/{kind}/queryables" in response.headers["Link"]


def test_conf_queryables_get_queryables(client: httpx.Client) -> None:
    for kind in ("finds", "hazardous_areas", "operators"):
        uri = f"{str(client.base_url).rstrip('/')}/collections/{kind}/queryables"
        response = client.get(
            f"/collections/{kind}/queryables", headers={"Accept": "application/schema+json"}
        )
        assert response.headers["content-type"].startswith("application/schema+json")
        schema = response.json()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["$id"] == uri
        assert schema["type"] == "object" and schema["properties"] and schema["additionalProperties"] is False
        for name, prop in schema["properties"].items():
            assert "type" in prop or prop.get("format", "").startswith("geometry-"), name
        assert ("geometry" in schema["properties"]) == (kind != "operators")
    assert client.get("/collections/victims/queryables").status_code == 403  # a viewer reads no people


def test_queryables_never_list_personal_fields(client: httpx.Client, tiny_store: object) -> None:
    from mineaction.api.schemas import queryables_schema
    from mineaction.domain.schema import entity

    schema = queryables_schema(entity("victims"), "x")
    assert "name" not in schema["properties"] and "contact" not in schema["properties"]


# --- Queryables as query parameters -----------------------------------------------------------------------


def test_conf_queryables_query_parameters_get_conformance(client: httpx.Client) -> None:
    _declared(client, f"{F3}queryables-query-parameters")


def test_conf_queryables_query_parameters_query_param(client: httpx.Client) -> None:
    page = client.get("/collections/finds/items", params={"category": "AT", "limit": 10000}).json()
    assert {f["id"] for f in page["features"]} == _expected(
        client, "finds", lambda p, g: p["category"] == "AT"
    )
    depth = client.get("/collections/finds/items", params={"depth_cm": "13.4", "limit": 10000}).json()
    assert all(f["properties"]["depth_cm"] == 13.4 for f in depth["features"])
    for name, bad in (("depth_cm", "deep"), ("found_on", "2022-13-45"), ("manufacture_year", "1.5")):
        response = client.get("/collections/finds/items", params={name: bad})
        assert response.status_code == 400 and name in response.json()["description"]


# --- Filter -----------------------------------------------------------------------------------------------


def test_conf_filter_get_conformance(client: httpx.Client) -> None:
    _declared(client, f"{F3}filter")


def test_conf_filter_filter_param(client: httpx.Client) -> None:
    _check(client, "finds", "model IS NULL", lambda p, g: p["model"] is None) if _expected(
        client, "finds", lambda p, g: p["model"] is None
    ) else _check(client, "finds", "manufacture_year IS NULL", lambda p, g: p["manufacture_year"] is None)
    _refused(client, "finds", "THIS IS NOT A FILTER")


def test_conf_filter_filter_lang_default(client: httpx.Client) -> None:
    response = client.get("/collections/finds/items", params={"filter": "category = 'UXO'", "limit": 10000})
    assert {f["id"] for f in response.json()["features"]} == _expected(
        client, "finds", lambda p, g: p["category"] == "UXO"
    )
    assert (
        client.get("/collections/finds/items", params={"filter": "THIS IS NOT A FILTER"}).status_code == 400
    )


def test_conf_filter_expression_construction(client: httpx.Client) -> None:
    _refused(client, "finds", "this_is_not_a_queryable IS NULL")
    response = client.get("/collections/finds/items", params={"filter": "this_is_not_a_queryable IS NULL"})
    assert "this_is_not_a_queryable" in response.json()["description"]


def test_conf_filter_filter_crs_wgs84(client: httpx.Client) -> None:
    west, south, east, north = _box(client, "finds")
    everything = {f["id"] for f in _everything(client, "finds")}
    assert _ids(client, "finds", f"S_INTERSECTS(geometry, BBOX({west},{south},{east},{north}))") == everything
    _refused(client, "finds", "S_INTERSECTS(geometry, BBOX(1000000,1000000,2000000,2000000))")


def test_conf_filter_filter_crs_param(client: httpx.Client) -> None:
    import pyproj

    west, south, east, north = _box(client, "finds")
    to_utm = pyproj.Transformer.from_crs(4326, 32638, always_xy=True)
    xs, ys = to_utm.transform([west, east, west, east], [south, south, north, north])
    text = f"S_INTERSECTS(geometry, BBOX({min(xs) - 1},{min(ys) - 1},{max(xs) + 1},{max(ys) + 1}))"
    everything = {f["id"] for f in _everything(client, "finds")}
    assert _ids(client, "finds", text, **{"filter-crs": UTM}) == everything
    _refused(client, "finds", text, **{"filter-crs": "http://www.opengis.net/def/crs/OGC/0/does_not_exist"})


def test_conf_filter_get_functions(client: httpx.Client) -> None:
    """Custom functions are not offered: no /functions resource and no Functions class declared."""
    assert client.get("/functions").status_code == 404
    assert f"{CQL2}functions" not in client.get("/conformance").json()["conformsTo"]


# --- Features filter --------------------------------------------------------------------------------------


def test_conf_features_filter_get_conformance(client: httpx.Client) -> None:
    _declared(client, f"{F3}features-filter")


def test_conf_features_filter_get_collections(client: httpx.Client) -> None:
    response = client.get("/collections", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["collections"], list)


def test_conf_features_filter_get_collection(client: httpx.Client) -> None:
    for listed in client.get("/collections").json()["collections"]:
        doc = client.get(f"/collections/{listed['id']}").json()
        hrefs = [link["href"] for link in doc["links"] if link["rel"] == QUERYABLES]
        assert hrefs and hrefs[0].endswith(f"/collections/{listed['id']}/queryables")


def test_conf_features_filter_filter_on_items(client: httpx.Client) -> None:
    _check(client, "hazardous_areas", "status = 'open'", lambda p, g: p["status"] == "open")
    _refused(client, "hazardous_areas", "THIS IS NOT A FILTER")


def test_conf_features_filter_mixing_expression(client: httpx.Client) -> None:
    west, south, east, north = _box(client, "finds")
    text = f"S_INTERSECTS(geometry, BBOX({west},{south},{east},{north}))"
    everything = {f["id"] for f in _everything(client, "finds")}
    assert _ids(client, "finds", text, bbox=f"{west},{south},{east},{north}") == everything
    assert _ids(client, "finds", text, bbox="40,30,41,31") == set()
    half = f"{west},{south},{(west + east) / 2},{north}"
    assert _ids(client, "finds", "category = 'AP'", bbox=half) == _expected(
        client, "finds", lambda p, g: p["category"] == "AP" and g.x <= (west + east) / 2
    )


# --- CQL2 classes -----------------------------------------------------------------------------------------


def test_conf_basic_cql2(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}basic-cql2")
    _check(client, "finds", "depth_cm > 10", lambda p, g: (p["depth_cm"] or 0) > 10)
    _check(client, "finds", "depth_cm <= 10", lambda p, g: p["depth_cm"] is not None and p["depth_cm"] <= 10)
    _check(client, "finds", "category <> 'AP'", lambda p, g: p["category"] != "AP")
    _check(client, "finds", "found_on >= DATE('2023-01-01')", lambda p, g: p["found_on"] >= "2023-01-01")
    _check(client, "finds", "manufacture_year IS NOT NULL", lambda p, g: p["manufacture_year"] is not None)
    _check(client, "accidents", "demining = FALSE", lambda p, g: p["demining"] is False)
    _check(
        client,
        "finds",
        "(category = 'AP' OR category = 'AT') AND NOT (depth_cm > 15)",
        lambda p, g: (
            p["category"] in ("AP", "AT") and not ((p["depth_cm"] or 0) > 15 or p["depth_cm"] is None)
        ),
    )
    assert _ids(client, "finds", "TRUE") == {f["id"] for f in _everything(client, "finds")}
    _refused(client, "finds", "depth_cm > 'deep'")


def test_conf_cql2_text(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}cql2-text")
    _check(
        client,
        "finds",
        "category='AP' and depth_cm>5",
        lambda p, g: p["category"] == "AP" and (p["depth_cm"] or 0) > 5,
    )
    assert _ids(client, "finds", "model = 'O''Brien''s mine'") == set()  # '' escapes a quote
    _refused(client, "finds", "category = 'AP")


def test_conf_cql2_json(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}cql2-json")
    expr = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "category"}, "AT"]},
            {"op": ">", "args": [{"property": "depth_cm"}, 5]},
        ],
    }
    found = _ids(client, "finds", json.dumps(expr), lang="cql2-json")
    assert found == _expected(
        client, "finds", lambda p, g: p["category"] == "AT" and (p["depth_cm"] or 0) > 5
    )
    _refused(client, "finds", '{"op": "=", "args": [', lang="cql2-json")
    _refused(client, "finds", "category = 'AT'", lang="cql2-json")


def test_conf_advanced_comparison_operators(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}advanced-comparison-operators")
    _check(client, "finds", "model LIKE 'PMN%'", lambda p, g: (p["model"] or "").startswith("PMN"))
    _check(
        client,
        "finds",
        "depth_cm BETWEEN 5 AND 10",
        lambda p, g: p["depth_cm"] is not None and 5 <= p["depth_cm"] <= 10,
    )
    _check(client, "finds", "category IN ('AP', 'AT')", lambda p, g: p["category"] in ("AP", "AT"))
    _check(client, "finds", "category NOT IN ('AP', 'AT')", lambda p, g: p["category"] not in ("AP", "AT"))
    assert _ids(client, "finds", "model LIKE 'pmn%'") == set()  # LIKE is case-sensitive


def test_conf_case_insensitive_comparison(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}case-insensitive-comparison")
    _check(
        client,
        "finds",
        "CASEI(model) LIKE CASEI('pmn%')",
        lambda p, g: (p["model"] or "").lower().startswith("pmn"),
    )
    _check(client, "finds", "CASEI(category) = CASEI('ap')", lambda p, g: p["category"] == "AP")


def _half(client: httpx.Client, kind: str) -> shapely.Polygon:
    west, south, east, north = _box(client, kind)
    return shapely.box(west, south, (west + east) / 2, north)


def test_conf_basic_spatial_functions(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}basic-spatial-functions")
    box = _half(client, "finds")
    text = "S_INTERSECTS(geometry, BBOX({},{},{},{}))".format(*box.bounds)
    _check(client, "finds", text, lambda p, g: g.intersects(box))
    x, y = _everything(client, "finds")[0]["geometry"]["coordinates"]
    assert _everything(client, "finds")[0]["id"] in _ids(
        client, "finds", f"S_INTERSECTS(geometry, POINT({x} {y}))"
    )


def test_conf_basic_spatial_functions_plus(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}basic-spatial-functions-plus")
    box = _half(client, "hazardous_areas")
    _check(client, "hazardous_areas", f"S_INTERSECTS(geometry, {box.wkt})", lambda p, g: g.intersects(box))
    line = shapely.LineString(box.exterior.coords[:3])
    _check(client, "hazardous_areas", f"S_INTERSECTS(geometry, {line.wkt})", lambda p, g: g.intersects(line))


@pytest.mark.parametrize(
    "op",
    [
        "S_INTERSECTS",
        "S_DISJOINT",
        "S_WITHIN",
        "S_CONTAINS",
        "S_OVERLAPS",
        "S_TOUCHES",
        "S_CROSSES",
        "S_EQUALS",
    ],
)
def test_conf_spatial_functions(client: httpx.Client, op: str) -> None:
    _declared(client, f"{CQL2}spatial-functions")
    features = _everything(client, "hazardous_areas")
    box = _half(client, "hazardous_areas")
    probe = {
        "S_CONTAINS": shapely.geometry.shape(features[0]["geometry"]).representative_point(),
        "S_EQUALS": shapely.geometry.shape(features[1]["geometry"]),
        "S_CROSSES": shapely.LineString(box.exterior.coords[:3]),
    }.get(op, box)
    predicate = getattr(shapely, op[2:].lower())
    expected = _expected(client, "hazardous_areas", lambda p, g: bool(predicate(g, probe)))
    assert _ids(client, "hazardous_areas", f"{op}(geometry, {probe.wkt})") == expected
    if op in ("S_INTERSECTS", "S_DISJOINT", "S_WITHIN", "S_CONTAINS", "S_EQUALS"):
        assert expected  # the probe was chosen so that something matches


@pytest.mark.parametrize(
    ("op", "keep"),
    [
        ("T_AFTER", lambda d: d > "2023-06-30"),
        ("T_BEFORE", lambda d: d < "2023-01-01"),
        ("T_DURING", lambda d: "2023-01-01" < d < "2023-06-30"),
        ("T_INTERSECTS", lambda d: "2023-01-01" <= d <= "2023-06-30"),
        ("T_DISJOINT", lambda d: not ("2023-01-01" <= d <= "2023-06-30")),
        ("T_EQUALS", lambda d: False),
    ],
)
def test_conf_temporal_functions(client: httpx.Client, op: str, keep: Callable[[str], bool]) -> None:
    _declared(client, f"{CQL2}temporal-functions")
    interval = "INTERVAL('2023-01-01','2023-06-30')"
    if op in ("T_AFTER",):
        interval = "INTERVAL('2023-01-01','2023-06-30')"
    found = _ids(client, "finds", f"{op}(found_on, {interval})")
    assert found == _expected(client, "finds", lambda p, g: keep(p["found_on"]))


def test_conf_temporal_functions_instants_and_open_ends(client: httpx.Client) -> None:
    day = _everything(client, "finds")[0]["properties"]["found_on"]
    _check(client, "finds", f"T_EQUALS(found_on, DATE('{day}'))", lambda p, g: p["found_on"] == day)
    _check(client, "finds", f"T_AFTER(found_on, DATE('{day}'))", lambda p, g: p["found_on"] > day)
    _check(
        client, "finds", f"T_INTERSECTS(found_on, INTERVAL('{day}', '..'))", lambda p, g: p["found_on"] >= day
    )
    _check(client, "finds", "T_BEFORE(recorded_at, TIMESTAMP('2030-01-01T00:00:00Z'))", lambda p, g: True)


def test_conf_property_property(client: httpx.Client) -> None:
    _declared(client, f"{CQL2}property-property")
    _check(
        client,
        "activities",
        "ended_on >= started_on",
        lambda p, g: p["ended_on"] is not None and p["ended_on"] >= p["started_on"],
    )
    _check(
        client,
        "activities",
        "cleared_m2 > reduced_m2",
        lambda p, g: None not in (p["cleared_m2"], p["reduced_m2"]) and p["cleared_m2"] > p["reduced_m2"],
    )


def test_filters_never_reach_sql_as_text(client: httpx.Client) -> None:
    """Injection attempts are values or parse errors, and the data stays."""
    before = client.get("/collections/finds/items").json()["numberMatched"]
    assert _ids(client, "finds", "model = 'x''; DROP TABLE finds; --'") == set()
    _refused(client, "finds", "model = 1; DROP TABLE finds")
    _refused(client, "finds", '"finds; DROP TABLE finds" = 1')
    assert client.get("/collections/finds/items").json()["numberMatched"] == before
