"""Assistance to survivors: who was assessed, how soon the first service came and which needs stay open, by
sex and age band; and the public form of such tables, small counts hidden (definitions in docs/metrics.md).

Pure functions over frames with the schema's columns (``victims``, ``accidents``, ``survivor_needs``,
``survivor_services``). A **survivor** is a victim whose outcome is ``injured``. Everything is counted on
the day ``as_of`` (records dated later are ignored). These tables are built from personal data: what leaves
for people without the personal-data permission goes through ``public_table``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mineaction.analysis.casualties import casualty_table
from mineaction.analysis.spatial import column, to_timestamps
from mineaction.domain.disclosure import SMALL_COUNT as DISCLOSURE_SMALL_COUNT
from mineaction.domain.disclosure import suppress_table

__all__ = [
    "OPEN_NEED_DAYS",
    "OPEN_STATUSES",
    "SMALL_COUNT",
    "assistance_by",
    "assistance_totals",
    "need_table",
    "needs_by",
    "public_table",
    "survivor_table",
]

#: Need statuses that leave a need open (not met, declined or lost to follow-up).
OPEN_STATUSES = ("open", "referred", "in_progress")
#: A need open more than this many days after its assessment counts as "open more than a year".
OPEN_NEED_DAYS = 365
#: Counts below this are shown as "<5" in public outputs, and figures from fewer people are not shown.
SMALL_COUNT = DISCLOSURE_SMALL_COUNT

_FIGURES = (
    "survivors",
    "assessed",
    "assessed_share",
    "with_service",
    "median_days_to_first_service",
    "needs",
    "needs_met",
    "needs_open",
    "needs_open_over_a_year",
)


def _cutoff(as_of: Any) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize() if as_of is not None else pd.Timestamp.today().normalize()


def need_table(needs: pd.DataFrame | None, *, as_of: Any = None) -> pd.DataFrame:
    """One row per need assessed on or before ``as_of``: ``id, victim, need, status, assessed_on, closed_on,
    open`` (status open, referred or in progress; a need closed after ``as_of`` is still open then),
    ``days_open`` (days from assessment to ``as_of`` while open) and ``open_over_a_year``."""
    cutoff = _cutoff(as_of)
    frame = pd.DataFrame(needs if needs is not None else {})
    out = pd.DataFrame(
        {
            "id": column(frame, "id"),
            "victim": column(frame, "victim"),
            "need": column(frame, "need", fill="unknown"),
            "status": column(frame, "status", fill="open"),
            "assessed_on": to_timestamps(column(frame, "assessed_on")).to_numpy(),
            "closed_on": to_timestamps(column(frame, "closed_on")).to_numpy(),
        }
    )
    out = out.loc[out["assessed_on"] <= cutoff].copy()
    closed_later = out["closed_on"] > cutoff
    out.loc[closed_later, "status"] = "in_progress"  # as known then: not yet closed
    out.loc[closed_later, "closed_on"] = pd.NaT
    out["open"] = out["status"].isin(OPEN_STATUSES)
    out["days_open"] = np.where(out["open"], (cutoff - out["assessed_on"]).dt.days, 0)
    out["open_over_a_year"] = out["open"] & (out["days_open"] > OPEN_NEED_DAYS)
    return out.reset_index(drop=True)


def _first_service(services: pd.DataFrame | None, cutoff: pd.Timestamp) -> pd.Series:
    """Earliest delivery date (Timestamp) of a service on or before ``cutoff``, by victim id."""
    frame = pd.DataFrame(services if services is not None else {})
    given = to_timestamps(column(frame, "provided_on")).reset_index(drop=True)
    victim = column(frame, "victim").astype(object).reset_index(drop=True)
    keep = (given <= cutoff).to_numpy()
    if not keep.any():
        return pd.Series(dtype="datetime64[ns]")
    return given[keep].groupby(victim[keep].to_numpy()).min()


def survivor_table(
    victims: pd.DataFrame | None,
    accidents: pd.DataFrame | None,
    needs: pd.DataFrame | None,
    services: pd.DataFrame | None,
    *,
    as_of: Any = None,
) -> pd.DataFrame:
    """One row per survivor injured on or before ``as_of``.

    Columns: ``victim, accident, accident_on, year, district, sex, age_band, victim_group`` (as in
    ``casualty_table``), ``assessed`` (at least one need assessed), ``first_assessed_on``,
    ``first_service_on`` (earliest ``provided_on`` of any service), ``days_to_first_service`` (from the
    accident, days; NaN without a service), ``needs``, ``needs_met``, ``needs_open``,
    ``needs_open_over_a_year``.
    """
    cutoff = _cutoff(as_of)
    cas = casualty_table(victims, accidents)
    acc = pd.DataFrame(accidents if accidents is not None else {})
    when = to_timestamps(column(acc, "occurred_on")).set_axis(column(acc, "id").to_numpy())
    if cas.empty or "accident" not in cas.columns:
        return pd.DataFrame(columns=["victim", *_FIGURES])
    cas = cas.loc[cas["outcome"] == "injured"].copy()
    cas["accident_on"] = cas["accident"].map(when[~when.index.duplicated()])
    cas = cas.loc[~(cas["accident_on"] > cutoff)]
    out = cas.rename(columns={"id": "victim"})[
        ["victim", "accident", "accident_on", "year", "district", "sex", "age_band", "victim_group"]
    ].reset_index(drop=True)
    table = need_table(needs, as_of=cutoff)
    per = table.groupby("victim").agg(
        first_assessed_on=("assessed_on", "min"),
        needs=("need", "size"),
        needs_met=("status", lambda s: int((s == "met").sum())),
        needs_open=("open", "sum"),
        needs_open_over_a_year=("open_over_a_year", "sum"),
    )
    out = out.join(per, on="victim")
    for name in ("needs", "needs_met", "needs_open", "needs_open_over_a_year"):
        out[name] = pd.to_numeric(out[name], errors="coerce").fillna(0).astype(int)
    out["assessed"] = out["needs"] > 0
    firsts = _first_service(services, cutoff)
    out["first_service_on"] = firsts.reindex(out["victim"].to_numpy()).to_numpy(dtype="datetime64[ns]")
    out["days_to_first_service"] = (out["first_service_on"] - out["accident_on"]).dt.days
    return out


def _figures(group: pd.DataFrame) -> dict[str, Any]:
    n = int(len(group))
    days = group["days_to_first_service"].dropna()
    return {
        "survivors": n,
        "assessed": int(group["assessed"].sum()),
        "assessed_share": float(group["assessed"].mean()) if n else None,
        "with_service": int(len(days)),
        "median_days_to_first_service": float(days.median()) if len(days) else None,
        "needs": int(group["needs"].sum()),
        "needs_met": int(group["needs_met"].sum()),
        "needs_open": int(group["needs_open"].sum()),
        "needs_open_over_a_year": int(group["needs_open_over_a_year"].sum()),
    }


def assistance_totals(table: pd.DataFrame) -> dict[str, Any]:
    """Headline figures over all survivors of ``survivor_table``: ``survivors``, ``assessed`` (people),
    ``assessed_share`` (0-1), ``with_service`` (people with a service), ``median_days_to_first_service``
    (days from the accident, over survivors with a service), ``needs``, ``needs_met``, ``needs_open`` and
    ``needs_open_over_a_year`` (needs)."""
    if table.empty:
        return _figures(
            pd.DataFrame(
                columns=[
                    "assessed",
                    "days_to_first_service",
                    "needs",
                    "needs_met",
                    "needs_open",
                    "needs_open_over_a_year",
                ]
            )
        )
    return _figures(table)


def assistance_by(table: pd.DataFrame, by: str | Sequence[str] = ("sex", "age_band")) -> pd.DataFrame:
    """The figures of ``assistance_totals`` by ``by`` (any of sex, age_band, year, district, victim_group)."""
    keys = [by] if isinstance(by, str) else list(by)
    if table.empty:
        return pd.DataFrame(columns=[*keys, *_FIGURES])
    rows = [
        {**dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)), **_figures(group)}
        for key, group in table.groupby(keys, dropna=False, sort=True)
    ]
    return pd.DataFrame(rows, columns=[*keys, *_FIGURES])


def needs_by(
    table: pd.DataFrame, services: pd.DataFrame | None = None, *, by: str = "need", as_of: Any = None
) -> pd.DataFrame:
    """Needs by ``by`` (``need`` or ``status``): ``needs, met, open, open_over_a_year`` and, by need,
    ``median_days_to_service``: days from the assessment to the first service of that kind delivered to the
    survivor (over needs that had one)."""
    cutoff = _cutoff(as_of)
    if table.empty:
        return pd.DataFrame(
            columns=[by, "needs", "met", "open", "open_over_a_year", "median_days_to_service"]
        )
    frame = pd.DataFrame(services if services is not None else {})
    given = pd.DataFrame(
        {
            "victim": column(frame, "victim"),
            "need": column(frame, "service_type"),
            "provided_on": to_timestamps(column(frame, "provided_on")).to_numpy(),
        }
    )
    first = given.loc[given["provided_on"] <= cutoff].groupby(["victim", "need"])["provided_on"].min()
    served = table.join(first, on=["victim", "need"])
    served["days_to_service"] = (served["provided_on"] - served["assessed_on"]).dt.days.clip(lower=0)
    grouped = served.assign(met=served["status"] == "met").groupby(by)
    out = grouped.agg(
        needs=("need", "size"),
        met=("met", "sum"),
        open=("open", "sum"),
        open_over_a_year=("open_over_a_year", "sum"),
        median_days_to_service=("days_to_service", "median"),
    )
    return out.reset_index()


def public_table(
    frame: pd.DataFrame,
    counts: Sequence[str],
    *,
    people: str | None = None,
    statistics: Sequence[str] = (),
    threshold: int = SMALL_COUNT,
) -> pd.DataFrame:
    """``frame`` fit for people without the personal-data permission: counts from 1 to ``threshold`` - 1 in
    the ``counts`` columns become the text ``"<5"`` (for the default threshold), and the ``statistics``
    columns (shares, medians) of rows counting fewer than ``threshold`` ``people`` become None, so no row
    lets a reader single out a survivor. Zero stays 0.
    """
    out = frame.copy()
    small = f"<{threshold}"
    if people is not None and statistics:
        few = pd.to_numeric(out[people], errors="coerce") < threshold
        for name in statistics:
            out[name] = out[name].astype(object).where(~few, None)
    if threshold == SMALL_COUNT:  # the one rule (domain.disclosure); other thresholds are the caller's
        return suppress_table(out, counts, totals=False)
    for name in counts:
        values = pd.to_numeric(out[name], errors="coerce")
        hide = (values > 0) & (values < threshold)
        out[name] = out[name].astype(object).where(~hide, small)
    return out
