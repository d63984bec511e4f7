"""Figures over time and place: the land release ledger, casualties and funding, as the dashboard and the
server show them (the report draws the same tables from ``report.evidence_tables``).

``land_release(store)`` gives the released area (m2) and its cost (US$) by year, district, operator and
method; ``casualty_figures(store, small_counts_hidden=...)`` the casualties (people) by year, district,
setting, group, age band and sex, with counts from 1 to 4 shown as ``"<5"`` for readers without the
personal-data permission; ``funding_figures(store)`` the money (US$) by year and donor kind with the foreign
share and its interval. Each returns a frozen result whose ``to_dict()`` is the server's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mineaction import analysis
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.results import JsonResult, frame_rows, to_jsonable
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = [
    "CasualtyFigures",
    "FundingFigures",
    "LandRelease",
    "casualty_figures",
    "funding_figures",
    "land_release",
]

_RELEASE_KEYS = ("year", "district", "operator", "method")
_CASUALTY_KEYS = ("year", "district", "setting", "victim_group", "outcome")
_COUNTS = ("casualties", "killed", "injured")


@dataclass(frozen=True)
class LandRelease(JsonResult):
    """Land released (cancelled, reduced, cleared; m2), cost (US$), finds and their ratios: ``totals`` over
    all time and ``by`` each of year, district, operator and method (rows); ``simulated`` data says so."""

    totals: Mapping[str, Any]
    by: Mapping[str, tuple[Mapping[str, Any], ...]]
    simulated: bool


def land_release(source: Store | StoreSnapshot, *, settings: Settings | None = None) -> LandRelease:
    """The land release ledger of a store (``GET /land-release``)."""
    snap = as_snapshot(source, settings)
    acts, finds = snap.frame("activities"), snap.frame("finds")
    by = {key: tuple(frame_rows(analysis.land_release_ledger(acts, finds, by=key))) for key in _RELEASE_KEYS}
    return LandRelease(to_jsonable(analysis.release_totals(acts, finds)), by, snap.simulated)


@dataclass(frozen=True)
class CasualtyFigures(JsonResult):
    """Casualties (people): ``totals`` of the victim records, ``since`` with the yearly aggregates of earlier
    years, shares with their 95 % intervals, and ``by`` year, district, setting, victim group, outcome and
    ``age_band_sex`` (rows of ``casualties``, ``killed``, ``injured``). With ``small_counts_hidden`` every
    count from 1 to 4 reads ``"<5"``, so no row singles out a person."""

    totals: Mapping[str, Any]
    since: Mapping[str, Any]
    intervals: Mapping[str, Any]
    by: Mapping[str, tuple[Mapping[str, Any], ...]]
    small_counts_hidden: bool
    simulated: bool


def _hidden(values: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    small = f"<{analysis.SMALL_COUNT}"
    return {
        k: (small if k in names and isinstance(v, int | float) and 0 < v < analysis.SMALL_COUNT else v)
        for k, v in values.items()
    }


def casualty_figures(
    source: Store | StoreSnapshot, *, small_counts_hidden: bool = True, settings: Settings | None = None
) -> CasualtyFigures:
    """Casualty aggregates of a store (``GET /casualties``); never a row per person."""
    snap = as_snapshot(source, settings)
    table = analysis.casualty_table(snap.frame("victims"), snap.frame("accidents"))
    totals = analysis.casualty_totals(table)
    since = analysis.totals_with_aggregates(totals, snap.casualty_aggregates())
    shares = analysis.summary_stats(snap.frames(), casualty_aggregates=snap.casualty_aggregates())
    frames = {key: analysis.casualties_by(table, key) for key in _CASUALTY_KEYS}
    frames["age_band_sex"] = analysis.casualties_by(table, ["age_band", "sex"])
    if small_counts_hidden:
        frames = {k: analysis.public_table(v, _COUNTS) for k, v in frames.items()}
        people = ("total", "children", "women", "killed", "injured", "civilians")
        totals, since = _hidden(totals, people), _hidden(since, (*people, "victims"))
    intervals = {k: v for k, v in shares["intervals"].items() if k != "foreign_share"}
    if small_counts_hidden:  # an interval's k and n are counts of people too
        intervals = {k: _hidden(v, ("k", "n")) for k, v in intervals.items()}
    by = {k: tuple(frame_rows(v)) for k, v in frames.items()}
    return CasualtyFigures(
        to_jsonable(totals),
        to_jsonable(since),
        to_jsonable(intervals),
        by,
        small_counts_hidden,
        snap.simulated,
    )


@dataclass(frozen=True)
class FundingFigures(JsonResult):
    """Funding (US$): ``totals`` with the foreign share (0-1) and its 95 % interval, ``by_year`` and
    ``by_source`` (donor kind, with the land released attributed to it, m2, and the cost per m2, US$)."""

    totals: Mapping[str, Any]
    foreign_share_interval: Mapping[str, Any]
    by_year: tuple[Mapping[str, Any], ...]
    by_source: tuple[Mapping[str, Any], ...]
    simulated: bool


def funding_figures(source: Store | StoreSnapshot, *, settings: Settings | None = None) -> FundingFigures:
    """Funding by year and source of a store (``GET /funding``)."""
    snap = as_snapshot(source, settings)
    funding, acts = snap.frame("funding"), snap.frame("activities")
    shares = analysis.summary_stats({"funding": funding})["intervals"]
    return FundingFigures(
        to_jsonable(analysis.funding_totals(funding)),
        to_jsonable(shares["foreign_share"]),
        tuple(frame_rows(analysis.funding_by_year(funding))),
        tuple(frame_rows(analysis.funding_by_source(funding, acts))),
        snap.simulated,
    )
