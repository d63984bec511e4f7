"""The simulator's entry point: ``simulate(scale=..., seed=...)`` builds a whole seeded scenario in memory.

Order of the work: landscape -> true minefields and mines -> handed-over records -> hazardous areas ->
activities -> scattered nuisance mines (as many as make record recall meet its target) -> finds of mines ->
UXO of 2020 (its density set so finds per cleared hectare meet FACTS.md) ->
returns -> accidents and victims -> assistance to survivors and risk education -> observed frames (WGS84,
schema columns) -> deliberate data-entry defects (``mineaction.simulate.defects``, listed in
``meta["defects"]``) -> calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import format_id
from mineaction.simulate import casualties as cas
from mineaction.simulate.assistance import dates_of_birth, make_assistance
from mineaction.simulate.calibration import FRONT_ZONE_M, TARGETS, TOLERANCE_M, calibration_report
from mineaction.simulate.defects import inject_defects
from mineaction.simulate.eore import make_risk_education
from mineaction.simulate.hazards import make_hazards
from mineaction.simulate.landscape import Landscape, build_landscape
from mineaction.simulate.observed import observed_layers
from mineaction.simulate.operations import DETECTION, detect, schedule_activities
from mineaction.simulate.records import make_records
from mineaction.simulate.resources import make_funding, make_operators, make_returns
from mineaction.simulate.scales import get_scale
from mineaction.simulate.truth import (
    build_minefields,
    lay_mines,
    nuisance_field,
    sample_nuisance,
    sample_uxo,
    uxo_field,
)

__all__ = ["FINDS_PER_HA", "SimulatedScenario", "simulate"]

#: Finds (all categories) per hectare cleared that the UXO density is set to give (FACTS.md: 0.1 AP, 0.1 AT,
#: 0.4 UXO).
FINDS_PER_HA = 0.6


@dataclass
class SimulatedScenario:
    """A simulated scenario.

    ``layers``: observed frames keyed by kind (GeoDataFrames in EPSG:4326 with the schema's columns);
    ``tables``: other observed tables (``returns``, ``casualties_1991_2020``); ``truth``: ``devices``
    (every true device, with ``found_by``/``accident`` links), ``minefields``, ``records`` (record ->
    minefield and fate), ``eore_coverage`` (families reached before each planned return) and ``survivors``
    (assessment, first service and needs open after a year, per survivor); ``calibration``: target vs
    actual of every FACTS.md figure; ``landscape``: the landscape (metric CRS) with the DEM; ``meta``:
    scale, seed, factor and ``defects`` (the deliberate data-entry defects in ``layers``, one dict each:
    kind, id, check, defect); ``earlier``: earlier states by kind (hazardous areas as first reported), to
    import before ``layers`` so the store's history shows the status over time.
    """

    scale: str
    seed: int
    factor: float
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame]
    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    calibration: dict[str, Any]
    landscape: Landscape
    meta: dict[str, Any] = field(default_factory=dict)
    earlier: dict[str, gpd.GeoDataFrame | pd.DataFrame] = field(default_factory=dict)


def _found_share(cells: pd.DataFrame, activities: gpd.GeoDataFrame, group: str) -> np.ndarray:
    """Probability that a device of ``group`` (mine, uxo) at each cell centre is found by the activities."""
    worked = activities["activity_kind"].isin(list(DETECTION)).to_numpy()
    kinds = activities["activity_kind"].to_numpy()[worked]
    share = np.where(activities["ended_on"].notna().to_numpy()[worked], 1.0, 0.5)
    cell, act = shapely.STRtree(activities.geometry.to_numpy()[worked]).query(
        shapely.points(cells["x"].to_numpy(), cells["y"].to_numpy()), predicate="intersects"
    )
    p = np.zeros(len(cells))
    np.maximum.at(p, cell, np.array([DETECTION[k][group] for k in kinds[act]]) * share[act])
    return p


def _uxo(land: Landscape, activities: gpd.GeoDataFrame, mine_finds: int, seed: int) -> pd.DataFrame:
    """UXO whose density makes the expected finds per cleared hectare reach FINDS_PER_HA."""
    fld = uxo_field(land)
    cleared_ha = float(activities["cleared_m2"].sum()) / 1e4
    goal = max(0.2 * cleared_ha, FINDS_PER_HA * cleared_ha - mine_finds)
    p = _found_share(fld, activities, "uxo")
    scale = goal / max(float((fld["weight"].to_numpy() * p).sum()), 1e-12)
    return sample_uxo(fld, scale * fld["weight"].to_numpy(), seed)


def _nuisance(
    land: Landscape,
    activities: gpd.GeoDataFrame,
    records: gpd.GeoDataFrame,
    mines: pd.DataFrame,
    hits: pd.DataFrame,
    seed: int,
) -> pd.DataFrame:
    """Scattered nuisance mines outside the records, as many as make the expected record recall (mine finds
    within the tolerance of a record) reach ``TARGETS["record_recall"]``."""
    near = shapely.STRtree(records.geometry.to_numpy())
    found = mines.iloc[hits["device"].to_numpy()]
    inside = np.zeros(len(found), bool)
    inside[
        near.query(shapely.points(found["x"], found["y"]), predicate="dwithin", distance=TOLERANCE_M)[0]
    ] = True
    recall = TARGETS["record_recall"][0]
    need = inside.sum() * (1 - recall) / recall - (~inside).sum()
    fld = nuisance_field(land)
    p = _found_share(fld, activities, "mine")
    scale = max(need, 0.0) / max(float((fld["weight"].to_numpy() * p).sum()), 1e-12)
    extra = sample_nuisance(fld, scale * fld["weight"].to_numpy(), seed)
    drop = near.query(shapely.points(extra["x"], extra["y"]), predicate="dwithin", distance=TOLERANCE_M)[0]
    return extra.drop(index=extra.index[np.unique(drop)]).reset_index(drop=True)


def simulate(*, scale: str = "small", seed: int = 0) -> SimulatedScenario:
    """Simulate a whole scenario: SIMULATED data of the Karabakh region with ground truth.

    Parameters
    ----------
    scale : {"tiny", "small", "full", "huge"}
        Size (see ``mineaction.simulate.scales.SCALES``).
    seed : int
        Random seed; the same seed gives the same scenario.

    Returns
    -------
    SimulatedScenario
        Observed layers (EPSG:4326), truth and calibration.
    """
    spec = get_scale(scale)
    land = build_landscape(spec, seed)
    minefields = build_minefields(land, spec, seed)
    mines, rows = lay_mines(minefields, seed)
    records = make_records(land, minefields, rows, seed)
    hazards = make_hazards(land, records, minefields, seed)
    hazards.insert(0, "id", [format_id("HA", k + 1) for k in range(len(hazards))])
    activities = schedule_activities(hazards, records, factor=land.factor, seed=seed)
    devices, hits = _devices_found(land, activities, records, mines, seed)
    parts = _people(land, devices, hits, records, seed)
    parts.update(
        hazards=hazards,
        activities=activities,
        records=records,
        minefields=minefields,
        rows=rows,
        funding=make_funding(land.factor, seed),
        operators=make_operators(land.factor),
    )
    layers, earlier, truth = observed_layers(parts)
    truth.update(parts["people_truth"])
    layers, earlier, defects = inject_defects(layers, earlier, seed)
    tables = {"returns": parts["returns"], "casualties_1991_2020": parts["history"]}
    calibration = calibration_report(layers, parts["history"], land.factor)
    meta = {
        "simulated": True,
        "scale": scale,
        "seed": seed,
        "factor": round(land.factor, 6),
        "defects": defects.to_dict(orient="records"),
    }
    return SimulatedScenario(
        scale, seed, land.factor, layers, tables, truth, calibration, land, meta, earlier
    )


def _devices_found(
    land: Landscape, activities: gpd.GeoDataFrame, records: gpd.GeoDataFrame, mines: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every true device (mines, scattered nuisance mines, UXO) and which of them the activities find."""
    first = detect(mines, activities, seed, "mines")
    mines = pd.concat([mines, _nuisance(land, activities, records, mines, first, seed)], ignore_index=True)
    mine_hits = detect(mines, activities, seed, "mines")
    uxo = _uxo(land, activities, len(mine_hits), seed)
    uxo_hits = detect(uxo, activities, seed, "uxo").assign(device=lambda h: h["device"] + len(mines))
    return pd.concat([mines, uxo], ignore_index=True), pd.concat([mine_hits, uxo_hits], ignore_index=True)


def _people(
    land: Landscape, devices: pd.DataFrame, hits: pd.DataFrame, records: gpd.GeoDataFrame, seed: int
) -> dict[str, Any]:
    """Returns, accidents (removing the finds of devices that went off first), victims and 1991-2020
    aggregates."""
    found_on = np.full(len(devices), np.datetime64("NaT"), dtype="datetime64[D]")
    found_on[hits["device"].to_numpy()] = hits["found_on"].to_numpy().astype("datetime64[D]")
    returns = make_returns(land.assets, land.factor, seed)
    plan = cas.make_accidents(land, devices, found_on, records, returns, FRONT_ZONE_M, seed)
    accidents = cas.accident_frame(land, plan, devices)
    victims = cas.make_victims(accidents, seed)
    victims["date_of_birth"] = dates_of_birth(victims, accidents, seed)
    needs, services, survivors = make_assistance(victims, accidents, seed)
    risk_education, coverage = make_risk_education(land.assets, land.factor, seed)
    return {
        "land": land,
        "devices": devices,
        "seed": seed,
        "returns": returns,
        "accidents": accidents,
        "hits": hits.loc[~hits["device"].isin(plan["device"])].reset_index(drop=True),
        "victims": victims,
        "history": cas.history_aggregates(land.factor),
        "risk_education": risk_education,
        "survivor_needs": needs,
        "survivor_services": services,
        "people_truth": {"eore_coverage": coverage, "survivors": survivors},
    }
