"""Benchmark: the risk surface on the in-process engine and block by block on a local Dask cluster, side by
side, and the whole of Azerbaijan at 25 m on two Dask workers of 3 GB each, written as a tiled GeoTIFF.

Layers come from the digital twin (``simulate(scale=...)``, simulated data); the model is fitted once at
200 m (not timed). Three runs on the same 50 m grid over the twin's suspected area (the hazardous areas'
bounds): the in-process engine (``numpy``: whole-grid arrays here), then the Dask engine on a local cluster
of 1 and of 2 worker processes (one thread each; blocks of 512 cells); each gives scored cells (inside
the area of interest and near evidence) per second, cluster start-up apart. Then the Azerbaijan area of
interest (the setting ``aoi``) at 25 m: the plan (cells, cells within the reach of evidence, memory
estimates), the surface computed on 2 workers with a memory limit of 3 GB each and written a window at a
time, the peak memory of this process and of each worker. Nothing here asserts a time; the machine is
shared, so figures are indicative.

Usage: ``python benchmarks/bench_risk_engine.py --out bench-out [--scale small]``
(writes ``bench-out/risk_engine.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SUSPECTED_CELL_M = 50.0
COUNTRY_CELL_M = 25.0
WORKER_MEMORY_MB = 3072.0
SUSPECTED_BLOCK_CELLS = 512  # blocks of the suspected-area runs, so that two workers have blocks to share
_BIG = 1 << 40  # a budget nothing exceeds: the engine is chosen by the benchmark, bytes


def _peak_mb() -> float:
    """This process's peak resident memory, MB: VmHWM, which starts afresh when a process starts a program
    (ru_maxrss keeps the peak of the process it was forked from: a Dask worker would report its parent's)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _setup(scale: str) -> tuple[dict[str, Any], Any]:
    from mineaction.risk import RiskModel, default_cutoff, prepare_cells
    from mineaction.simulate import simulate

    layers = simulate(scale=scale, seed=0).layers
    cells = prepare_cells(layers, cell_m=200, cutoff=default_cutoff(layers))
    X, labels = cells.frame()
    return layers, RiskModel(random_state=0).fit(X, labels)


def _suspected_grid(layers: dict[str, Any]) -> Any:
    import geopandas as gpd
    import shapely

    from mineaction.risk import grid_from_bounds

    geoms = gpd.GeoSeries(layers["hazardous_areas"].geometry).to_crs("EPSG:32638").values
    return grid_from_bounds(tuple(shapely.total_bounds(geoms)), cell_m=SUSPECTED_CELL_M, crs="EPSG:32638")


def _run(layers: dict[str, Any], model: Any, grid: Any, *, engine: str, workers: int) -> dict[str, Any]:
    """One engine on ``grid``: seconds, scored cells and cells per second (cluster start-up apart)."""
    from mineaction.risk import cell_mask, feature_inputs, plan_grid, surface_blocks
    from mineaction.workflows.cluster import dask_client

    started = time.perf_counter()
    mask = cell_mask(grid, layers)
    plan = plan_grid(
        grid, mask, n_features=12, engine=engine, budget_bytes=_BIG, block_cells=SUSPECTED_BLOCK_CELLS
    )
    inputs = feature_inputs(grid, layers)
    prepare_s = time.perf_counter() - started
    if engine == "numpy":
        started = time.perf_counter()
        scored = sum(int(np.isfinite(b).sum()) for _, b in surface_blocks(inputs, model, plan))
        return _figures(engine, 0, plan, prepare_s, 0.0, time.perf_counter() - started, scored)
    begun = time.perf_counter()
    with dask_client(workers=workers, worker_memory_mb=WORKER_MEMORY_MB) as client:
        start_s = time.perf_counter() - begun
        started = time.perf_counter()
        scored = sum(int(np.isfinite(b).sum()) for _, b in surface_blocks(inputs, model, plan, client=client))
        elapsed = time.perf_counter() - started
    return _figures(engine, workers, plan, prepare_s, start_s, elapsed, scored)


def _figures(
    engine: str, workers: int, plan: Any, prepare_s: float, start_s: float, elapsed: float, scored: int
) -> dict[str, Any]:
    return {
        "engine": engine,
        "workers": workers,
        "grid_cells": plan.grid.size,
        "covered_cells": plan.scored_cells,
        "scored_cells": scored,
        "blocks": len(plan.blocks),
        "prepare_s": round(prepare_s, 2),
        "cluster_start_s": round(start_s, 1),
        "surface_s": round(elapsed, 2),
        "cells_per_s": round(scored / elapsed) if elapsed else None,
    }


def _country(layers: dict[str, Any], model: Any, out: Path) -> dict[str, Any]:
    """Azerbaijan's area of interest at 25 m on 2 workers of 3 GB, written a window at a time."""
    from mineaction.io import RiskRasterWriter
    from mineaction.risk import cell_mask, feature_inputs, grid_from_bounds, plan_grid, surface_blocks
    from mineaction.settings import Settings
    from mineaction.workflows.cluster import dask_client

    west, south, east, north = Settings().aoi
    import geopandas as gpd
    import shapely

    box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs="EPSG:4326").to_crs("EPSG:32638")
    grid = grid_from_bounds(tuple(box.total_bounds), cell_m=COUNTRY_CELL_M, crs="EPSG:32638")
    started = time.perf_counter()
    plan = plan_grid(grid, cell_mask(grid, layers), n_features=12, budget_bytes=4096 * 2**20)
    inputs = feature_inputs(grid, layers)
    prepare_s = time.perf_counter() - started
    with dask_client(workers=2, worker_memory_mb=WORKER_MEMORY_MB) as client:
        started = time.perf_counter()
        scored = 0
        with RiskRasterWriter.open(out, grid, simulated=True) as writer:
            for window, block in surface_blocks(inputs, model, plan, client=client):
                scored += int(np.isfinite(block).sum())
                writer.write(window.row0, window.col0, block)
        elapsed = time.perf_counter() - started
        workers_peak = client.run(_peak_mb)
    return {
        "aoi_wgs84": [west, south, east, north],
        "plan": plan.to_dict(),
        "prepare_s": round(prepare_s, 2),
        "surface_and_write_s": round(elapsed, 1),
        "scored_cells": scored,
        "cells_per_s": round(scored / elapsed),
        "geotiff_mb": round(out.stat().st_size / 2**20, 1),
        "worker_peak_memory_mb": sorted(round(v) for v in workers_peak.values()),
        "worker_memory_limit_mb": WORKER_MEMORY_MB,
    }


def main(out_dir: Path, scale: str) -> dict[str, Any]:
    layers, model = _setup(scale)
    grid = _suspected_grid(layers)
    runs = [
        _run(layers, model, grid, engine="numpy", workers=0),
        _run(layers, model, grid, engine="dask", workers=1),
        _run(layers, model, grid, engine="dask", workers=2),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        country = _country(layers, model, Path(tmp) / "azerbaijan-25m.tif")
    result = {
        "what": f"risk surface by engine, {scale} twin (simulated layers)",
        "suspected_area": {"cell_m": SUSPECTED_CELL_M, "bounds": list(grid.bounds), "runs": runs},
        "azerbaijan_25m_2_workers": country,
        "main_process_peak_memory_mb": round(_peak_mb()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        },
        "simulated": True,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "risk_engine.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--scale", default="small", help="twin scale (tiny for a quick look)")
    args = parser.parse_args()
    print(json.dumps(main(args.out, args.scale), indent=2))
