"""Engines for the grid computations: the whole grid in one process, or block by block on Dask.

``plan_grid`` estimates the memory of a grid before anything is allocated and picks the engine: ``numpy``
(every feature as a whole-grid array in this process: fastest while it fits) or ``dask`` (square blocks,
each block's features and prediction computed on its own, with halos as wide as the distance cap, on a Dask
cluster: local worker processes or an existing scheduler). Asked for the in-process engine where it does
not fit, it refuses with one line saying what would fit.

Both engines run the same window code (``mineaction.risk.window``), so a surface is the same either way
(to floating-point rounding). Blocks with no scored cell are never computed; their cells are NaN. The Dask
engine never gathers the grid: ``surface_blocks`` yields each block as it is finished, for the caller to
write (a GeoTIFF window at a time) or to place.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mineaction.errors import ConfigError
from mineaction.risk.cover import CellMask, block_bytes, blocks_of, in_process_bytes
from mineaction.risk.features import FeatureStack
from mineaction.risk.grid import MAX_CELL_M, Grid
from mineaction.risk.window import FeatureInputs, Window, feature_frame, window_features

__all__ = [
    "ENGINES",
    "GridPlan",
    "block_surface",
    "gather_features",
    "plan_grid",
    "surface_array",
    "surface_blocks",
    "surface_dask_array",
]

ENGINES = ("auto", "numpy", "dask")
BLOCK_CELLS = 2048  # side of a Dask block, cells


@dataclass(frozen=True)
class GridPlan:
    """How a grid will be computed: the engine, its blocks, and the memory estimates behind the choice.

    Sizes are cells; memory in bytes (``budget_bytes``: what one process may use, the setting
    ``risk_memory_mb``).
    """

    grid: Grid
    mask: CellMask
    engine: str
    block_cells: int
    scored_cells: int
    in_process_bytes: int
    block_bytes: int
    budget_bytes: int
    note: str

    @property
    def blocks(self) -> list[Window]:
        """The blocks with at least one covered cell (the whole grid for the in-process engine)."""
        if self.engine == "numpy":
            return [Window.whole(self.grid)]
        return [w for w in blocks_of(self.grid, self.block_cells) if self.mask.cover.touches(w)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "cell_m": self.grid.cell_m,
            "grid_cells": self.grid.size,
            "scored_cells": self.scored_cells,
            "block_cells": self.block_cells,
            "in_process_mb": round(self.in_process_bytes / 2**20),
            "block_mb": round(self.block_bytes / 2**20),
            "budget_mb": round(self.budget_bytes / 2**20),
            "note": self.note,
        }


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB"


def _cell_that_fits(grid: Grid, needed: int, budget: int) -> float | None:
    """The coarsest-needed cell side (multiple of 25 m, at most 1 km) at which the whole grid fits."""
    if budget <= 0:
        return None
    fixed = 400 * 2**20
    scale = max((needed - fixed) / max(budget - fixed, 1), 1.0)
    cell = float(np.ceil(grid.cell_m * np.sqrt(scale) / 25.0) * 25.0)
    return cell if cell <= MAX_CELL_M else None


def plan_grid(
    grid: Grid,
    mask: CellMask,
    *,
    n_features: int,
    engine: str = "auto",
    budget_bytes: int,
    block_cells: int = BLOCK_CELLS,
) -> GridPlan:
    """Choose the engine for ``grid``: ``numpy`` when the whole grid fits ``budget_bytes``, else ``dask``.

    Raises
    ------
    ConfigError
        ``engine="numpy"`` for a grid that does not fit (the message says which cell size would), or an
        unknown engine.
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine {engine!r} is not known; use one of {', '.join(ENGINES)}")
    scored = mask.cover.covered_cells
    whole = in_process_bytes(grid, n_features=n_features, scored_cells=scored)
    block = block_bytes(grid, block_cells, n_features=n_features)
    size = f"{grid.size:,} cells of {grid.cell_m:g} m ({scored:,} near evidence or hazards)"
    fits = whole <= budget_bytes
    if engine == "numpy" and not fits:
        cell = _cell_that_fits(grid, whole, budget_bytes)
        instead = f"cells of {cell:g} m or more" if cell else "a smaller area"
        raise ConfigError(
            f"the risk grid of {size} needs about {_gb(whole)} in one process, above the budget of "
            f"{_gb(budget_bytes)} (setting risk_memory_mb); use --engine dask, or {instead}"
        )
    chosen = engine if engine != "auto" else ("numpy" if fits else "dask")
    if chosen == "numpy":
        note = f"in-process engine: {size}, about {_gb(whole)}"
    else:
        why = "" if engine == "dask" else f" (in one process it would need {_gb(whole)})"
        note = f"Dask engine, blocks of {block_cells} cells: {size}, about {_gb(block)} a block{why}"
    return GridPlan(grid, mask, chosen, block_cells, scored, whole, block, budget_bytes, note)


