"""Report section of the risk model: the risk map, capture curves against the baselines, and candidates.

``risk_results(frames, ...)`` fits, validates and predicts once (the demo keeps the result in
``context.results["risk"]``); the figure functions are pure (results in, matplotlib Figure out), so they can
be reused outside the report. Every caption states units and whether the data are simulated.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mineaction.errors import ModelError  # noqa: E402
from mineaction.report.framework import ReportContext, ReportFigure, ReportSection, table_html  # noqa: E402

__all__ = ["build_section", "candidates_figure", "capture_figure", "risk_map_figure", "risk_results"]

SCHEMES = ("shuffled", "spatial", "temporal")
REPORT_CELL_M = 250.0


def risk_results(
    frames: Mapping[str, pd.DataFrame],
    *,
    cell_m: float = REPORT_CELL_M,
    crs: str = "EPSG:32638",
    truth: pd.DataFrame | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Validation side by side, today's surface and the candidates, on ``cell_m`` m cells.

    Returns a dict with ``evaluation`` (as ``risk evaluate --json``), ``grid``, ``surface`` (probability
    0-1 per cell, NaN outside the area of interest), ``candidates`` (GeoDataFrame, WGS84) and ``cell_m``.
    """
    from mineaction.risk import RiskModel
    from mineaction.risk.candidates import find_candidates
    from mineaction.risk.features import compute_features
    from mineaction.risk.surface import (
        aoi_mask,
        default_cutoff,
        evaluate_layers,
        grid_for_layers,
        predict_surface,
        prepare_cells,
    )

    layers = {k: v for k, v in frames.items() if v is not None}
    cutoff = default_cutoff(layers)
    evaluation = evaluate_layers(
        layers,
        model=RiskModel(random_state=seed),
        cell_m=cell_m,
        crs=crs,
        cutoff=cutoff,
        truth=truth,
        random_state=seed,
    )
    grid = grid_for_layers(layers, cell_m=cell_m, crs=crs)
    X, labels = prepare_cells(layers, grid=grid, cutoff=cutoff).frame()
    model = RiskModel(random_state=seed).fit(X, labels)
    surface = predict_surface(model, compute_features(grid, layers), mask=aoi_mask(grid, layers))
    candidates = find_candidates(grid, surface, layers)
    return {
        "evaluation": evaluation,
        "grid": grid,
        "surface": surface,
        "candidates": candidates,
        "cell_m": cell_m,
        "importance": model.feature_importance(),
    }


def _extent_km(grid: Any) -> tuple[float, float, float, float]:
    west, south, east, north = grid.bounds
    return (west / 1000, east / 1000, south / 1000, north / 1000)


def _overlay(ax: plt.Axes, frames: Mapping[str, pd.DataFrame], crs: str) -> None:
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
    fig, ax = plt.subplots(figsize=(7.5, 7))
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
    fig, axes = plt.subplots(1, max(len(schemes), 1), figsize=(4.2 * max(len(schemes), 1), 4), sharey=True)
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
    fig, ax = plt.subplots(figsize=(7.5, 7))
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
    for name in SCHEMES:
        scheme = evaluation["schemes"].get(name, {})
        if not scheme.get("capture"):
            continue
        for who, m in [("model", scheme)] + list(scheme.get("baselines", {}).items()):
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


def _body(res: Mapping[str, Any], simulated: bool) -> str:
    ev, candidates = res["evaluation"], res["candidates"]
    spatial = ev["schemes"].get("spatial", {})
    shuffled = ev["schemes"].get("shuffled", {})
    note = " All figures come from SIMULATED data." if simulated else ""
    return (
        f"<p>Gradient-boosted trees (LightGBM, calibrated) on {res['cell_m']:g} m cells, trained on results "
        f"from {ev.get('cutoff')} on with features known before it.{note} Honest (spatial block, "
        f"{ev.get('block_m', 0) / 1000:g} km) validation: ROC-AUC {_num(spatial.get('roc_auc'))} "
        f"against {_num(shuffled.get('roc_auc'))} under shuffled CV, which leaks between "
        "neighbouring cells and is shown only to expose that.</p>"
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


def build_section(context: ReportContext) -> ReportSection | None:
    """The risk section, from ``context.results["risk"]`` or computed from the frames (None without data)."""
    res = context.results.get("risk")
    if res is None:
        finds = context.frame("finds")
        if finds.empty and context.frame("accidents").empty:
            return None
        try:
            res = risk_results(context.frames, crs=context.settings.metric_crs)
        except ModelError as exc:  # too few survey results to learn from: say so instead of a map
            body = f"<p>No risk model could be fitted: {html.escape(str(exc))}.</p>"
            return ReportSection("Contamination risk", body, order=60)
        context.results["risk"] = res
    sim = context.simulated
    tag = " Simulated data." if sim else ""
    figures = [
        ReportFigure(
            "map",
            risk_map_figure(res["grid"], res["surface"], context.frames, simulated=sim),
            f"Probability of contamination per {res['cell_m']:g} m cell (0-1).{tag}",
        ),
        ReportFigure(
            "capture",
            capture_figure(res["evaluation"], simulated=sim),
            f"Share of held-out positives (%) in the top share of the area (%), model vs "
            f"baselines, per validation scheme.{tag}",
        ),
        ReportFigure(
            "candidates",
            candidates_figure(res["grid"], res["candidates"], context.frames, simulated=sim),
            f"Candidate SHA polygons from connected high-risk cells (top 5 % of the area).{tag}",
        ),
    ]
    return ReportSection("Contamination risk", _body(res, sim), figures, order=60)
