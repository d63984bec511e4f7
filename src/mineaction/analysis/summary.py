"""Headline figures: the summaries that the command line and the report show, computed from frames by kind.

Each function takes ``frames`` (kind -> frame, as a store reads them) and the settings, calls the metric
functions of this package (where every metric is defined) and returns plain dicts and frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mineaction.analysis.casualties import casualty_table, casualty_totals, totals_with_aggregates
from mineaction.analysis.intervals import share
from mineaction.analysis.ledger import foreign_share_interval, funding_totals, release_totals
from mineaction.analysis.outside import hazards_with_history, outside_flags, outside_share, outside_share_by
from mineaction.analysis.records import (
    assess_each_record,
    record_accuracy,
    record_accuracy_by_source,
    record_recall,
)
from mineaction.analysis.spatial import utm_crs_of
from mineaction.settings import Settings

__all__ = ["assess_records", "metric_crs_for", "summary_stats"]


def metric_crs_for(frames: Mapping[str, pd.DataFrame], settings: Settings) -> str:
    """``settings.metric_crs`` when the data lie in its UTM zone's region, else the data's own UTM zone.

    The zone is estimated from the hazardous areas, finds or accidents (the first kind that has points).
    """
    for kind in ("hazardous_areas", "finds", "accidents", "minefield_records", "activities"):
        frame = frames.get(kind)
        if frame is not None and len(frame) and "geometry" in frame.columns:
            zone = utm_crs_of(frame, default=settings.metric_crs)
            return settings.metric_crs if zone == settings.metric_crs else zone
    return settings.metric_crs


def _by(flags: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    table = outside_share_by(flags.dropna(subset=[key]), key).rename(columns={"n_events": "n_accidents"})
    rows = []
    for row in table.to_dict(orient="records"):
        n = int(row["n_accidents"])
        for col in ("outside_records", "outside_known_hazards"):
            k = round(float(row[col]) * n)
            found = share(k, n)
            row[f"{col}_low"], row[f"{col}_high"] = found["low"], found["high"]
        rows.append({str(k): v for k, v in row.items()})
    return rows


def _flag_share(flags: pd.DataFrame, column: str) -> dict[str, Any]:
    n = len(flags)
    return share(int(flags[column].sum()) if n else 0, n)


def _record_intervals(
    assessed: pd.DataFrame,
    recall: Mapping[str, Any],
    acc_flags: pd.DataFrame,
    find_flags: pd.DataFrame,
) -> dict[str, dict[str, Any]]:
    """Every share of ``records assess`` with its count and 95 % Wilson interval (see analysis.intervals)."""
    done = assessed.loc[assessed["processed"]] if "processed" in assessed.columns else assessed.iloc[0:0]
    out = {
        name: share(int(done[col].sum()) if len(done) else 0, len(done))
        for name, col in (
            ("record_accuracy", "accurate"),
            ("confirmed", "confirmed"),
            ("complete", "complete"),
            ("positioned", "positioned"),
        )
    }
    out["record_recall"] = share(int(recall["n_inside"]), int(recall["n_mine_finds"]))
    out["outside_share_records"] = _flag_share(acc_flags, "outside_records")
    out["outside_share_known_hazards"] = _flag_share(acc_flags, "outside_known_hazards")
    out["finds_outside_records"] = _flag_share(find_flags, "outside_records")
    out["finds_outside_known_hazards"] = _flag_share(find_flags, "outside_known_hazards")
    return out


def assess_records(
    frames: Mapping[str, pd.DataFrame],
    *,
    settings: Settings,
    crs: str | None = None,
    hazard_history: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Record accuracy, recall and outside shares for ``mineaction records assess``.

    ``hazard_history`` (``store.history("hazardous_areas")``), when given, dates each hazard's knowledge by
    the store's history as well as by its ``reported_on`` (see ``hazards_with_history``).

    Returns
    -------
    dict
        ``record_accuracy``, ``record_recall``, ``outside_share_records``, ``outside_share_known_hazards``
        (accidents; 0-1), ``finds_outside_records`` (mine finds; 0-1), ``intervals`` (every one of these
        shares and the parts of accuracy with its count ``k`` of ``n`` and 95 % Wilson bounds ``low``,
        ``high``; the rows by year and district carry ``*_low`` and ``*_high`` too), ``parts``
        (confirmed, complete, positioned shares and counts), ``by_source``, ``outside_by_year`` and
        ``outside_by_district`` (lists of dicts), ``records`` (list of per-record dicts), ``metric_crs``,
        ``tolerance_m``.
    """
    crs = crs or metric_crs_for(frames, settings)
    records, finds = frames.get("minefield_records"), frames.get("finds")
    activities = frames.get("activities")
    hazards = hazards_with_history(frames.get("hazardous_areas"), hazard_history)
    empty = pd.DataFrame({"id": pd.Series(dtype=object)})
    assessed = assess_each_record(
        records if records is not None else empty, finds, activities, settings=settings, crs=crs
    )
    parts = record_accuracy(assessed)
    recall = record_recall(records if records is not None else empty, finds, settings=settings, crs=crs)
    acc_flags = outside_flags(frames.get("accidents"), records, hazards, crs=crs)
    mine_finds = finds
    if finds is not None and "category" in finds.columns:
        mine_finds = finds.loc[finds["category"].isin(["AP", "AT"])]
    find_flags = outside_flags(mine_finds, records, hazards, crs=crs)
    return {
        "record_accuracy": parts["accuracy"],
        "record_recall": recall["recall"],
        "outside_share_records": outside_share(acc_flags, "outside_records"),
        "outside_share_known_hazards": outside_share(acc_flags, "outside_known_hazards"),
        "finds_outside_records": outside_share(find_flags, "outside_records"),
        "finds_outside_known_hazards": outside_share(find_flags, "outside_known_hazards"),
        "n_accidents_located": int(len(acc_flags)),
        "intervals": _record_intervals(assessed, recall, acc_flags, find_flags),
        "parts": {**parts, **recall},
        "by_source": record_accuracy_by_source(assessed).to_dict(orient="records"),
        "outside_by_year": _by(acc_flags, "year"),
        "outside_by_district": _by(acc_flags, "district"),
        "records": assessed.to_dict(orient="records"),
        "metric_crs": crs,
        "tolerance_m": float(settings.positional_tolerance_m),
    }


