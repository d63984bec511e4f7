"""Benchmark: risk features and prediction over 11,700 km2 at 50 m (about 4.7 million cells), side by side
with the straightforward GeoPandas way (one nearest join per cell and feature).

Layers come from the digital twin (``simulate(scale="small")``, simulated data). The timed run happens in a
fresh child process so its peak memory (``ru_maxrss``) is its own. The GeoPandas way (``sjoin_nearest`` of
cell centres to each of the five distance layers) runs on a smaller window; its time per cell is
extrapolated to the whole grid and reported as a ratio. Nothing here asserts a time.

Usage: ``python benchmarks/bench_risk.py --out bench-out`` (writes ``bench-out/risk.json``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

AREA_KM2 = 11_700.0
CELL_M = 50.0
SMALL_SIDE_CELLS = 160  # GeoPandas window: 160 x 160 cells of 50 m (64 km2)
DISTANCES = ("dist_front_line_m", "dist_road_m", "dist_settlement_m", "dist_water_m", "dist_record_m")


def _layers() -> tuple[dict[str, Any], Any]:
    from mineaction.simulate import simulate

    scenario = simulate(scale="small", seed=0)
    return scenario.layers, scenario


def _big_grid(layers: dict[str, Any]) -> Any:
    """A square grid of AREA_KM2 at CELL_M, centred on the twin's former front line."""
    from mineaction.risk.features import layer_geometries
    from mineaction.risk.grid import grid_from_bounds

    front = layer_geometries(layers["context_layers"], "EPSG:32638", layer_kind="front_line")
    cx, cy = front[0].centroid.x, front[0].centroid.y
    half = np.sqrt(AREA_KM2) * 1000 / 2
    return grid_from_bounds((cx - half, cy - half, cx + half, cy + half), CELL_M)


def _fit(layers: dict[str, Any]) -> tuple[Any, float]:
    """A model fitted on the twin at 200 m (not part of the timed surface)."""
    from mineaction.risk.model import RiskModel
    from mineaction.risk.surface import default_cutoff, prepare_cells

    started = time.perf_counter()
    cells = prepare_cells(layers, cell_m=200, cutoff=default_cutoff(layers))
    X, labels = cells.frame()
    return RiskModel().fit(X, labels), time.perf_counter() - started


def _timed_surface(layers: dict[str, Any], model: Any, spec: dict[str, Any], queue: Any) -> None:
    """Child process: features and prediction over the big grid; reports times and its own peak memory."""
    from mineaction.risk.features import compute_features
    from mineaction.risk.grid import Grid
    from mineaction.risk.surface import predict_surface

    grid = Grid.from_dict(spec)
    started = time.perf_counter()
    stack = compute_features(grid, layers)
    features_s = time.perf_counter() - started
    surface = predict_surface(model, stack)
    total_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    queue.put(
        {
            "features_s": features_s,
            "predict_s": total_s - features_s,
            "total_s": total_s,
            "peak_memory_mb": peak_mb,
            "cells": grid.size,
            "features": list(stack.names),
            "mean_probability": float(np.nanmean(surface)),
        }
    )


def _small_window(big: Any) -> Any:
    from mineaction.risk.grid import Grid

    rows, cols = big.shape
    r0, c0 = rows // 2 - SMALL_SIDE_CELLS // 2, cols // 2 - SMALL_SIDE_CELLS // 2
    return Grid(big.west + c0 * CELL_M, big.north - r0 * CELL_M, CELL_M, (SMALL_SIDE_CELLS,) * 2, big.crs)


