"""Charts of the evidence report (matplotlib, Agg): casualties, land release, funding, accuracy, outside
share.

Each function takes result frames of ``mineaction.analysis`` and returns a matplotlib Figure with units on its
axes; ``note`` (e.g. "SIMULATED data") is written under the title.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mineaction.report.framework import new_figure

__all__ = [
    "accuracy_by_source_chart",
    "casualties_by_band_chart",
    "casualties_by_year_chart",
    "funding_chart",
    "release_breakdown_chart",
    "release_by_year_chart",
    "outside_share_chart",
]

_COLOURS = {
    "killed": "#b71c1c",
    "injured": "#ef9a9a",
    "cancelled": "#90caf9",
    "reduced": "#42a5f5",
    "cleared": "#0d47a1",
    "national": "#78909c",
    "foreign": "#ff8f00",
}


def _frame(title: str, note: str, *, size: tuple[float, float] = (6.4, 3.8)) -> tuple[Figure, Axes]:
    fig = new_figure(figsize=size)
    ax = fig.subplots()
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _empty(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="#607d8b")


def casualties_by_year_chart(by_year: pd.DataFrame, *, note: str = "") -> Figure:
    """Stacked bars of killed and injured people per year (from ``casualties_by(table, "year")``)."""
    fig, ax = _frame("Casualties by year", note)
    data = by_year.dropna(subset=["year"])
    if data.empty:
        _empty(ax)
        return fig
    years = data["year"].astype(int).astype(str)
    ax.bar(years, data["killed"], color=_COLOURS["killed"], label="killed")
    ax.bar(years, data["injured"], bottom=data["killed"], color=_COLOURS["injured"], label="injured")
    ax.set_ylabel("casualties (people)")
    ax.legend(frameon=False)
    return fig


def casualties_by_band_chart(by_sex_band: pd.DataFrame, *, note: str = "") -> Figure:
    """Grouped bars of casualties (people) by age band and sex.

    ``by_sex_band`` is ``casualties_by(table, ["age_band", "sex"])``.
    """
    fig, ax = _frame("Casualties by age band and sex (child < 18 years)", note)
    if by_sex_band.empty:
        _empty(ax)
        return fig
    pivot = by_sex_band.pivot_table(
        index="age_band", columns="sex", values="casualties", aggfunc="sum", fill_value=0
    )
    colours = {"female": "#e91e63", "male": "#1565c0", "unknown": "#9e9e9e"}
    pivot.plot.bar(ax=ax, rot=0, color={c: colours.get(str(c), "#9e9e9e") for c in pivot.columns})
    ax.set_xlabel("age band")
    ax.set_ylabel("casualties (people)")
    ax.legend(title="sex", frameon=False)
    return fig


def release_by_year_chart(ledger_by_year: pd.DataFrame, *, note: str = "") -> Figure:
    """Stacked bars of hectares cancelled, reduced and cleared per year (from the ledger by year)."""
    fig, ax = _frame("Land released by year", note)
    data = ledger_by_year.dropna(subset=["year"])
    if data.empty:
        _empty(ax)
        return fig
    years = data["year"].astype(int).astype(str)
    bottom = np.zeros(len(data))
    for part in ("cancelled", "reduced", "cleared"):
        values = data[f"{part}_m2"].to_numpy(dtype=float) / 10_000
        ax.bar(years, values, bottom=bottom, color=_COLOURS[part], label=part)
        bottom += values
    ax.set_ylabel("land released (ha)")
    ax.legend(frameon=False)
    return fig


def release_breakdown_chart(ledger: pd.DataFrame, key: str, *, note: str = "", top: int = 15) -> Figure:
    """Horizontal bars of hectares released by ``key`` (``method``, ``district``, ``operator``)."""
    fig, ax = _frame(f"Land released by {key}", note, size=(6.4, 4.2))
    if ledger.empty:
        _empty(ax)
        return fig
    data = ledger.groupby(key)["released_m2"].sum().sort_values().tail(top) / 10_000
    ax.barh(data.index.astype(str), data.to_numpy(), color=_COLOURS["cleared"])
    ax.set_xlabel("land released (ha)")
    return fig


def funding_chart(by_year: pd.DataFrame, *, note: str = "") -> Figure:
    """Bars of national and foreign funding (million US$) per year with the foreign share (%) as a line."""
    fig, ax = _frame("Funding by source and foreign share", note)
    if by_year.empty:
        _empty(ax)
        return fig
    years = by_year["year"].astype(int).astype(str)
    foreign = by_year["foreign_usd"].to_numpy(dtype=float) / 1e6
    national = by_year["total_usd"].to_numpy(dtype=float) / 1e6 - foreign
    ax.bar(years, national, color=_COLOURS["national"], label="national state")
    ax.bar(years, foreign, bottom=national, color=_COLOURS["foreign"], label="foreign")
    ax.set_ylabel("funding (million US$)")
    share = ax.twinx()
    share.plot(
        years,
        100 * by_year["foreign_share"].to_numpy(dtype=float),
        "o-",
        color="#e65100",
        label="foreign share",
    )
    share.set_ylabel("foreign share (%)")
    share.set_ylim(0, 100)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    share.legend(loc="upper right", frameon=False, fontsize=8)
    return fig


def accuracy_by_source_chart(by_source: pd.DataFrame, *, note: str = "") -> Figure:
    """Grouped bars of the shares (%) of fully processed records confirmed, complete, positioned, accurate."""
    fig, ax = _frame("Minefield record accuracy by source", note)
    if by_source.empty or by_source["n_processed"].sum() == 0:
        _empty(ax)
        return fig
    parts = ["confirmed", "complete", "positioned", "accuracy"]
    data = by_source.set_index("handed_over_by")[parts].astype(float) * 100
    data.plot.bar(ax=ax, rot=0, color=["#a5d6a7", "#66bb6a", "#2e7d32", "#1b5e20"])
    ax.set_ylabel("share of fully processed records (%)")
    ax.set_xlabel("source (handed over by)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, fontsize=8)
    return fig


def outside_share_chart(by_year: pd.DataFrame, *, note: str = "") -> Figure:
    """Lines of the share (%) of accidents outside every record and outside known hazards, by year."""
    fig, ax = _frame("Accidents outside the records and the known hazards", note)
    data = by_year.dropna(subset=["year"])
    if data.empty:
        _empty(ax)
        return fig
    years = data["year"].astype(int).astype(str)
    ax.plot(years, 100 * data["outside_records"].astype(float), "o-", label="outside every minefield record")
    ax.plot(
        years,
        100 * data["outside_known_hazards"].astype(float),
        "s-",
        label="outside hazards known at the time",
    )
    ax.set_ylabel("share of located accidents (%)")
    ax.set_ylim(0, 105)
    ax.legend(frameon=False, fontsize=8)
    return fig
