"""A small GeoPackage store cut from the tiny simulated twin: a few hazardous areas with their activities,
finds and minefield records (SIMULATED data), for the tests of the patterns job and command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mineaction.store import init_store


def pick_areas(twin: Any) -> dict[str, str]:
    """A released record area with many mine finds, an area open or in progress with finds, a released
    tile."""
    areas, finds = twin.layers["hazardous_areas"], twin.layers["finds"]
    mines = finds.loc[finds["category"].isin(["AP", "AT"])].groupby("hazardous_area").size()
    kind = areas.set_index("id")
    cha = kind.loc[(kind["hazard_kind"] == "CHA") & (kind["status"] == "released")].index
    sha = kind.loc[(kind["hazard_kind"] == "SHA") & (kind["status"] == "released")].index
    working = kind.loc[kind["status"] != "released"].index
    return {
        "record": str(mines.reindex(cha).idxmax()),
        "tile": str(mines.reindex(sha).idxmax()),
        "working": str(mines.reindex(working).fillna(0).idxmax()),
    }


def twin_store(twin: Any, path: Path) -> tuple[str, dict[str, str]]:
    """Write the picked areas and what they need into a new GeoPackage at ``path``; returns its path and the
    picked ids."""
    picked = pick_areas(twin)
    layers = twin.layers
    ids = set(picked.values())
    areas = layers["hazardous_areas"].loc[layers["hazardous_areas"]["id"].isin(ids)]
    acts = layers["activities"].loc[layers["activities"]["hazardous_area"].isin(ids)]
    finds = layers["finds"].loc[layers["finds"]["hazardous_area"].isin(ids)]
    named = "|".join(areas["evidence"].fillna(""))
    records = layers["minefield_records"].loc[layers["minefield_records"]["id"].map(lambda i: i in named)]
    with init_store(str(path)) as store:
        store.set_setting("simulated", True)
        for kind, frame in (
            ("hazardous_areas", areas),
            ("activities", acts),
            ("finds", finds),
            ("minefield_records", records),
        ):
            store.write(kind, frame, author="test", reason="cut from the tiny twin")
    return str(path), picked