def _geopandas_way(layers: dict[str, Any], grid: Any) -> tuple[float, dict[str, np.ndarray]]:
    """Cell centres as points, one ``sjoin_nearest`` per distance layer; seconds and distances."""
    import geopandas as gpd

    from mineaction.risk.features import layer_geometries

    ctx, assets = layers["context_layers"], layers["assets"]
    sources = {
        "dist_front_line_m": layer_geometries(ctx, grid.crs, layer_kind="front_line"),
        "dist_road_m": np.concatenate(
            [
                layer_geometries(ctx, grid.crs, layer_kind="road"),
                layer_geometries(assets, grid.crs, asset_kind="road"),
            ]
        ),
        "dist_settlement_m": layer_geometries(assets, grid.crs, asset_kind="settlement"),
        "dist_water_m": np.concatenate(
            [
                layer_geometries(ctx, grid.crs, layer_kind=("river", "water")),
                layer_geometries(assets, grid.crs, asset_kind="water"),
            ]
        ),
        "dist_record_m": layer_geometries(layers["minefield_records"], grid.crs),
    }
    started = time.perf_counter()
    xs, ys = grid.centres()
    cells = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs.ravel(), ys.ravel()), crs=grid.crs)
    out = {}
    for name, geoms in sources.items():
        right = gpd.GeoDataFrame(geometry=list(geoms), crs=grid.crs)
        joined = gpd.sjoin_nearest(cells, right, distance_col="d")
        out[name] = joined.groupby(level=0)["d"].min().reindex(cells.index).to_numpy().reshape(grid.shape)
    return time.perf_counter() - started, out


def _same_five_distances(layers: dict[str, Any], grid: Any) -> float:
    """Seconds for the same five distances the GeoPandas way computes, by distance transforms."""
    from mineaction.risk.features import feature_inputs
    from mineaction.risk.window import Window, window_distance

    started = time.perf_counter()
    inputs = feature_inputs(grid, layers)  # layers projected per feature (and the coarse densities)
    for name in DISTANCES:
        if name in inputs.distances:
            window_distance(inputs, Window.whole(grid), *inputs.distances[name])
    return time.perf_counter() - started


def main(out_dir: Path) -> dict[str, Any]:
    from mineaction.risk.features import DISTANCE_CAP_M, compute_features

    layers, _ = _layers()
    big = _big_grid(layers)
    model, fit_s = _fit(layers)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_timed_surface, args=(layers, model, big.to_dict(), queue))
    child.start()
    ours = queue.get()
    child.join()
    same_s = _same_five_distances(layers, big)
    small = _small_window(big)
    gpd_s, gpd_dist = _geopandas_way(layers, small)
    started = time.perf_counter()
    stack = compute_features(small, layers)
    ours_small_s = time.perf_counter() - started
    # the transform measures between cell centres and caps at DISTANCE_CAP_M; compare within the cap
    diff = max(
        float(np.nanmax(np.abs(stack.arrays[n] - np.minimum(gpd_dist[n], DISTANCE_CAP_M)))) for n in DISTANCES
    )
    per_cell_us = gpd_s / small.size * 1e6
    extrapolated_s = per_cell_us * big.size / 1e6
    result = {
        "what": "risk features + prediction over 11,700 km2 at 50 m (simulated twin layers)",
        "cells": big.size,
        "cell_m": CELL_M,
        "area_km2": big.size * CELL_M**2 / 1e6,
        "features": ours["features"],
        "mineaction_features_s": round(ours["features_s"], 2),
        "mineaction_predict_s": round(ours["predict_s"], 2),
        "mineaction_total_s": round(ours["total_s"], 2),
        "mineaction_peak_memory_mb": round(ours["peak_memory_mb"], 0),
        "fit_s_200m_not_timed_above": round(fit_s, 2),
        "geopandas_window_cells": small.size,
        "geopandas_window_s": round(gpd_s, 2),
        "geopandas_us_per_cell_5_distances": round(per_cell_us, 1),
        "geopandas_extrapolated_s_5_distances": round(extrapolated_s, 0),
        "mineaction_window_s_all_features": round(ours_small_s, 3),
        "mineaction_same_5_distances_s": round(same_s, 2),
        "speedup_same_5_distances": round(extrapolated_s / same_s, 1),
        "speedup_vs_geopandas_all_features": round(extrapolated_s / ours["features_s"], 1),
        "speedup_vs_geopandas_features_and_prediction": round(extrapolated_s / ours["total_s"], 1),
        "max_distance_difference_m": round(diff, 1),
        "budget": {"total_s": 60, "peak_memory_mb": 4096, "speedup": 20},
        "machine": {
            "cpus": mp.cpu_count(),
            "python": platform.python_version(),
            "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        },
        "simulated": True,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "risk.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    print(json.dumps(main(args.out), indent=2))
    sys.exit(0)
