"""Deliberate simulated data-entry defects in the observed files, so the data-quality checks find something.

Real IMSMA-style data always carries slips that still pass import validation: a find typed in without the
id of the activity that found it, deminer days entered with a digit missing, a polygon vertex keyed with a
wrong latitude, the same area entered twice under two ids. A twin without any of them would show the quality
report (``mineaction.analysis.quality``) finding nothing. ``inject_defects`` adds a small, seeded set of such
defects to the *observed* frames only (the truth is untouched) and returns a table naming each one by kind,
record id and the quality check that should find it. Each is chosen so the calibration figures do not move:

- **find without activity**: ``N_FINDS_WITHOUT_ACTIVITY`` UXO finds lose their ``activity`` id (the report
  reference in ``source_doc`` still names it, as on a paper form). UXO finds count in no record figure and the
  number of finds does not change, so finds per hectare stays the same; the find still sits on its device.
- **implausible productivity**: ``N_PRODUCTIVITY_SLIPS`` ended manual clearances get ``deminer_days`` divided
  by ``DAYS_SLIP`` (a digit dropped on entry): 25 becomes 250 m2 per deminer-day, over the default limit of
  100. No calibration figure uses deminer days.
- **long edge**: one open SHA has its northernmost vertex's latitude off by ``VERTEX_SLIP_DEG`` (about 11 km
  north), making two edges longer than the default 5,000 m limit; the polygon stays valid. Applied to the
  area as first reported and to its current state alike (it was digitised once).
- **duplicate geometry**: one open SHA is entered a second time, with the same geometry and fields, under the
  next free id (in both states).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import format_id
from mineaction.simulate.scales import METRIC_CRS, stream

__all__ = [
    "DAYS_SLIP",
    "DEFECT_COLUMNS",
    "N_FINDS_WITHOUT_ACTIVITY",
    "N_PRODUCTIVITY_SLIPS",
    "VERTEX_SLIP_DEG",
    "inject_defects",
]

#: Columns of the defects table: kind, record id, the quality check that finds it, what was done.
DEFECT_COLUMNS = ["kind", "id", "check", "defect"]
#: Finds whose activity id is left blank.
N_FINDS_WITHOUT_ACTIVITY = 5
#: Manual clearances whose deminer days are divided by ``DAYS_SLIP``.
N_PRODUCTIVITY_SLIPS = 2
DAYS_SLIP = 10.0
#: Latitude error of the slipped vertex, degrees (about 11 km).
VERTEX_SLIP_DEG = 0.1
_MIN_EDGE_M = 6000.0  # the slipped polygon's longest edge is at least this, m (the default limit is 5,000 m)

Frames = dict[str, gpd.GeoDataFrame | pd.DataFrame]


def _row(kind: str, rid: str, check: str, defect: str) -> dict[str, str]:
    return {"kind": kind, "id": rid, "check": check, "defect": defect}


def _finds_without_activity(finds: pd.DataFrame, rng: np.random.Generator) -> list[dict[str, str]]:
    """Blank the activity id of a few UXO finds (in place)."""
    pool = np.flatnonzero((finds["category"] == "UXO").to_numpy() & finds["activity"].notna().to_numpy())
    pick = np.sort(rng.choice(pool, size=min(N_FINDS_WITHOUT_ACTIVITY, len(pool)), replace=False))
    finds.loc[finds.index[pick], "activity"] = None
    return [
        _row("finds", rid, "find without activity", "activity id left blank (source_doc still names it)")
        for rid in finds["id"].to_numpy()[pick]
    ]


def _productivity_slips(acts: pd.DataFrame, rng: np.random.Generator) -> list[dict[str, str]]:
    """Divide the deminer days of a few ended manual clearances by ``DAYS_SLIP`` (in place)."""
    ok = (
        (acts["method"] == "manual").to_numpy()
        & acts["ended_on"].notna().to_numpy()
        & (pd.to_numeric(acts["cleared_m2"]) > 0).to_numpy()
        & (pd.to_numeric(acts["deminer_days"]) >= DAYS_SLIP).to_numpy()
    )
    pool = np.flatnonzero(ok)
    pick = np.sort(rng.choice(pool, size=min(N_PRODUCTIVITY_SLIPS, len(pool)), replace=False))
    where = acts.index[pick]
    acts.loc[where, "deminer_days"] = acts.loc[where, "deminer_days"].astype(float) / DAYS_SLIP
    return [
        _row("activities", rid, "implausible productivity", f"deminer_days divided by {DAYS_SLIP:g}")
        for rid in acts["id"].to_numpy()[pick]
    ]


def _slipped(geom: shapely.Geometry) -> shapely.Geometry | None:
    """``geom`` (a WGS84 polygon) with its northernmost vertex moved ``VERTEX_SLIP_DEG`` north, or None when
    that makes it invalid or its longest edge shorter than ``_MIN_EDGE_M``."""
    if geom.geom_type != "Polygon" or geom.interiors:
        return None
    ring = np.asarray(geom.exterior.coords)[:-1]
    ring[int(np.argmax(ring[:, 1])), 1] += VERTEX_SLIP_DEG
    ring = np.vstack([ring, ring[:1]])
    out = shapely.Polygon(ring)
    metric = np.asarray(gpd.GeoSeries([out], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0].exterior.coords)
    longest = float(np.hypot(*np.diff(metric, axis=0).T).max())
    return out if out.is_valid and longest >= _MIN_EDGE_M else None


def _open_shas(hazards: gpd.GeoDataFrame, rng: np.random.Generator) -> np.ndarray:
    """Positions of open SHAs, in a seeded random order."""
    pool = np.flatnonzero(((hazards["hazard_kind"] == "SHA") & (hazards["status"] == "open")).to_numpy())
    return rng.permutation(pool)


def _hazard_defects(
    hazards: gpd.GeoDataFrame, reported: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[dict[str, str]]]:
    """One SHA with a vertex slip, one SHA entered twice (new frames; ``reported`` gets the same changes)."""
    order = _open_shas(hazards, rng)
    rows: list[dict[str, str]] = []
    slip_at = None
    for pos in order[:200]:  # a few tries at most: most SHA tiles are simple polygons
        geom = _slipped(hazards.geometry.iloc[pos])
        if geom is not None:
            slip_at = pos
            break
    hazards, reported = hazards.copy(), reported.copy()
    if slip_at is not None:
        rid = hazards["id"].iloc[slip_at]
        hazards.loc[hazards.index[slip_at], "geometry"] = geom
        reported.loc[reported["id"] == rid, "geometry"] = geom
        rows.append(
            _row(
                "hazardous_areas",
                rid,
                "long edge",
                f"northernmost vertex latitude +{VERTEX_SLIP_DEG:g} degrees",
            )
        )
    twin_at = next(p for p in order if p != slip_at)
    original = hazards["id"].iloc[twin_at]
    new_id = format_id("HA", int(hazards["id"].str[3:].astype(int).max()) + 1)
    hazards = _append_copy(hazards, hazards["id"] == original, new_id)
    reported = _append_copy(reported, reported["id"] == original, new_id)
    rows.append(_row("hazardous_areas", new_id, "duplicate geometry", f"{original} entered again"))
    return hazards, reported, rows


def _append_copy(frame: gpd.GeoDataFrame, which: pd.Series, new_id: str) -> gpd.GeoDataFrame:
    copy = frame.loc[which].assign(id=new_id)
    return gpd.GeoDataFrame(pd.concat([frame, copy], ignore_index=True), geometry="geometry", crs=frame.crs)


def inject_defects(layers: Frames, earlier: Frames, seed: int) -> tuple[Frames, Frames, pd.DataFrame]:
    """Observed frames with the documented data-entry defects added.

    Parameters
    ----------
    layers : dict of str to DataFrame
        Observed frames by kind (EPSG:4326, schema columns), as from ``observed_layers``; not modified.
    earlier : dict of str to DataFrame
        Earlier states by kind (``hazardous_areas`` as first reported); not modified.
    seed : int
        Scenario seed (the defects use their own random stream of it).

    Returns
    -------
    layers, earlier : dict of str to DataFrame
        Copies with the defects.
    defects : DataFrame
        ``kind, id, check, defect``: one row per defect, ``check`` the quality check that finds it.
    """
    rng = stream(seed, "defects")
    layers, earlier = dict(layers), dict(earlier)
    finds, acts = layers["finds"].copy(), layers["activities"].copy()
    rows = _finds_without_activity(finds, rng) + _productivity_slips(acts, rng)
    hazards, reported, more = _hazard_defects(layers["hazardous_areas"], earlier["hazardous_areas"], rng)
    layers.update(finds=finds, activities=acts, hazardous_areas=hazards)
    earlier["hazardous_areas"] = reported
    return layers, earlier, pd.DataFrame(rows + more, columns=DEFECT_COLUMNS)
