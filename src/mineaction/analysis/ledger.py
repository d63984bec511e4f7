"""Land release ledger and funding: m2 cancelled, reduced and cleared, costs, finds per ha, foreign share.

Definitions (docs/metrics.md):

- An activity's **year** is the year it ended (``ended_on``), else the year it started; **released m2** =
  cancelled + reduced + cleared m2.
- **Cost per m2 released** = sum of ``cost_usd`` / sum of released m2 (US$ per m2).
- **Finds per ha** = finds attributed to the activities (``finds.activity``) / cleared ha (1 ha = 10,000 m2).
- **Foreign share** of funding = amount_usd from donors other than ``national_state`` / all amount_usd.
- **Cost per m2 released by source**: the money of each donor kind / the released m2 of the activities that
  money funded (``funding.activities``); where funding names no activities, the donor kind's share of the
  year's money times the year's released m2.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from mineaction.analysis.intervals import weighted_share
from mineaction.analysis.spatial import column, to_timestamps

__all__ = [
    "AREA_FIELDS",
    "foreign_share_interval",
    "funding_by_source",
    "funding_by_year",
    "funding_totals",
    "land_release_ledger",
    "release_totals",
]

AREA_FIELDS: tuple[str, ...] = ("cancelled_m2", "reduced_m2", "cleared_m2")


def _activity_table(activities: pd.DataFrame | None, finds: pd.DataFrame | None) -> pd.DataFrame:
    acts = pd.DataFrame(activities if activities is not None else {}).copy()
    ended = to_timestamps(column(acts, "ended_on")).set_axis(acts.index)
    started = to_timestamps(column(acts, "started_on")).set_axis(acts.index)
    acts["year"] = ended.fillna(started).dt.year.astype("Int64")
    for col in (*AREA_FIELDS, "cost_usd", "deminer_days"):
        acts[col] = column(acts, col, numeric=True, fill=0.0)
    acts["released_m2"] = acts[list(AREA_FIELDS)].sum(axis=1)
    for col in ("district", "operator", "method", "activity_kind"):
        acts[col] = column(acts, col, fill="unknown")
    n_finds = pd.Series(dtype=float)
    if finds is not None and "activity" in finds.columns:
        n_finds = finds["activity"].value_counts()
    acts["n_finds"] = column(acts, "id").map(n_finds).fillna(0)
    return acts


def _ratios(table: pd.DataFrame) -> pd.DataFrame:
    released = table["released_m2"].where(table["released_m2"] > 0)
    cleared_ha = (table["cleared_m2"] / 10_000).where(table["cleared_m2"] > 0)
    return table.assign(
        cost_per_m2_usd=table["cost_usd"] / released, finds_per_ha=table["n_finds"] / cleared_ha
    )


def land_release_ledger(
    activities: pd.DataFrame | None, finds: pd.DataFrame | None = None, *, by: str | list[str] = "year"
) -> pd.DataFrame:
    """Released area by ``by`` (any of year, district, operator, method, activity_kind).

    Returns
    -------
    DataFrame
        The keys, then ``n_activities, cancelled_m2, reduced_m2, cleared_m2, released_m2`` (m2),
        ``cost_usd`` (US$), ``n_finds``, ``cost_per_m2_usd`` (US$/m2) and ``finds_per_ha`` (finds per
        cleared ha).
    """
    keys = [by] if isinstance(by, str) else list(by)
    acts = _activity_table(activities, finds)
    sums = ["cancelled_m2", "reduced_m2", "cleared_m2", "released_m2", "cost_usd", "n_finds"]
    if acts.empty:
        return pd.DataFrame(columns=keys + ["n_activities", *sums, "cost_per_m2_usd", "finds_per_ha"])
    table = acts.assign(n_activities=1).groupby(keys, dropna=False)[["n_activities", *sums]].sum()
    return _ratios(table.reset_index())


def release_totals(activities: pd.DataFrame | None, finds: pd.DataFrame | None = None) -> dict[str, float]:
    """All-time totals: m2 by kind of release, ha released, cost (US$), cost per m2 (US$/m2), finds per ha."""
    acts = _activity_table(activities, finds)
    total = _ratios(
        acts[["cancelled_m2", "reduced_m2", "cleared_m2", "released_m2", "cost_usd", "n_finds"]]
        .astype("float64")
        .sum()
        .to_frame()
        .T
    )
    row = total.iloc[0].to_dict()
    row["released_ha"] = row["released_m2"] / 10_000
    return {str(k): float(v) for k, v in row.items()}


def _funding_table(funding: pd.DataFrame | None) -> pd.DataFrame:
    fund = pd.DataFrame(funding if funding is not None else {}).copy()
    fund["amount_usd"] = column(fund, "amount_usd", numeric=True, fill=0.0)
    fund["year"] = column(fund, "year", numeric=True).astype("Int64")
    fund["donor_kind"] = column(fund, "donor_kind", fill="unknown")
    fund["foreign"] = fund["donor_kind"] != "national_state"
    return fund


def funding_totals(funding: pd.DataFrame | None) -> dict[str, float]:
    """``total_usd``, ``foreign_usd`` and ``foreign_share`` (0-1; NaN without funding) over all years."""
    fund = _funding_table(funding)
    total = float(fund["amount_usd"].sum())
    foreign = float(fund.loc[fund["foreign"], "amount_usd"].sum())
    return {"total_usd": total, "foreign_usd": foreign, "foreign_share": foreign / total if total else np.nan}


def foreign_share_interval(funding: pd.DataFrame | None) -> dict[str, Any]:
    """Foreign share of all funding (0-1, by US$) with the count of grants and a 95 % bootstrap interval over
    the grants (see ``mineaction.analysis.intervals.weighted_share``)."""
    fund = _funding_table(funding)
    return weighted_share(fund["amount_usd"].to_numpy(float), fund["foreign"].to_numpy(bool))


def funding_by_year(funding: pd.DataFrame | None) -> pd.DataFrame:
    """Per year: ``total_usd``, ``foreign_usd`` (US$) and ``foreign_share`` (0-1)."""
    fund = _funding_table(funding)
    if fund.empty:
        return pd.DataFrame(columns=["year", "total_usd", "foreign_usd", "foreign_share"])
    fund["foreign_usd"] = fund["amount_usd"].where(fund["foreign"], 0.0)
    table = (
        fund.groupby("year")[["amount_usd", "foreign_usd"]].sum().rename(columns={"amount_usd": "total_usd"})
    )
    table["foreign_share"] = table["foreign_usd"] / table["total_usd"].where(table["total_usd"] > 0)
    return table.reset_index()


def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []


def funding_by_source(funding: pd.DataFrame | None, activities: pd.DataFrame | None) -> pd.DataFrame:
    """Per donor kind: ``amount_usd`` (US$), ``released_m2`` attributed (m2) and ``cost_per_m2_usd``."""
    fund = _funding_table(funding)
    acts = _activity_table(activities, None)
    if fund.empty:
        return pd.DataFrame(columns=["donor_kind", "amount_usd", "released_m2", "cost_per_m2_usd"])
    released_by_id = acts.set_index("id")["released_m2"] if "id" in acts else pd.Series(dtype=float)
    released_by_year = acts.groupby("year")["released_m2"].sum()
    year_money = fund.groupby("year")["amount_usd"].sum()
    linked = column(fund, "activities").map(_ids)
    direct = linked.map(lambda ids: float(released_by_id.reindex(ids).fillna(0).sum()))
    share = fund["amount_usd"] / fund["year"].map(year_money).where(lambda s: s > 0)
    pro_rata = share * fund["year"].map(released_by_year).astype(float)
    fund["released_m2"] = np.where(linked.map(len) > 0, direct, pro_rata.fillna(0.0))
    table = fund.groupby("donor_kind")[["amount_usd", "released_m2"]].sum().reset_index()
    table["cost_per_m2_usd"] = table["amount_usd"] / table["released_m2"].where(table["released_m2"] > 0)
    return table
