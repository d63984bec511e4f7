"""Casualties: victims counted by year, district, setting, sex, age band, outcome and group, and the totals.

Definitions (docs/metrics.md): a **casualty** is a victim record (killed or injured). Its year, district
and setting are its accident's. **Age band**: ``child`` under 18, ``adult`` 18 or over, ``unknown`` without
an age.
**Women**: female victims aged 18 or over (girls count as children). **Killed**: outcome ``killed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mineaction.analysis.spatial import column, to_timestamps

__all__ = ["CHILD_AGE", "casualties_by", "casualty_table", "casualty_totals", "totals_with_aggregates"]

#: Victims younger than this (years) are children.
CHILD_AGE = 18

_ACCIDENT_FIELDS = ("district", "setting", "demining")


def casualty_table(victims: pd.DataFrame | None, accidents: pd.DataFrame | None) -> pd.DataFrame:
    """One row per victim with ``year``, ``district``, ``setting``, ``sex``, ``age_band``, ``outcome`` and
    ``victim_group`` (missing values become ``unknown``)."""
    vic = pd.DataFrame(victims if victims is not None else {}).copy()
    acc = pd.DataFrame(accidents if accidents is not None else {})
    if "id" in acc.columns and "accident" in vic.columns:
        acc_idx = acc.drop_duplicates("id").set_index("id")
        dates = to_timestamps(column(acc_idx, "occurred_on"))
        vic["year"] = vic["accident"].map(pd.Series(dates.dt.year.to_numpy(), index=acc_idx.index))
        for col in _ACCIDENT_FIELDS:
            if col in acc_idx.columns:
                vic[col] = vic["accident"].map(acc_idx[col])
    age = column(vic, "age", numeric=True)
    vic["age_band"] = np.select([age < CHILD_AGE, age >= CHILD_AGE], ["child", "adult"], default="unknown")
    vic["year"] = column(vic, "year", numeric=True).astype("Int64")
    for col in ("district", "setting", "sex", "outcome", "victim_group"):
        vic[col] = column(vic, col, fill="unknown")
    return vic


def casualties_by(table: pd.DataFrame, by: str | list[str] = "year") -> pd.DataFrame:
    """Casualty counts (people) by ``by``: any of year, district, setting, sex, age_band, outcome,
    victim_group; with ``killed`` and ``injured`` columns."""
    keys = [by] if isinstance(by, str) else list(by)
    if table.empty:
        return pd.DataFrame(columns=keys + ["casualties", "killed", "injured"])
    counts = table.assign(
        casualties=1,
        killed=(table["outcome"] == "killed").astype(int),
        injured=(table["outcome"] == "injured").astype(int),
    )
    return counts.groupby(keys, dropna=False)[["casualties", "killed", "injured"]].sum().reset_index()


def casualty_totals(table: pd.DataFrame) -> dict[str, int | float]:
    """``total``, ``children``, ``women``, ``killed``, ``injured``, ``civilians`` (people) and
    ``killed_share`` (0-1; NaN without casualties)."""
    total = int(len(table))
    if not total:
        return {
            "total": 0,
            "children": 0,
            "women": 0,
            "killed": 0,
            "injured": 0,
            "civilians": 0,
            "killed_share": float("nan"),
        }
    killed = int((table["outcome"] == "killed").sum())
    return {
        "total": total,
        "children": int((table["age_band"] == "child").sum()),
        "women": int(((table["sex"] == "female") & (table["age_band"] == "adult")).sum()),
        "killed": killed,
        "injured": int((table["outcome"] == "injured").sum()),
        "civilians": int((table["victim_group"] == "civilian").sum()),
        "killed_share": killed / total,
    }


def totals_with_aggregates(totals: dict[str, int | float], aggregates: pd.DataFrame | None) -> dict[str, Any]:
    """Casualty totals of the victim records plus yearly aggregates of earlier years.

    Parameters
    ----------
    totals : dict
        From :func:`casualty_totals` (victim records).
    aggregates : DataFrame or None
        One row per year with ``year`` and counts ``victims``, ``killed``, ``children``, ``women`` (people),
        for years the victim records do not cover (e.g. 1991-2020 before records were kept one by one).

    Returns
    -------
    dict
        ``total``, ``children``, ``women``, ``killed`` (people) and ``since`` (first year), or the record
        totals with ``since`` None when there are no aggregates.
    """
    keys = ("total", "children", "women", "killed")
    if aggregates is None or len(aggregates) == 0:
        return {**{k: int(totals[k]) for k in keys}, "since": None}
    agg = {
        k: int(column(aggregates, k if k != "total" else "victims", numeric=True, fill=0).sum()) for k in keys
    }
    since = column(aggregates, "year", numeric=True).min()
    return {**{k: int(totals[k]) + agg[k] for k in keys}, "since": None if pd.isna(since) else int(since)}
