"""Headline figures: the summaries that the command line and the report show, computed from frames by kind.

Each function takes ``frames`` (kind -> frame, as a store reads them) and the settings, calls the metric
functions of this package (where every metric is defined) and returns plain dicts and frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mineaction.analysis.casualties import casualty_table, casualty_totals, totals_with_aggregates
from mineaction.analysis.ledger import funding_totals, release_totals
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
    return [{str(k): v for k, v in row.items()} for row in table.to_dict(orient="records")]


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
        (accidents; 0-1), ``finds_outside_records`` (mine finds; 0-1), ``parts`` (confirmed, complete,
        positioned shares and counts), ``by_source``, ``outside_by_year`` and ``outside_by_district`` (lists
        of dicts), ``records`` (list of per-record dicts), ``metric_crs``, ``tolerance_m``.
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
        cost_per_m2_usd (US$/m2), n_finds, finds_per_ha.
    """
    recorded = casualty_totals(casualty_table(frames.get("victims"), frames.get("accidents")))
    victims: dict[str, Any] = totals_with_aggregates(recorded, casualty_aggregates)
    victims["injured"] = victims["total"] - victims["killed"]
    victims["killed_share"] = victims["killed"] / victims["total"] if victims["total"] else float("nan")
    return {
        "victims": victims,
        "victims_recorded": recorded,
        "funding": funding_totals(frames.get("funding")),
        "land_release": release_totals(frames.get("activities"), frames.get("finds")),
    }
