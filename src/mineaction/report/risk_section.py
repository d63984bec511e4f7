"""Report section of the risk model: the risk map, capture curves against the baselines, and candidates.

The figures come from ``data.risk`` (:class:`mineaction.workflows.RiskResults`: the same validation, surface
and candidates as ``mineaction risk evaluate``, ``predict`` and ``candidates``). The figure functions are pure
(results in, matplotlib Figure out), so they can be reused outside the report. Every caption states units and
whether the data are simulated.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mineaction.report.framework import ReportFigure, ReportSection, new_figure, table_html
from mineaction.workflows import ReportData, RiskResults

__all__ = ["build_section", "candidates_figure", "capture_figure", "risk_map_figure"]

SCHEMES = ("shuffled", "spatial", "temporal")
#: Schemes of the metrics table: the figure keeps three panels, the table adds the region headline.
TABLE_SCHEMES = ("shuffled", "spatial", "region", "temporal")


def _extent_km(grid: Any) -> tuple[float, float, float, float]:
    west, south, east, north = grid.bounds
    return (west / 1000, east / 1000, south / 1000, north / 1000)


def _overlay(ax: Axes, frames: Mapping[str, pd.DataFrame], crs: str) -> None:
    ctx = frames.get("context_layers")
    if ctx is not None and len(ctx) and "layer_kind" in ctx.columns:
        front = gpd.GeoDataFrame(ctx[ctx["layer_kind"] == "front_line"], crs="EPSG:4326").to_crs(crs)
        if len(front):
            front.geometry.scale(1e-3, 1e-3, origin=(0, 0)).plot(
                ax=ax, color="#3e2723", linewidth=1, linestyle="--"
            )


def risk_map_figure(
    grid: Any, surface: np.ndarray, frames: Mapping[str, pd.DataFrame], *, simulated: bool
) -> Figure:
    """Map of the probability of contamination per cell (0-1), former front line dashed; axes in km."""
    fig = new_figure(figsize=(7.5, 7))
    ax = fig.subplots()
    image = ax.imshow(
        np.ma.masked_invalid(surface),
        extent=_extent_km(grid),
        cmap="magma_r",
        vmin=0,
        vmax=max(float(np.nanquantile(surface, 0.995)), 1e-6),
        interpolation="nearest",
    )
    _overlay(ax, frames, grid.crs)
    west, east, south, north = _extent_km(grid)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    fig.colorbar(image, ax=ax, shrink=0.7, label="probability of contamination (0-1)")
    ax.set_xlabel(f"easting (km, {grid.crs})")
    ax.set_ylabel("northing (km)")
    ax.set_title("Modelled contamination risk" + (" (SIMULATED data)" if simulated else ""))
    fig.tight_layout()
    return fig


def capture_figure(evaluation: Mapping[str, Any], *, simulated: bool) -> Figure:
    """Capture curves (share of held-out positives in the top x % of the area) of the model and every
    baseline, one panel per validation scheme."""
    schemes = [s for s in SCHEMES if evaluation["schemes"].get(s, {}).get("capture")]
    fig = new_figure(figsize=(4.2 * max(len(schemes), 1), 4))
    axes = fig.subplots(1, max(len(schemes), 1), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, schemes, strict=False):
        scheme = evaluation["schemes"][name]
        for who, metrics in [("model", scheme)] + list(scheme.get("baselines", {}).items()):
            xs = [0] + [float(k) for k in metrics["capture"]]
            ys = [0] + [100 * (v or 0) for v in metrics["capture"].values()]
            ax.plot(xs, ys, marker="o", linewidth=2.5 if who == "model" else 1.2, label=who)
        ax.plot([0, 30], [0, 30], color="grey", linestyle=":", label="no skill")
        ax.set_title(scheme.get("scheme", name))
        ax.set_xlabel("top share of the area (%)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("held-out positives captured (%)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Capture curves" + (" (SIMULATED data)" if simulated else ""))
    fig.tight_layout()
    return fig


def candidates_figure(
    grid: Any, candidates: gpd.GeoDataFrame, frames: Mapping[str, pd.DataFrame], *, simulated: bool
) -> Figure:
    """Map of candidate SHA polygons (red) and the open hazardous areas (grey); axes in km."""
    fig = new_figure(figsize=(7.5, 7))
    ax = fig.subplots()
    ha = frames.get("hazardous_areas")
    if ha is not None and len(ha):
        kept = ha[ha["status"] != "released"] if "status" in ha.columns else ha
        open_ha = gpd.GeoDataFrame(kept, crs="EPSG:4326")
        open_ha.to_crs(grid.crs).geometry.scale(1e-3, 1e-3, origin=(0, 0)).plot(ax=ax, color="#b0bec5")
    if len(candidates):
        shapes = candidates.to_crs(grid.crs).geometry.scale(1e-3, 1e-3, origin=(0, 0))
        shapes.plot(ax=ax, facecolor="#e53935", edgecolor="#b71c1c", linewidth=0.6)
    _overlay(ax, frames, grid.crs)
    west, east, south, north = _extent_km(grid)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal")
    ax.set_xlabel(f"easting (km, {grid.crs})")
    ax.set_ylabel("northing (km)")
    ax.set_title(
        f"{len(candidates)} candidate SHAs (red) outside open hazardous areas (grey)"
        + (" - SIMULATED" if simulated else ""),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def _metrics_table(evaluation: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for name in TABLE_SCHEMES:
        scheme = evaluation["schemes"].get(name, {})
        if not scheme.get("capture"):
            continue
        scores = [("model", scheme)] + [
            (f"{k} (untuned)", v) for k, v in scheme.get("reference_models", {}).items()
        ]
        for who, m in scores + list(scheme.get("baselines", {}).items()):
            rows.append(
                {
                    "validation": name,
                    "score": who,
                    "ROC-AUC": m["roc_auc"],
                    "avg precision": m["average_precision"],
                    "captured in top 10 % (%)": 100 * (m["capture"]["10"] or 0),
                    "true mines in top 10 % (%)": 100 * m["truth_capture"]["10"]
                    if m.get("truth_capture")
                    else np.nan,
                    "false alarms per positive (top 10 %)": m["false_alarms_per_positive"],
                }
            )
    return pd.DataFrame(rows)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _interval(scheme: Mapping[str, Any]) -> str:
    auc = scheme.get("intervals", {}).get("roc_auc", {})
    if auc.get("low") is None:
        return ""
    return f" (95 % interval {_num(auc['low'])}-{_num(auc['high'])}, bootstrap over blocks)"


def _body(res: RiskResults, simulated: bool) -> str:
    ev, candidates = res.evaluation.to_dict(), res.candidates.candidates
    spatial = ev["schemes"].get("spatial", {})
    region = ev["schemes"].get("region", {})
    shuffled = ev["schemes"].get("shuffled", {})
    note = " All figures come from SIMULATED data." if simulated else ""
    if ev.get("label_basis") == "presence-background":
        gap_km = (ev.get("background_gap_m") or 0) / 1000
        note += (
            f" The store holds no survey or clearance results to learn land proven clear from, so "
            f"{ev.get('background_cells', 0):,} cells at least {gap_km:g} km from every find and "
            "accident serve as background (label 0): scores rank how much a cell resembles the event cells, "
            "and the figures below measure the separation of event cells from that background, not from "
            "cleared land; they are optimistic."
        )
    return (
        f"<p>Gradient-boosted trees (LightGBM, calibrated) on {res.cell_m:g} m cells, trained on results "
        f"from {ev.get('cutoff')} on with features known before it.{note} On land it has never seen (whole "
        f"regions held out in turn): ROC-AUC {_num(region.get('roc_auc'))}{_interval(region)}; with "
        f"{ev.get('block_m', 0) / 1000:g} km blocks held out: {_num(spatial.get('roc_auc'))}"
        f"{_interval(spatial)}; against {_num(shuffled.get('roc_auc'))} under shuffled CV, which leaks "
        "between neighbouring cells and is shown only to expose that.</p>"
        + table_html(
            _metrics_table(ev),
            caption="Validation side by side (capture: share of held-out "
            "positives in the top 10 % of the area ranked by score)",
        )
        + f"<p>{len(candidates)} candidate suspected hazardous areas "
        f"({candidates['area_m2'].sum() / 1e4:,.0f} ha) lie outside the open hazardous areas: proposals "
        "for non-technical survey, strongest first.</p>"
        + table_html(
            pd.DataFrame(candidates.drop(columns="geometry")).head(10)[
                ["candidate_id", "max_risk", "mean_risk", "area_m2", "nearby_events"]
            ],
            caption="Top 10 candidates (risk 0-1, area m2, finds and accidents within 500 m)",
        )
    )


def build_section(data: ReportData) -> ReportSection | None:
    """The risk section from ``data.risk``; a note when no model could be fitted; None without events."""
    res = data.risk
    if res is None:
        if not data.risk_note:
            return None
        return ReportSection("Contamination risk", f"<p>{html.escape(data.risk_note)}.</p>", order=60)
    sim = data.simulated
    tag = " Simulated data." if sim else ""
    grid, surface = res.surface.grid, res.surface.surface
    evaluation = res.evaluation.to_dict()
    figures = [
        ReportFigure(
            "map",
            risk_map_figure(grid, surface, data.frames, simulated=sim),
            f"Probability of contamination per {res.cell_m:g} m cell (0-1).{tag}",
        ),
        ReportFigure(
            "capture",
            capture_figure(evaluation, simulated=sim),
            f"Share of held-out positives (%) in the top share of the area (%), model vs "
            f"baselines, per validation scheme.{tag}",
        ),
        ReportFigure(
            "candidates",
            candidates_figure(grid, res.candidates.candidates, data.frames, simulated=sim),
            f"Candidate SHA polygons from connected high-risk cells (top "
            f"{data.settings.candidate_top_share_pct:g} % of the area).{tag}",
        ),
    ]
    return ReportSection("Contamination risk", _body(res, sim), figures, order=60)
