"""Maps of the evidence report as images: hazardous areas, records, finds, accidents and alerts (no tiles).

Plain matplotlib/geopandas plots in the metric CRS (axes in km), so nothing is fetched from the network.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mineaction.report.framework import new_figure

__all__ = ["evidence_map"]


def _metric(frame: pd.DataFrame | None, crs: str) -> gpd.GeoDataFrame | None:
    if frame is None or len(frame) == 0 or "geometry" not in frame.columns:
        return None
    gdf = frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame, geometry="geometry")
    gdf = gdf.set_crs(4326) if gdf.crs is None else gdf
    gdf = gdf.loc[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    return gdf.to_crs(crs) if len(gdf) else None


def _km_axes(ax: Axes) -> None:
    ax.xaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}")
    ax.set_xlabel("easting (km)")
    ax.set_ylabel("northing (km)")
    ax.set_aspect("equal")


def _context(ax: Axes, frames: dict[str, pd.DataFrame], crs: str) -> None:
    admin = _metric(frames.get("admin_areas"), crs)
    if admin is not None:
        admin.boundary.plot(ax=ax, color="#b0bec5", linewidth=0.5)
    layers = _metric(frames.get("context_layers"), crs)
    if layers is not None and "layer_kind" in layers.columns:
        front = layers.loc[layers["layer_kind"] == "front_line"]
        if len(front):
            front.plot(ax=ax, color="#6d4c41", linewidth=1.2, linestyle="--")


def evidence_map(
    frames: dict[str, pd.DataFrame],
    alerts: pd.DataFrame | None,
    *,
    crs: str,
    title: str,
    note: str = "",
    bounds: tuple[float, float, float, float] | None = None,
) -> Figure:
    """Map of hazardous areas (by status), minefield records, finds, accidents and alert centroids.

    Parameters
    ----------
    frames : dict
        Frames by kind (EPSG:4326).
    alerts : DataFrame or None
        From ``new_contamination_alerts`` (``lon``, ``lat``, ``n_finds``, ``alert``).
    crs : str
        Metric CRS of the map (axes in km).
    bounds : tuple, optional
        (xmin, ymin, xmax, ymax) in ``crs`` metres to zoom to.
    """
    fig = new_figure(figsize=(7.5, 7))
    ax = fig.subplots()
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=10)
    _context(ax, frames, crs)
    handles: list[Line2D | Patch] = []
    hazards = _metric(frames.get("hazardous_areas"), crs)
    if hazards is not None:
        released = hazards.get("status", pd.Series(index=hazards.index, dtype=object)) == "released"
        for part, colour, edge in ((~released, "#ffcc80", "#e65100"), (released, "#c8e6c9", "#2e7d32")):
            if part.any():
                hazards.loc[part].plot(ax=ax, color=colour, edgecolor=edge, linewidth=0.3)
        handles += [
            Patch(color="#ffcc80", label="hazardous area (open)"),
            Patch(color="#c8e6c9", label="hazardous area (released)"),
        ]
    finds = _metric(frames.get("finds"), crs)
    if finds is not None:
        finds.plot(ax=ax, color="#616161", markersize=0.4, alpha=0.4)
        handles.append(Line2D([], [], marker=".", ls="", color="#616161", label="find"))
    records = _metric(frames.get("minefield_records"), crs)
    if records is not None:
        records.boundary.plot(ax=ax, color="#0d47a1", linewidth=1.4)
        handles.append(Line2D([], [], color="#0d47a1", label="minefield record"))
    accidents = _metric(frames.get("accidents"), crs)
    if accidents is not None:
        accidents.plot(ax=ax, color="#d50000", marker="x", markersize=16, linewidth=1.0)
        handles.append(Line2D([], [], marker="x", ls="", color="#d50000", label="accident"))
    if alerts is not None and len(alerts):
        pts = gpd.GeoDataFrame(alerts, geometry=gpd.points_from_xy(alerts["lon"], alerts["lat"]), crs=4326)
        pts = pts.to_crs(crs)
        pts.plot(
            ax=ax,
            facecolor="none",
            edgecolor="#aa00ff",
            linewidth=2,
            markersize=60 + 4 * pts["n_finds"].astype(float).clip(upper=200),
        )
        for row in pts.itertuples():
            number = str(row.alert).rsplit("-", 1)[-1].lstrip("0")
            ax.annotate(
                number,
                (row.geometry.x, row.geometry.y),
                xytext=(7, 7),
                textcoords="offset points",
                color="#6a1b9a",
                fontsize=8,
                fontweight="bold",
            )
        handles.append(
            Line2D(
                [], [], marker="o", ls="", mfc="none", mec="#aa00ff", label="new-contamination alert (number)"
            )
        )
    if bounds is not None:
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
    _km_axes(ax)
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=True)
    return fig