# --- one block ---------------------------------------------------------------------------------------------


def block_cells_frame(
    inputs: FeatureInputs, mask: CellMask, window: Window
) -> tuple[np.ndarray, pd.DataFrame]:
    """Flat indices (in the window) of the scored cells of ``window`` and their features."""
    scored = np.flatnonzero(mask.window(window).ravel())
    if not len(scored):
        return scored, pd.DataFrame(columns=list(inputs.order), dtype=np.float32)
    return scored, feature_frame(window_features(inputs, window), scored)


def block_surface(
    inputs: FeatureInputs, model: Any, mask: CellMask, window: Window, *, chunk_cells: int = 1_000_000
) -> np.ndarray:
    """Calibrated probability of contamination (float32, the window's shape; NaN where not scored)."""
    out = np.full(window.rows * window.cols, np.nan, dtype=np.float32)
    scored, frame = block_cells_frame(inputs, mask, window)
    for start in range(0, len(scored), chunk_cells):
        part = slice(start, start + chunk_cells)
        out[scored[part]] = model.predict_proba(frame.iloc[part])[:, 1]
    return out.reshape(window.shape)


# --- whole grids -------------------------------------------------------------------------------------------


def _flat(grid: Grid, window: Window, local: np.ndarray) -> np.ndarray:
    rows, cols = np.divmod(local, window.cols)
    return (rows + window.row0) * grid.shape[1] + cols + window.col0


def gather_features(inputs: FeatureInputs, plan: GridPlan) -> FeatureStack:
    """The features of every scored cell of the plan's grid, gathered block by block (a sparse stack:
    one value per scored cell, in row-major order)."""
    cells, frames = [], []
    for window in plan.blocks:
        local, frame = block_cells_frame(inputs, plan.mask, window)
        cells.append(_flat(plan.grid, window, local))
        frames.append(frame)
    flat = np.concatenate(cells) if cells else np.zeros(0, np.int64)
    order = np.argsort(flat, kind="stable")
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(inputs.order))
    arrays = {n: table[n].to_numpy(dtype=np.float32)[order] for n in inputs.order}
    return FeatureStack(plan.grid, arrays, inputs.land_cover_codes, cells=flat[order])


def surface_blocks(
    inputs: FeatureInputs, model: Any, plan: GridPlan, *, client: Any = None
) -> Iterator[tuple[Window, np.ndarray]]:
    """Each computed block of the surface with its window, in the order they finish.

    With a ``distributed.Client`` the blocks run on its workers (inputs and model sent once to each);
    without one they run here, one after the other.
    """
    if client is None:
        for window in plan.blocks:
            yield window, block_surface(inputs, model, plan.mask, window)
        return
    from distributed import as_completed

    shared = client.scatter([inputs, model, plan.mask], broadcast=True)
    futures = {
        client.submit(
            block_surface, *shared, window, pure=False, key=f"risk-block-{window.row0}-{window.col0}"
        ): window
        for window in plan.blocks
    }
    for future in as_completed(futures):
        window = futures.pop(future)
        data = future.result()
        future.release()
        yield window, data


def surface_array(inputs: FeatureInputs, model: Any, plan: GridPlan, *, client: Any = None) -> np.ndarray:
    """The whole surface as one float32 array of the grid's shape (NaN where not scored)."""
    out = np.full(plan.grid.shape, np.nan, dtype=np.float32)
    for window, data in surface_blocks(inputs, model, plan, client=client):
        out[window.row0 : window.row0 + window.rows, window.col0 : window.col0 + window.cols] = data
    return out


def surface_dask_array(inputs: FeatureInputs, model: Any, plan: GridPlan) -> Any:
    """The surface as a lazy ``dask.array`` of the grid's shape, one chunk per block (uncovered blocks are
    NaN without computing anything); compute it, or store it, on any Dask scheduler."""
    import dask
    import dask.array as da

    # one graph key per shared object, named rather than hashed (hashing the layers' geometries and the model
    # costs more than the blocks) and not traversed (they hold no Dask collections)
    tag = uuid.uuid4().hex
    shared = [
        dask.delayed(obj, name=f"risk-{part}-{tag}", traverse=False)
        for part, obj in (("inputs", inputs), ("model", model), ("mask", plan.mask))
    ]
    active = {(w.row0, w.col0) for w in plan.blocks}
    rows = []
    windows = blocks_of(plan.grid, plan.block_cells)
    for r0 in sorted({w.row0 for w in windows}):
        row = []
        for window in (w for w in windows if w.row0 == r0):
            if (window.row0, window.col0) in active:
                task = dask.delayed(block_surface, pure=False)(*shared, window)
                row.append(da.from_delayed(task, shape=window.shape, dtype=np.float32))
            else:
                row.append(da.full(window.shape, np.nan, dtype=np.float32))
        rows.append(row)
    return da.block(rows)
