"""Real clients against the live server: GDAL's ``ogrinfo``/``ogr2ogr`` with ``OAPIF:``, pyogrio's
``read_dataframe("OAPIF:...")`` with ``bbox`` and ``where``, and OWSLib's ``Features``; on each back end.

What they read is compared with what the store holds (counts, ids and geometries exactly)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest
import shapely

from mineaction.store import open_store

pytestmark = pytest.mark.skipif(
    shutil.which("ogr2ogr") is None, reason="GDAL's command-line tools are not installed"
)


def _store_url(served: object) -> str:
    return str(served.store)  # type: ignore[attr-defined]


def _header(served: object) -> str:
    return f"Authorization: Bearer {served.tokens['analyst']}"  # type: ignore[attr-defined]


def _gdal(served: object) -> list[str]:
    return ["--config", "GDAL_HTTP_HEADERS", _header(served)]


def test_ogrinfo_lists_the_public_collections_with_counts(served: object) -> None:
    url = served.url  # type: ignore[attr-defined]
    listing = subprocess.run(
        ["ogrinfo", *_gdal(served), "-ro", "-q", f"OAPIF:{url}"], capture_output=True, text=True, check=True
    )
    layers = {
        line.split(":", 1)[1].split("(")[0].strip() for line in listing.stdout.splitlines() if ":" in line
    }
    assert {"finds", "hazardous_areas", "accidents"} <= layers and "victims" not in layers
    summary = subprocess.run(
        ["ogrinfo", *_gdal(served), "-ro", "-so", f"OAPIF:{url}", "finds"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with open_store(_store_url(served)) as store:
        assert f"Feature Count: {store.counts()['finds']}" in summary


@pytest.mark.parametrize("kind", ["finds", "hazardous_areas"])
def test_ogr2ogr_copies_a_collection_with_the_same_geometries(
    served: object, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"{kind}.gpkg"
    subprocess.run(
        [
            "ogr2ogr",
            *_gdal(served),
            "-f",
            "GPKG",
            str(out),
            f"OAPIF:{served.url}",
            kind,
            "-oo",
            "PAGE_SIZE=1000",
        ],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        check=True,
    )
    copied = pyogrio.read_dataframe(out).sort_values("id").reset_index(drop=True)
    with open_store(_store_url(served)) as store:
        stored = store.read(kind)
    assert list(copied["id"]) == list(stored["id"])
    assert all(shapely.equals_exact(a, b, 0) for a, b in zip(copied.geometry, stored.geometry, strict=True))


def test_pyogrio_reads_with_bbox_and_where(served: object) -> None:
    url = served.url  # type: ignore[attr-defined]
    with open_store(_store_url(served)) as store:
        finds = store.read("finds")
    west, south, east, north = finds.total_bounds
    box = (west, south, (west + east) / 2, north)
    with pytest.MonkeyPatch.context() as patch:  # pyogrio's GDAL takes a bearer token from its settings
        patch.setenv("GDAL_HTTP_AUTH", "BEARER")
        patch.setenv("GDAL_HTTP_BEARER", served.tokens["analyst"])  # type: ignore[attr-defined]
        frame = pyogrio.read_dataframe(f"OAPIF:{url}", layer="finds", bbox=box, where="category = 'AP'")
    inside = finds[finds.intersects(shapely.box(*box)) & (finds["category"] == "AP")]
    assert len(frame) == len(inside) > 0
    assert set(frame["id"]) == set(inside["id"])


def test_owslib_features(served: object) -> None:
    from owslib.ogcapi.features import Features

    client = Features(served.url, headers={"Authorization": _header(served).split(": ", 1)[1]})  # type: ignore[attr-defined]
    ids = [c["id"] for c in client.collections()["collections"]]
    assert "finds" in ids and "victims" not in ids
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in client.conformance()["conformsTo"]
    page = client.collection_items("finds", limit=5, bbox=[46.0, 39.0, 48.0, 40.0])
    assert len(page["features"]) == 5 and page["numberMatched"] >= 5
    one = client.collection_item("finds", page["features"][0]["id"])
    assert one["id"] == page["features"][0]["id"]
    queryables = client.collection_queryables("finds")
    assert "category" in queryables["properties"]
