"""The clearance plan in the report: Gantt-like schedule, per-year figures by scenario, map of release years.

Figure functions are pure (plan results in, matplotlib Figures out). ``build_section`` draws ``data.plans``
(full plan results with their scenario and ``plan_id``, from :mod:`mineaction.workflows.plan`: the plans the
demo made, or the latest plan saved in the store).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mineaction.report.framework import ReportFigure, ReportSection, new_figure, table_html
from mineaction.workflows import ReportData

__all__ = ["build_section", "clearance_year_map", "scenario_figures_chart", "schedule_gantt"]

_PANELS = (
    ("area_released_km2_by_year", "released that year, km2"),
    ("families_returned_by_year", "families able to return (cumulative)"),
    ("casualties_averted_by_year", "expected casualties averted that year"),
    ("money_spent_usd_by_year", "spent that year, US$ M"),
)


def _name(plan: Mapping[str, Any]) -> str:
    return str((plan.get("scenario") or {}).get("name") or "base plan")


def schedule_gantt(plan: Mapping[str, Any], *, top: int = 25, note: str = "") -> Figure:
    """Gantt-like chart: for the settlements and assets the plan unblocks (largest first, at most ``top``), a
    bar from the year work on their first blocking area starts to the year the last one is released."""
    spans: dict[str, list[int]] = {}
    families: dict[str, int] = {}
    for reason in plan.get("reasons", []):
        for gid in reason["unblocks"]:
            spans.setdefault(gid, []).append(int(reason["year"]))
        for gid in reason["unblocks"][:1]:
            families[gid] = max(families.get(gid, 0), int(reason["families_unblocked"]))
    order = sorted(spans, key=lambda g: (-families.get(g, 0), max(spans[g]), g))[:top]
    fig = new_figure(figsize=(7.5, 0.28 * max(len(order), 4) + 1.2))
    ax = fig.subplots()
    for row, gid in enumerate(order):
        start, end = min(spans[gid]), max(spans[gid])
        ax.barh(
            row,
            end - start + 1,
            left=start - 0.45,
            height=0.6,
            color="tab:green" if families.get(gid, 0) else "tab:blue",
        )
        label = f"{gid} ({families[gid]:,} families)" if families.get(gid, 0) else gid
        ax.text(end + 0.6, row, label, va="center", fontsize=7)
    ax.set_yticks([])
    ax.invert_yaxis()
    years = plan.get("years", [])
    if years:
        ax.set_xlim(years[0] - 0.6, years[-1] + 3.5)
        ax.set_xticks(years)
    ax.set_xlabel("year (bar: from first to last blocking area released)")
    ax.set_title(f"When each settlement (green) and asset (blue) is unblocked: {_name(plan)}", fontsize=9)
    if note:
        fig.text(0.01, 0.01, note, fontsize=7, color="grey")
    if not order:
        ax.text(0.5, 0.5, "nothing unblocked in the plan years", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    return fig


def scenario_figures_chart(
    plans: Sequence[Mapping[str, Any]], *, with_greedy: bool = True, note: str = ""
) -> Figure:
    """Four panels of per-year figures, one line per scenario (and the greedy baseline of the first plan)."""
    fig = new_figure(figsize=(9, 6))
    axes = fig.subplots(2, 2, sharex=True)
    lines = [(_name(p), p) for p in plans]
    if with_greedy and plans:
        lines.append(
            (f"greedy baseline ({_name(plans[0])})", {**plans[0]["greedy"], "years": plans[0]["years"]})
        )
    for ax, (key, label) in zip(axes.ravel(), _PANELS, strict=True):
        for i, (name, data) in enumerate(lines):
            values = np.asarray(data[key], dtype=float) / (1e6 if key.startswith("money") else 1.0)
            style = "--" if name.startswith("greedy") else "-"
            ax.plot(data["years"], values, style, marker="o", ms=3, label=name, color=f"C{i}")
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if note:
        fig.text(0.01, 0.005, note, fontsize=7, color="grey")
    fig.tight_layout()
    return fig


def clearance_year_map(areas: Any, schedule: Mapping[str, int | None], *, crs: str, note: str = "") -> Figure:
    """Map of hazardous areas coloured by the plan year they are released (grey: not in the plan), km axes."""
    fig = new_figure(figsize=(7, 6))
    ax = fig.subplots()
    metric = areas.to_crs(crs)
    year = metric["id"].map(schedule)
    planned = year.notna()
    done = (metric["status"] == "released") if "status" in metric else pd.Series(False, index=metric.index)
    if done.any():
        metric[done].plot(ax=ax, color="#b8e0b8", linewidth=0)
    metric[~planned & ~done].plot(ax=ax, color="lightgrey", linewidth=0)
    if planned.any():
        metric[planned].assign(year=year[planned].astype(int)).plot(
            ax=ax,
            column="year",
            cmap="viridis_r",
            legend=True,
            linewidth=0,
            legend_kwds={"label": "year released", "shrink": 0.6},
        )
    ax.set_axis_off()
    ax.set_title(
        "Hazardous areas by planned release year (grey: after the plan; pale green: released already)",
        fontsize=9,
    )
    if note:
        fig.text(0.01, 0.01, note, fontsize=7, color="grey")
    return fig


def _table(plans: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for p in plans:
        for i, year in enumerate(p["years"]):
            rows.append(
                {
                    "scenario": _name(p),
                    "year": year,
                    "released km2": p["area_released_km2_by_year"][i],
                    "families able to return": p["families_returned_by_year"][i],
                    "assets unblocked": p["assets_unblocked_by_year"][i],
                    "casualties averted that year (expected)": p["casualties_averted_by_year"][i],
                    "spent US$ M": p["money_spent_usd_by_year"][i] / 1e6,
                }
            )
    return pd.DataFrame(rows)


def build_section(data: ReportData) -> ReportSection | None:
    """The plan section, or None when no plan was made or saved."""
    plans = list(data.plans)
    if not plans:
        return None
    ids = [str(p.get("plan_id", "")) for p in plans]
    sim = "SIMULATED data. " if data.simulated else ""
    first = plans[0]
    summary = (
        f"<p>{html.escape(sim)}Plan {html.escape(', '.join(ids))}: objective {first['objective']:,.1f} "
        f"benefit points against {first['greedy_objective']:,.1f} for the greedy benefit/cost baseline; "
        f"at most {100 * first['mip_gap']:.2f} % from optimal (certified against an upper bound); "
        f"{html.escape(str(first['solver']))}, seed {first['seed']}. Families able to return by year 3: "
        f"{first['families_returned_by_year_3']:,} "
        f"(greedy {first['greedy']['families_returned_by_year_3']:,})."
        " Every plan is saved in the store with its inputs, weights, solver version and seed and can be "
        "re-run with <code>mineaction plan STORE --rerun PLAN_ID</code>.</p>"
    )
    figures = [
        ReportFigure("schedule", schedule_gantt(first, note=sim), f"Schedule of {_name(first)}. {sim}"),
        ReportFigure(
            "scenarios",
            scenario_figures_chart(plans, note=sim),
            f"Per-year figures by scenario; dashed: greedy baseline. {sim}",
        ),
    ]
    areas = data.frame("hazardous_areas")
    if len(areas) and "geometry" in areas:
        figures.append(
            ReportFigure(
                "map",
                clearance_year_map(areas, first["schedule"], crs=data.settings.metric_crs, note=sim),
                f"Hazardous areas by planned release year ({_name(first)}). {sim}",
            )
        )
    body = summary + table_html(_table(plans), caption=f"Per-year figures by scenario. {sim}")
    return ReportSection("Clearance plan", body, figures=figures, order=70, key="plan")
