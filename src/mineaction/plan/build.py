"""Build a planning problem from store frames: open hazardous areas, what they block, money, teams, accidents.

Inputs are the frames ``store.read(kind)`` gives (schema columns; geometries in EPSG:4326):
``hazardous_areas`` (with ``blocks``), ``assets`` (``families_planned``, ``value_usd``, ``access_road``,
``target_on``), ``operators`` (``teams``), ``funding`` (``year``, ``donor_kind``, ``amount_usd``,
``purpose``), ``activities`` (recent pace) and ``accidents`` (casualty rates when no risk surface is given).
Areas are measured in the metric CRS of ``Settings``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from mineaction.errors import PlanError
from mineaction.plan.problem import PlanningProblem, unit_costs
from mineaction.plan.settings import PlanSettings
from mineaction.settings import Settings

__all__ = ["build_problem"]

_MONEY_PURPOSES = {"clearance", "survey"}
_FOREIGN = {"foreign_government", "multilateral", "private"}


def _ids(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [v for v in value.split(",") if v]
    return [str(v).strip() for v in value]


def _need(frames: Mapping[str, pd.DataFrame], kind: str) -> pd.DataFrame:
    frame = frames.get(kind)
    if frame is None or len(frame) == 0:
        raise PlanError(
            f"the store holds no {kind}; import them before planning (mineaction import STORE FILE "
            f"--kind {kind})"
        )
    return frame


def _groups(areas: pd.DataFrame, assets: pd.DataFrame) -> tuple[list[str], dict[str, list[int]]]:
    """Asset ids blocked by open areas and, for each, the indices of its blocking areas (plus its access
    road's)."""
    known = set(assets["id"])
    blocked: dict[str, set[int]] = {}
    for i, (uid, value) in enumerate(zip(areas["id"], areas["blocks"], strict=True)):
        for aid in _ids(value):
            if aid not in known:
                raise PlanError(
                    f"hazardous area {uid} blocks {aid}, which is not among the assets; import "
                    f"{aid} or remove it from {uid}'s blocks"
                )
            blocked.setdefault(aid, set()).add(i)
    roads = dict(
        zip(assets["id"], assets.get("access_road", pd.Series(None, index=assets.index)), strict=True)
    )
    out: dict[str, list[int]] = {}
    for aid in assets["id"]:
        road = roads.get(aid)
        road = road if isinstance(road, str) and road else None
        if road is not None and road not in known:
            raise PlanError(
                f"asset {aid}: access road {road} is not among the assets; import it or clear the "
                "access_road field"
            )
        members = blocked.get(aid, set()) | (blocked.get(road, set()) if road else set())
        if members:
            out[aid] = sorted(members)
    return list(out), out


def _money(
    funding: pd.DataFrame | None, n_years: int, budget_usd: float | None, s: PlanSettings
) -> tuple[np.ndarray, np.ndarray]:
    """State and foreign money per plan year, US$: median of the last three funded years, or
    ``budget_usd``."""
    state = foreign = 0.0
    if funding is not None and len(funding):
        f = funding
        if "purpose" in f:
            f = f[f["purpose"].isna() | f["purpose"].isin(_MONEY_PURPOSES)]
        by = (
            f.assign(src=np.where(f["donor_kind"].isin(_FOREIGN), "foreign", "state"))
            .pivot_table(index="year", columns="src", values="amount_usd", aggfunc="sum", fill_value=0.0)
            .tail(3)
        )
        state = float(by.get("state", pd.Series([0.0])).median())
        foreign = float(by.get("foreign", pd.Series([0.0])).median())
    if budget_usd is not None:
        share = foreign / (state + foreign) if state + foreign > 0 else s.foreign_share_now
        state, foreign = budget_usd * (1 - share), budget_usd * share
    if state + foreign <= 0:
        raise PlanError(
            "no money for clearance or survey in the funding records; import funding or give --budget-usd"
        )
    return np.full(n_years, state), np.full(n_years, foreign)


def _capacity(frames: Mapping[str, pd.DataFrame], area_days_per_m2: float, s: PlanSettings) -> float:
    """Team-days a year: what the operators' recent yearly output needed under the planner's productivity
    settings (median of the last three years of activities); without activities, teams x working days."""
    acts = frames.get("activities")
    if acts is not None and len(acts):
        m2 = acts[["cleared_m2", "reduced_m2", "cancelled_m2"]].fillna(0).sum(axis=1)
        year = pd.to_datetime(acts["started_on"]).dt.year
        per_year = m2.groupby(year).sum().tail(3)  # the median shrugs off a partial last year
        if len(per_year) and per_year.median() > 0:
            return float(per_year.median() * area_days_per_m2)
    ops = frames.get("operators")
    teams = float(ops["teams"].fillna(0).sum()) if ops is not None and "teams" in ops else 0.0
    if teams <= 0:
        raise PlanError(
            "no demining teams in the operators and no past activities to measure the pace; "
            "import operators with their teams"
        )
    return teams * s.working_days_per_year


def _casualty_rates(
    areas_m: Any, accidents: pd.DataFrame | None, since: date, s: PlanSettings, crs: str
) -> np.ndarray:
    """Expected casualties a year per area from accidents since ``since`` within the buffer, smoothed by
    area."""
    import geopandas as gpd

    n = len(areas_m)
    area = areas_m.area.to_numpy()
    if accidents is None or len(accidents) == 0:
        return np.zeros(n)
    acc = accidents[
        accidents.geometry.notna() & (pd.to_datetime(accidents["occurred_on"]) >= pd.Timestamp(since))
    ]
    years = max(
        1.0,
        (pd.Timestamp(pd.to_datetime(accidents["occurred_on"]).max()) - pd.Timestamp(since)).days / 365.25,
    )
    counts = np.zeros(n)
    if len(acc):
        pts = gpd.GeoDataFrame(geometry=acc.geometry.to_crs(crs).buffer(s.accident_buffer_m))
        hit = gpd.sjoin(
            gpd.GeoDataFrame(geometry=areas_m.geometry.reset_index(drop=True)), pts, predicate="intersects"
        )
        counts = np.bincount(hit.index.to_numpy(), minlength=n).astype(float)
    prior = s.casualties_smoothing * max(counts.sum(), 1.0) * area / max(area.sum(), 1.0)
    return (counts + prior) / years


def build_problem(
    frames: Mapping[str, pd.DataFrame],
    *,
    years: int = 10,
    start_year: int | None = None,
    budget_usd: float | None = None,
    plan_settings: PlanSettings | None = None,
    settings: Settings | None = None,
    casualty_rate: Mapping[str, float] | None = None,
    simulated: bool | None = None,
) -> PlanningProblem:
    """A planning problem from store frames (see the module docstring for the kinds used).

    Parameters
    ----------
    frames : store frames by kind
    years : number of plan years
    start_year : first plan year (default: the year after the last funding year)
    budget_usd : money a year for survey and clearance, US$, split by today's foreign share (default: median
        of the last three funded years by source)
    plan_settings : planner settings (costs, weights, ANAMA criteria)
    settings : mineaction settings (metric CRS, ceasefire date)
    casualty_rate : expected casualties a year by hazardous-area id, e.g. risk x exposure from the risk model;
        default: past accidents since the ceasefire near each area
    simulated : mark the problem as made from simulated data (default: any source says SIMULATED)
    """
    s, ms = plan_settings or PlanSettings(), settings or Settings()
    all_areas = _need(frames, "hazardous_areas")
    areas: Any = all_areas[all_areas["status"] != "released"].reset_index(drop=True)
    if len(areas) == 0:
        raise PlanError("every hazardous area is released: there is nothing to plan")
    assets = frames.get("assets", pd.DataFrame(columns=["id"]))
    group_ids, members = _groups(areas, assets)
    metric = areas.to_crs(ms.metric_crs)
    area_m2 = metric.area.to_numpy()
    mix = np.array([s.mix_for(c) for c in areas["contamination"].fillna("mixed")])
    is_sha = (areas["hazard_kind"] == "SHA").to_numpy()
    _, cost, days = unit_costs(area_m2, mix, is_sha, s)
    funding = frames.get("funding")
    first = start_year or (
        int(funding["year"].max()) + 1 if funding is not None and len(funding) else date.today().year
    )
    state, foreign = _money(funding, years, budget_usd, s)
    capacity = _capacity(frames, float(days.sum() / area_m2.sum()), s)
    return _assemble(
        areas,
        assets,
        group_ids,
        members,
        area_m2,
        mix,
        is_sha,
        s,
        ms,
        first,
        years,
        state,
        foreign,
        capacity,
        frames.get("accidents"),
        casualty_rate,
        simulated,
    )


def _assemble(
    areas: Any,
    assets: pd.DataFrame,
    group_ids: list[str],
    members: dict[str, list[int]],
    area_m2: np.ndarray,
    mix: np.ndarray,
    is_sha: np.ndarray,
    s: PlanSettings,
    ms: Settings,
    first: int,
    years: int,
    state: np.ndarray,
    foreign: np.ndarray,
    capacity: float,
    accidents: pd.DataFrame | None,
    casualty_rate: Mapping[str, float] | None,
    simulated: bool | None,
) -> PlanningProblem:
    info = assets.set_index("id").reindex(group_ids)
    kinds = info["asset_kind"].fillna("settlement").astype(str).to_numpy()
    raw_target = info["target_on"] if "target_on" in info else pd.Series(None, index=info.index, dtype=object)
    target = pd.to_datetime(raw_target, errors="coerce")
    ready = (target.notna() & (target.dt.year <= first)).to_numpy()
    blocks_farm = np.zeros(len(areas), dtype=bool)
    priority = np.zeros(len(areas), dtype=bool)
    for g, aid in enumerate(group_ids):
        idx = members[aid]
        blocks_farm[idx] |= kinds[g] == "farmland"
        priority[idx] |= kinds[g] == "settlement" and bool(ready[g])
    if casualty_rate is not None:
        rates = areas["id"].map(casualty_rate).fillna(0.0).to_numpy(dtype=float)
    else:
        rates = _casualty_rates(areas.to_crs(ms.metric_crs), accidents, ms.ceasefire, s, ms.metric_crs)
    points = areas.geometry.representative_point()
    evidence = areas.get("evidence", pd.Series("", index=areas.index)).astype(str)
    sources = " ".join(str(v) for v in areas.get("source", pd.Series(dtype=str)).head(50))
    ptr = np.concatenate([[0], np.cumsum([len(members[a]) for a in group_ids])]).astype(np.int64)
    return PlanningProblem(
        unit_ids=tuple(areas["id"].astype(str)),
        area_m2=area_m2,
        is_sha=is_sha,
        method_mix=mix,
        farmland_ha=area_m2 / 1e4 * np.where(blocks_farm, 1.0, s.farmland_share),
        casualties_per_year=rates,
        priority=priority,
        consulted=evidence.str.contains('"witness"', regex=False).to_numpy(),
        earliest_year=np.zeros(len(areas), dtype=np.int64),
        lon=points.x.to_numpy(),
        lat=points.y.to_numpy(),
        group_ids=tuple(group_ids),
        group_kind=tuple(kinds),
        families=info["families_planned"].fillna(0).to_numpy(dtype=np.int64),
        value_usd=info["value_usd"].fillna(0.0).to_numpy(dtype=float),
        reconstruction_ready=ready,
        blocker_ptr=ptr,
        blocker_idx=np.concatenate([members[a] for a in group_ids] or [[]]).astype(np.int64),
        years=tuple(range(first, first + years)),
        budget_state_usd=state,
        budget_foreign_usd=foreign,
        team_days_capacity=np.full(years, capacity),
        settings=s,
        source="store frames",
        simulated=("SIMULATED" in sources.upper()) if simulated is None else simulated,
    )
