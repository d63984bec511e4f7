"""Evidence jobs: assess the minefield records, raise new-contamination alerts, check data quality, count.

Each job takes a store (or a :class:`~mineaction.workflows.snapshot.StoreSnapshot` of one) and the settings,
calls the pure functions of :mod:`mineaction.analysis` and returns a frozen result whose ``to_dict()`` is the
JSON of the matching command (``records assess``, ``alerts``, ``quality``, ``stats``) and API endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from mineaction import analysis
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.patterns import PatternsResult, analyse_patterns, release_issues
from mineaction.workflows.results import JsonResult, frame_rows
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = [
    "AlertsResult",
    "QualityResult",
    "RecordAssessment",
    "StoreStats",
    "assess_records",
    "check_quality",
    "raise_alerts",
    "summarise_store",
]

_NO_JSON = {"json": False}


@dataclass(frozen=True)
class RecordAssessment(JsonResult):
    """Record accuracy, recall and outside shares (definitions in docs/metrics.md); shares are 0-1 or None.

    ``intervals`` gives every share with its count ``k`` of ``n`` and 95 % Wilson bounds (``low``, ``high``);
    ``parts`` holds the confirmed, complete and positioned shares and the counts behind them; ``by_source``,
    ``outside_by_year``, ``outside_by_district`` and ``records`` are rows (dicts).
    """

    record_accuracy: float | None
    record_recall: float | None
    outside_share_records: float | None
    outside_share_known_hazards: float | None
    finds_outside_records: float | None
    finds_outside_known_hazards: float | None
    n_accidents_located: int
    intervals: Mapping[str, Mapping[str, Any]]
    parts: Mapping[str, Any]
    by_source: tuple[Mapping[str, Any], ...]
    outside_by_year: tuple[Mapping[str, Any], ...]
    outside_by_district: tuple[Mapping[str, Any], ...]
    records: tuple[Mapping[str, Any], ...]
    metric_crs: str
    tolerance_m: float


def assess_records(source: Store | StoreSnapshot, *, settings: Settings | None = None) -> RecordAssessment:
    """How accurate the minefield records are against finds and accidents (``mineaction records assess``).

    Outside shares against the hazards known on each accident's date use the store's history of hazardous
    areas. Areas and distances are computed in the data's metric CRS (``settings.metric_crs`` in its zone).
    """
    snap = as_snapshot(source, settings)
    frames = snap.frames(("minefield_records", "finds", "activities", "hazardous_areas", "accidents"))
    found = analysis.assess_records(frames, settings=snap.settings, hazard_history=snap.hazard_history())
    tuples = {k: tuple(found[k]) for k in ("by_source", "outside_by_year", "outside_by_district", "records")}
    return RecordAssessment(**{**found, **tuples})


@dataclass(frozen=True)
class AlertsResult(JsonResult):
    """New-contamination alerts: clusters of finds made after the ceasefire or found in released land."""

    ceasefire: date
    alerts: pd.DataFrame = field(metadata=_NO_JSON)
    display: pd.DataFrame = field(metadata=_NO_JSON)

    @property
    def n_alerts(self) -> int:
        return len(self.alerts)

    @property
    def n_post_conflict(self) -> int:
        """Finds made after the ceasefire in all alerts (count)."""
        return int(self.alerts["n_post_conflict"].sum()) if len(self.alerts) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ceasefire": self.ceasefire.isoformat(),
            "n_alerts": self.n_alerts,
            "alerts": frame_rows(self.alerts),
        }


def raise_alerts(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    eps_m: float | None = None,
    min_finds: int | None = None,
) -> AlertsResult:
    """New-contamination alerts (``mineaction alerts``); cluster radius ``eps_m`` (m) and the fewest finds
    that make an alert default to the settings ``alert_eps_m`` and ``alert_min_finds``."""
    snap = as_snapshot(source, settings)
    s = snap.settings
    frames = snap.frames(("finds", "activities", "hazardous_areas", "accidents"))
    alerts = analysis.new_contamination_alerts(
        frames["finds"],
        frames["activities"],
        settings=s,
        crs=analysis.metric_crs_for(frames, s),
        eps_m=s.alert_eps_m if eps_m is None else eps_m,
        min_finds=s.alert_min_finds if min_finds is None else min_finds,
    )
    return AlertsResult(s.ceasefire, alerts, analysis.alerts_for_display(alerts))


@dataclass(frozen=True)
class QualityResult(JsonResult):
    """Data-quality issues, each with the kind, record id, check, value and fix, and a count by check."""

    issues: pd.DataFrame = field(metadata=_NO_JSON)
    summary: pd.DataFrame = field(metadata=_NO_JSON)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_issues": len(self.issues),
            "summary": frame_rows(self.summary),
            "issues": frame_rows(self.issues),
        }


def check_quality(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    release_check: bool = True,
    patterns: PatternsResult | None = None,
) -> QualityResult:
    """Data-quality issues of every kind of record (``mineaction quality``).

    With ``release_check`` (the default) every released area with mine finds or a record is also checked as
    if proposed for release (docs/patterns.md): one whose finds' pattern or record implies mines left in it
    is an issue of check ``released with mines implied``, with the mines expected, their interval and the
    reasons. ``patterns``, a result of ``analyse_patterns`` already computed for the store, saves computing
    them again.
    """
    snap = as_snapshot(source, settings)
    issues = analysis.data_quality(snap.frames(), settings=snap.settings)
    if release_check:
        checked = patterns if patterns is not None else analyse_patterns(snap, status="released")
        found = release_issues(checked)
        if len(found):
            issues = pd.concat([issues, found], ignore_index=True) if len(issues) else found
    return QualityResult(issues, analysis.quality_summary(issues))


@dataclass(frozen=True)
class StoreStats(JsonResult):
    """Live records by kind and the headline totals: victims (people), funding (US$), land release (m2, ha).

    ``victims`` counts the yearly aggregates of the years before victim records when the store keeps them
    (``since`` is then their first year); ``victims_recorded`` counts the victim records alone. ``intervals``
    gives the killed, children's and women's shares of the victims and the foreign share of funding with
    their counts and 95 % intervals.
    """

    store: str
    records: Mapping[str, int]
    total: int
    victims: Mapping[str, Any]
    victims_recorded: Mapping[str, Any]
    funding: Mapping[str, Any]
    land_release: Mapping[str, Any]
    intervals: Mapping[str, Mapping[str, Any]]


_SUMMARY_KINDS = ("victims", "accidents", "funding", "activities", "finds")


def summarise_store(source: Store | StoreSnapshot, *, settings: Settings | None = None) -> StoreStats:
    """Counts and headline totals of a store (``mineaction stats``)."""
    snap = as_snapshot(source, settings)
    counts = snap.counts()
    summary = analysis.summary_stats(
        snap.frames(_SUMMARY_KINDS), casualty_aggregates=snap.casualty_aggregates()
    )
    return StoreStats(snap.url, counts, sum(counts.values()), **summary)
