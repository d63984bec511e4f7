"""A small hand-made store for the tests of copies and backups: a few hazardous areas and finds with a history
of an update and a delete, two versions of a document, and settings."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, box

from mineaction.store import open_store


def small_store(url: str) -> str:
    """Fill the store at ``url`` (created when it is a file) and return ``url``."""
    hazards = gpd.GeoDataFrame(
        {
            "hazard_kind": ["SHA", "CHA", "SHA"],
            "status": ["open"] * 3,
            "reported_on": ["2021-03-01", "2021-05-02", "2022-01-03"],
        },
        geometry=[box(46.5 + i / 100, 39.5, 46.505 + i / 100, 39.505) for i in range(3)],
        crs=4326,
    )
    finds = gpd.GeoDataFrame(
        {
            "category": ["AP", "AT", "UXO"],
            "found_on": ["2022-04-05", "2022-04-06", "2022-04-07"],
            "depth_cm": [10.0, 20.0, 5.0],
        },
        geometry=[Point(46.501, 39.501), Point(46.511, 39.502), Point(46.521, 39.503)],
        crs=4326,
    )
    with open_store(url, create=not url.startswith("postgresql:")) as store:
        store.write("hazardous_areas", hazards, author="a", reason="survey", source_doc="NTS-1")
        store.write("finds", finds, author="a", reason="clearance", source_doc="CL-1")
        released = store.read("hazardous_areas").head(1).assign(status="released", released_on="2023-08-09")
        store.write("hazardous_areas", released, author="b", reason="released", source_doc="CL-2")
        store.delete("finds", ["EO-000003"], author="b", reason="entered twice")
        for version in (1, 2):
            store.save_document("plans", "PL-small", {"v": version}, author="planner", reason=f"v{version}")
        store.set_setting("simulated", True)
    return url
