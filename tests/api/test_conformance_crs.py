"""OGC API Features Part 2 (CRS by reference): one test per abstract test of ``/conf/crs``, on each back end.

The store's metric CRS (UTM 38N, EPSG:32638) is transformed independently here with pyproj to check the
server's coordinates and axis order."""

from __future__ import annotations

import httpx
import numpy as np
import pyproj
import pytest
import shapely

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
UTM = "http://www.opengis.net/def/crs/EPSG/0/32638"
KINDS = ("finds", "hazardous_areas")
TO_UTM = pyproj.Transformer.from_crs(4326, 32638, always_xy=True)


def _to_utm(shape: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(shape, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


def _swap(shape: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(shape, lambda xy: xy[:, ::-1])


def _spatial(client: httpx.Client) -> list[dict]:
    return [c for c in client.get("/collections").json()["collections"] if "crs" in c]


def _first_id(client: httpx.Client, kind: str) -> str:
    return client.get(f"/collections/{kind}/items", params={"limit": 1}).json()["features"][0]["id"]


def _inner_box(client: httpx.Client, kind: str) -> tuple[float, float, float, float]:
    west, south, east, north = client.get(f"/collections/{kind}").json()["extent"]["spatial"]["bbox"][0]
    return west, south, (west + east) / 2, (south + north) / 2


def test_conf_crs_crs_uri(client: httpx.Client) -> None:
    for listed in _spatial(client):
        alone = client.get(f"/collections/{listed['id']}").json()
        for value in [*listed["crs"], listed["storageCrs"], *alone["crs"], alone["storageCrs"]]:
            assert value.startswith("http://www.opengis.net/def/crs/")


def test_conf_crs_default_crs(client: httpx.Client) -> None:
    assert all(CRS84 in c["crs"] for c in _spatial(client))


def test_conf_crs_storageCrs(client: httpx.Client) -> None:
    assert all(c["storageCrs"] in c["crs"] for c in _spatial(client))


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_crs_parameter(client: httpx.Client, kind: str) -> None:
    fid = _first_id(client, kind)
    for crs in (CRS84, EPSG4326, UTM):
        for path in (f"/collections/{kind}/items", f"/collections/{kind}/items/{fid}"):
            response = client.get(path, params={"crs": crs})
            assert response.status_code == 200 and response.headers["Content-Crs"] == f"<{crs}>"


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_crs_parameter_invalid(client: httpx.Client, kind: str) -> None:
    fid = _first_id(client, kind)
    for path in (f"/collections/{kind}/items", f"/collections/{kind}/items/{fid}"):
        response = client.get(path, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"})
        assert response.status_code == 400 and "crs" in response.json()["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_crs_parameter_default(client: httpx.Client, kind: str) -> None:
    assert client.get(f"/collections/{kind}/items").headers["Content-Crs"] == f"<{CRS84}>"


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_crs_parameter_transform(client: httpx.Client, kind: str) -> None:
    default = client.get(f"/collections/{kind}/items", params={"limit": 20}).json()["features"]
    lat_lon = client.get(f"/collections/{kind}/items", params={"limit": 20, "crs": EPSG4326}).json()[
        "features"
    ]
    metric = client.get(f"/collections/{kind}/items", params={"limit": 20, "crs": UTM}).json()["features"]
    for plain, swapped, utm in zip(default, lat_lon, metric, strict=True):
        lonlat = shapely.geometry.shape(plain["geometry"])
        assert shapely.equals_exact(_swap(shapely.geometry.shape(swapped["geometry"])), lonlat, 1e-12)
        assert shapely.equals_exact(_to_utm(lonlat), shapely.geometry.shape(utm["geometry"]), 1e-3)
    fid = default[0]["id"]
    one = client.get(f"/collections/{kind}/items/{fid}", params={"crs": UTM}).json()
    assert shapely.equals_exact(
        shapely.geometry.shape(one["geometry"]), shapely.geometry.shape(metric[0]["geometry"]), 1e-6
    )


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_bbox_crs_parameter(client: httpx.Client, kind: str) -> None:
    west, south, east, north = _inner_box(client, kind)
    area = shapely.box(west, south, east, north)
    for crs, box in (
        (EPSG4326, (south, west, north, east)),
        (UTM, _to_utm(area).bounds),
    ):
        page = client.get(
            f"/collections/{kind}/items",
            params={"bbox": ",".join(map(str, box)), "bbox-crs": crs, "limit": 10000},
        ).json()
        assert page["features"]
        if crs == EPSG4326:
            assert all(shapely.geometry.shape(f["geometry"]).intersects(area) for f in page["features"])
        else:
            utm_box = shapely.box(*box)
            for f in page["features"]:
                assert _to_utm(shapely.geometry.shape(f["geometry"])).intersects(utm_box.buffer(0.01))


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_bbox_crs_parameter_invalid(client: httpx.Client, kind: str) -> None:
    response = client.get(
        f"/collections/{kind}/items", params={"bbox": "46,39,47,40", "bbox-crs": "EPSG:4326"}
    )
    assert response.status_code == 400 and "bbox-crs" in response.json()["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_conf_crs_bbox_crs_parameter_default(client: httpx.Client, kind: str) -> None:
    box = ",".join(map(str, _inner_box(client, kind)))
    plain = client.get(f"/collections/{kind}/items", params={"bbox": box, "limit": 10000}).json()
    named = client.get(
        f"/collections/{kind}/items", params={"bbox": box, "bbox-crs": CRS84, "limit": 10000}
    ).json()
    assert [f["id"] for f in plain["features"]] == [f["id"] for f in named["features"]] != []


def test_wrong_axis_order_is_refused_not_swapped(client: httpx.Client) -> None:
    """EPSG:4326 boxes are read latitude first: a lon/lat box matches elsewhere (nothing here), never swapped;
    a latitude beyond 90 degrees is refused."""
    response = client.get(
        "/collections/finds/items", params={"bbox": "46.5,39.2,47.4,39.7", "bbox-crs": EPSG4326}
    )
    assert response.status_code == 200 and response.json()["numberMatched"] == 0
    response = client.get(
        "/collections/finds/items", params={"bbox": "139.2,46.5,139.7,47.4", "bbox-crs": EPSG4326}
    )
    assert response.status_code == 400