def summary_stats(
    frames: Mapping[str, pd.DataFrame], *, casualty_aggregates: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Victims, funding and land release totals for ``mineaction stats``.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Records by kind.
    casualty_aggregates : DataFrame, optional
        Yearly casualty counts of years before victim records (``year, victims, killed, children, women``);
        when given, ``victims`` counts them too.

    Returns
    -------
    dict
        ``victims``: total, children, women, killed, injured (people), killed_share (0-1) and ``since``
        (first aggregated year, or None);
        ``victims_recorded``: the victim records alone, with injured, civilians (people) and killed_share
        (0-1); ``funding``: total_usd, foreign_usd (US$), foreign_share (0-1); ``land_release``:
        cancelled_m2, reduced_m2, cleared_m2, released_m2 (m2), released_ha (ha), cost_usd (US$),
        cost_per_m2_usd (US$/m2), n_finds, finds_per_ha; ``intervals``: killed, children's and women's
        shares of all victims (with the aggregates) and the killed share of the victim records alone
        (``killed_share_recorded``), each with its count and 95 % Wilson interval, and the
        foreign share of funding with a 95 % bootstrap interval over the grants.
    """
    recorded = casualty_totals(casualty_table(frames.get("victims"), frames.get("accidents")))
    victims: dict[str, Any] = totals_with_aggregates(recorded, casualty_aggregates)
    victims["injured"] = victims["total"] - victims["killed"]
    victims["killed_share"] = victims["killed"] / victims["total"] if victims["total"] else float("nan")
    total = int(victims["total"])
    return {
        "victims": victims,
        "victims_recorded": recorded,
        "funding": funding_totals(frames.get("funding")),
        "land_release": release_totals(frames.get("activities"), frames.get("finds")),
        "intervals": {
            "killed_share": share(int(victims["killed"]), total),
            "killed_share_recorded": share(int(recorded["killed"]), int(recorded["total"])),
            "children_share": share(int(victims["children"]), total),
            "women_share": share(int(victims["women"]), total),
            "foreign_share": foreign_share_interval(frames.get("funding")),
        },
    }
