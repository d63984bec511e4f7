"""Risk jobs: fit the risk model, predict the surface, evaluate it honestly, find candidate SHAs.

Grid mode reads a store's layers: features known before a cut-off date (distances, records weighted by their
measured reliability, past events, elevation and slope from the store's DEM), labels from results after it.
Table mode takes a user's table of cells. Every front end (``mineaction risk ...``, the demo, the report, the
server) goes through these functions, so the demo's ``risk.tif`` and ``mineaction risk predict`` on the same
store and settings are the same raster.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mineaction import __version__
from mineaction.errors import ModelError
from mineaction.io import DemSource, atomic_path, read_dem_source
from mineaction.risk import (
    Background,
    FeatureInputs,
    Grid,
    GridPlan,
    ModelBundle,
    RiskModel,
    Window,
    bundle_from_bytes,
    bundle_to_bytes,
    cell_mask,
    cell_table,
    default_cutoff,
    evaluate_layers,
    feature_inputs,
    find_candidates,
    grid_for_layers,
    plan_grid,
    prepare_cells,
    surface_array,
    surface_blocks,
)
from mineaction.risk.features import FEATURE_HELP
from mineaction.risk.surface import GEOMETRY_KINDS
from mineaction.risk.window import DemSampler
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.results import JsonResult, frame_rows
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = [
    "LAYER_KINDS",
    "RiskBlocks",
    "RiskEvaluation",
    "RiskFit",
    "RiskSurface",
    "SurveyCandidates",
    "cells_from_frame",
    "dem_source",
    "evaluate_risk",
    "evaluate_risk_table",
    "find_survey_candidates",
    "fit_risk_model",
    "fit_risk_table",
    "grid_plan",
    "load_risk_model",
    "predict_risk_blocks",
    "predict_risk_surface",
    "save_risk_model",
]

#: The kinds of record the risk model reads from a store.
LAYER_KINDS = GEOMETRY_KINDS
_NO_JSON = {"json": False}


@dataclass(frozen=True)
class RiskFit(JsonResult):
    """A fitted risk model (``bundle``, for ``save_risk_model``) and the cells it learnt from (counts)."""

    bundle: ModelBundle = field(metadata=_NO_JSON)
    mode: str
    features: tuple[str, ...]
    n_positive: int
    n_negative: int
    n_unknown: int
    metadata: Mapping[str, Any]


@dataclass(frozen=True)
class RiskSurface(JsonResult):
    """The probability of contamination (0-1) of every cell of ``grid``, NaN outside the area of interest."""

    grid: Grid = field(metadata=_NO_JSON)
    surface: np.ndarray = field(metadata=_NO_JSON)
    simulated: bool
    plan: GridPlan | None = field(default=None, metadata=_NO_JSON)

    def to_dict(self) -> dict[str, Any]:
        valid = self.surface[np.isfinite(self.surface)]
        return {
            **_grid_dict(self.grid),
            "cells_in_area": int(valid.size),
            "probability_mean": float(valid.mean()) if valid.size else None,
            "probability_max": float(valid.max()) if valid.size else None,
            "simulated": self.simulated,
            **({} if self.plan is None else {"plan": self.plan.to_dict()}),
        }


def _grid_dict(grid: Grid) -> dict[str, Any]:
    return {
        "rows": int(grid.shape[0]),
        "cols": int(grid.shape[1]),
        "cell_m": float(grid.cell_m),
        "crs": str(grid.crs),
        "bounds": [float(v) for v in grid.bounds],
    }


@dataclass(frozen=True)
class RiskEvaluation(JsonResult):
    """Validation figures side by side (``figures``: the headline scheme's figures, then ``schemes`` by name:
    ROC-AUC, average precision, capture of positives in the top 5/10/20/30 % of the area, baselines).
    ``simulated`` is None in table mode (a user's table says nothing about it)."""

    figures: Mapping[str, Any]
    simulated: bool | None = None

    @property
    def schemes(self) -> Mapping[str, Any]:
        return dict(self.figures.get("schemes", {}))

    def to_dict(self) -> dict[str, Any]:
        out = JsonResult.to_dict(self)["figures"]
        if self.simulated is not None:
            out["simulated"] = self.simulated
        return dict(out)


@dataclass(frozen=True)
class SurveyCandidates(JsonResult):
    """Candidate new SHA polygons (WGS84): connected high-risk cells outside the open hazardous areas."""

    surface: RiskSurface = field(metadata=_NO_JSON)
    candidates: pd.DataFrame = field(metadata=_NO_JSON)

    def to_dict(self) -> dict[str, Any]:
        shown = pd.DataFrame(self.candidates).drop(columns="geometry", errors="ignore")
        return {
            "n_candidates": len(self.candidates),
            "area_ha": float(self.candidates["area_m2"].sum() / 1e4) if len(self.candidates) else 0.0,
            "simulated": self.surface.simulated,
            "candidates": frame_rows(shown),
        }


# --- inputs -------------------------------------------------------------------------------------------------


def _layers(snap: StoreSnapshot) -> dict[str, pd.DataFrame]:
    return snap.frames(LAYER_KINDS)


def _record_weights(snap: StoreSnapshot, cutoff: date | None) -> dict[str, float] | None:
    """Measured reliability of each record from finds and activities known before ``cutoff``."""
    from mineaction.analysis import assess_each_record
    from mineaction.risk.features import dated_before
    from mineaction.risk.weights import record_weights_from_assessment

    layers = _layers(snap)
    records = layers["minefield_records"]
    if records.empty:
        return None
    finds = dated_before(layers["finds"], "finds", cutoff)
    acts = dated_before(layers["activities"], "activities", cutoff)
    assessed = assess_each_record(records, finds, acts, settings=snap.settings)
    return record_weights_from_assessment(assessed)


def dem_source(snap: StoreSnapshot) -> DemSource | None:
    """The first DEM the context layers refer to (absolute, or relative to the store's folder), read into
    memory; None when there is none or it cannot be found."""
    ctx = _layers(snap)["context_layers"]
    if ctx.empty or "raster_path" not in ctx.columns:
        return None
    paths = ctx.loc[(ctx["layer_kind"] == "dem") & ctx["raster_path"].notna(), "raster_path"]
    if paths.empty:
        return None
    raw = Path(str(paths.iloc[0]))
    folder = snap.folder
    for candidate in (raw, *(() if folder is None else (folder / raw,))):
        if candidate.exists():
            return read_dem_source(candidate)
    return None


def _dem(snap: StoreSnapshot) -> DemSampler | None:
    """The store's DEM (``dem_source``) as a function resampling it onto any grid; None when there is none
    (elevation and slope are then left out)."""
    source = dem_source(snap)
    return None if source is None else source.sample


def _grid(snap: StoreSnapshot, cell_m: float, crs: str | None = None) -> Grid:
    """The grid over the store's layers, in ``crs`` or else the data's metric CRS (the setting
    ``metric_crs`` when the data lie in its zone, else their own UTM zone)."""
    from mineaction.analysis import metric_crs_for

    layers = _layers(snap)
    return grid_for_layers(layers, cell_m=cell_m, crs=crs or metric_crs_for(layers, snap.settings))


def grid_plan(
    source: Store | StoreSnapshot,
    grid: Grid,
    *,
    settings: Settings | None = None,
    engine: str | None = None,
    n_features: int = len(FEATURE_HELP),
) -> GridPlan:
    """How ``grid`` over a store's layers will be computed: the scored cells (area of interest, within the
    setting ``risk_reach_m`` of evidence and hazards), the memory estimate and the engine (``auto``: the
    in-process one while it fits the setting ``risk_memory_mb``, else Dask)."""
    snap = as_snapshot(source, settings)
    s = snap.settings
    mask = cell_mask(grid, _layers(snap), reach_m=s.risk_reach_m)
    return plan_grid(
        grid, mask, n_features=n_features, engine=engine or "auto", budget_bytes=int(s.risk_memory_mb * 2**20)
    )


def _grid_inputs(
    snap: StoreSnapshot, cell_m: float | None, cutoff: date | None, seed: int | None, engine: str | None
) -> tuple[dict[str, pd.DataFrame], GridPlan, date | None, int]:
    """The layers, the grid's plan (``cell_m`` or the setting ``risk_cell_m``; ``engine``), the cut-off
    (given, or when ``risk_cutoff_share`` of the events had happened) and the seed (given, or
    ``random_state``)."""
    s = snap.settings
    layers = _layers(snap)
    cutoff = cutoff or default_cutoff(layers, share=s.risk_cutoff_share)
    plan = grid_plan(snap, _grid(snap, s.risk_cell_m if cell_m is None else cell_m), engine=engine)
    return layers, plan, cutoff, s.random_state if seed is None else seed


def _background(snap: StoreSnapshot, seed: int) -> Background:
    """Background labels for stores without survey or clearance results, from the settings
    ``risk_background_gap_m`` and ``risk_background_ratio``."""
    s = snap.settings
    return Background(gap_m=s.risk_background_gap_m, ratio=s.risk_background_ratio, seed=seed)


def _counts(labels: np.ndarray) -> dict[str, int]:
    return {
        "n_positive": int((labels == 1).sum()),
        "n_negative": int((labels == 0).sum()),
        "n_unknown": int((labels == -1).sum()),
    }


def _metadata(model: RiskModel, labels: np.ndarray, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mineaction_version": __version__,
        **_counts(labels),
        "params": model.get_params(),
    }
    meta.update({k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()})
    return meta


def _fit_result(bundle: ModelBundle) -> RiskFit:
    meta = bundle.metadata
    counts = {k: int(meta[k]) for k in ("n_positive", "n_negative", "n_unknown")}
    return RiskFit(bundle, bundle.mode, tuple(bundle.features), **counts, metadata=dict(meta))


# --- grid mode ----------------------------------------------------------------------------------------------


def fit_risk_model(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    cell_m: float | None = None,
    cutoff: date | None = None,
    seed: int | None = None,
    engine: str | None = None,
) -> RiskFit:
    """Fit the risk model on a store's layers (``mineaction risk fit STORE``).

    Parameters
    ----------
    cell_m : float, optional
        Side of a cell, m (default: the setting ``risk_cell_m``).
    cutoff : date, optional
        Features before it, labels from it (default: when ``risk_cutoff_share`` of the events had happened).
    seed : int, optional
        Random seed (default: the setting ``random_state``).
    engine : str, optional
        ``numpy`` (whole-grid arrays), ``dask`` (only the scored cells, block by block) or ``auto``.
    """
    snap = as_snapshot(source, settings)
    layers, plan, cutoff, seed = _grid_inputs(snap, cell_m, cutoff, seed, engine)
    grid = plan.grid
    cells = prepare_cells(
        layers,
        plan=plan,
        cutoff=cutoff,
        record_weights=_record_weights(snap, cutoff),
        dem=_dem(snap),
        background=_background(snap, seed),
    )
    X, labels = cells.frame()
    model = RiskModel(random_state=seed).fit(X, labels)
    meta = _metadata(
        model,
        labels,
        label_basis=cells.label_basis,
        background_cells=len(cells.background),
        cutoff=cutoff,
        simulated=snap.simulated,
        store=snap.url,
        cell_m=grid.cell_m,
        land_cover_codes=dict(cells.stack.land_cover_codes),
    )
    return _fit_result(ModelBundle(model, "grid", tuple(X.columns), grid.to_dict(), meta))


def _prediction(
    snap: StoreSnapshot, model: ModelBundle, engine: str | None
) -> tuple[FeatureInputs, GridPlan]:
    """Features of everything known now, prepared on the grid the model was fitted on, and the plan."""
    if model.mode != "grid":
        raise ModelError(
            "this model was fitted on a table of cells; predict a table with "
            "`risk evaluate --model M --cells FILE`, or fit on a store for a surface"
        )
    spec = Grid.from_dict(model.grid or {})
    plan = grid_plan(snap, _grid(snap, spec.cell_m, spec.crs), engine=engine, n_features=len(model.features))
    inputs = feature_inputs(
        plan.grid, _layers(snap), record_weights=_record_weights(snap, None), dem=_dem(snap)
    )
    return inputs, plan


def predict_risk_surface(
    source: Store | StoreSnapshot,
    model: ModelBundle,
    *,
    settings: Settings | None = None,
    engine: str | None = None,
    client: Any = None,
) -> RiskSurface:
    """Today's risk surface over a store's area with a model fitted in grid mode (``mineaction risk
    predict``): features from everything known now, on the grid the model was fitted on (cell size, CRS),
    as one array (the Dask engine computes it block by block, on ``client``'s workers when given)."""
    snap = as_snapshot(source, settings)
    inputs, plan = _prediction(snap, model, engine)
    surface = surface_array(inputs, model.model, plan, client=client)
    return RiskSurface(plan.grid, surface, snap.simulated, plan)


@dataclass(frozen=True)
class RiskBlocks(JsonResult):
    """Today's risk surface as blocks to write one at a time (``blocks()``), never whole in one process;
    ``to_dict()`` after the blocks are consumed adds the cells scored and the mean and highest probability."""

    grid: Grid = field(metadata=_NO_JSON)
    plan: GridPlan = field(metadata=_NO_JSON)
    simulated: bool
    inputs: FeatureInputs = field(metadata=_NO_JSON)
    model: Any = field(metadata=_NO_JSON)
    client: Any = field(metadata=_NO_JSON)
    totals: dict[str, float] = field(default_factory=dict, metadata=_NO_JSON)

    def blocks(self) -> Iterator[tuple[Window, np.ndarray]]:
        """(window, probabilities) of each computed block as it is finished."""
        n, total, high = 0, 0.0, -np.inf
        for window, data in surface_blocks(self.inputs, self.model, self.plan, client=self.client):
            valid = data[np.isfinite(data)]
            n, total = n + valid.size, total + float(valid.sum(dtype=np.float64))
            high = max(high, float(valid.max())) if valid.size else high
            yield window, data
        self.totals.update(n=n, total=total, high=high)

    def to_dict(self) -> dict[str, Any]:
        n = int(self.totals.get("n", 0))
        return {
            **_grid_dict(self.grid),
            "cells_in_area": n,
            "probability_mean": self.totals["total"] / n if n else None,
            "probability_max": self.totals["high"] if n else None,
            "simulated": self.simulated,
            "plan": self.plan.to_dict(),
        }


def predict_risk_blocks(
    source: Store | StoreSnapshot,
    model: ModelBundle,
    *,
    settings: Settings | None = None,
    engine: str | None = None,
    client: Any = None,
) -> RiskBlocks:
    """Today's risk surface, block by block (``mineaction risk predict``): the front end writes each block
    as it comes (``mineaction.io.RiskRasterWriter``), so no process holds the whole grid."""
    snap = as_snapshot(source, settings)
    inputs, plan = _prediction(snap, model, engine)
    return RiskBlocks(plan.grid, plan, snap.simulated, inputs, model.model, client)


def evaluate_risk(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    cell_m: float | None = None,
    cutoff: date | None = None,
    block_m: float | None = None,
    seed: int | None = None,
    truth: pd.DataFrame | None = None,
    engine: str | None = None,
) -> RiskEvaluation:
    """Shuffled, spatial-block and temporal validation side by side on a store (``mineaction risk evaluate``).

    ``truth`` (simulated data only: the true mines as WGS84 points) adds the capture of all true mines.
    Defaults come from the settings ``risk_cell_m``, ``risk_cutoff_share``, ``risk_block_m``,
    ``random_state``.
    """
    snap = as_snapshot(source, settings)
    layers, plan, cutoff, seed = _grid_inputs(snap, cell_m, cutoff, seed, engine)
    grid = plan.grid
    figures = evaluate_layers(
        layers,
        model=RiskModel(random_state=seed),
        cell_m=grid.cell_m,
        crs=grid.crs,
        cutoff=cutoff,
        block_m=snap.settings.risk_block_m if block_m is None else block_m,
        record_weights=_record_weights(snap, cutoff),
        grid=grid,
        dem=_dem(snap),
        plan=plan,
        truth=truth,
        random_state=seed,
        background=_background(snap, seed),
    )
    return RiskEvaluation(figures, snap.simulated)


def find_survey_candidates(
    source: Store | StoreSnapshot,
    model: ModelBundle,
    *,
    settings: Settings | None = None,
    top_share_pct: float | None = None,
    min_cells: int | None = None,
    surface: RiskSurface | None = None,
) -> SurveyCandidates:
    """Candidate new SHA polygons: connected high-risk cells outside the open hazardous areas, strongest first
    (``mineaction risk candidates``). High risk is the top ``top_share_pct`` % of the area (default: the
    setting ``candidate_top_share_pct``); ``surface``, when given, is reused instead of predicted again."""
    snap = as_snapshot(source, settings)
    s = snap.settings
    surface = surface or predict_risk_surface(snap, model)
    found = find_candidates(
        surface.grid,
        surface.surface,
        _layers(snap),
        top_share_pct=s.candidate_top_share_pct if top_share_pct is None else top_share_pct,
        min_cells=s.candidate_min_cells if min_cells is None else min_cells,
    )
    return SurveyCandidates(surface, found)


# --- table mode ---------------------------------------------------------------------------------------------


def fit_risk_table(
    cells: pd.DataFrame,
    *,
    label: str,
    group: str | None = None,
    features: Sequence[str] | None = None,
    seed: int = 0,
    name: str = "<table>",
) -> RiskFit:
    """Fit the risk model on a table of cells (``mineaction risk fit --cells FILE --label COL``).

    ``cells`` has feature columns, a label column (1 contaminated, 0 processed clean, -1 unknown) and
    optionally a group column (e.g. municipality); ``name`` is the table's file name, kept with the model.
    """
    table = cell_table(cells, label=label, group=group, features=features, name=name)
    model = RiskModel(random_state=seed).fit(table.X, table.labels)
    meta = _metadata(model, table.labels, table=name, label=label, group=group)
    if table.groups is not None:
        meta["groups"] = sorted(set(table.groups))
    return _fit_result(ModelBundle(model, "table", table.features, None, meta))


def evaluate_risk_table(
    cells: pd.DataFrame,
    *,
    label: str,
    group: str | None = None,
    features: Sequence[str] | None = None,
    model: ModelBundle | None = None,
    seed: int = 0,
    name: str = "<table>",
) -> RiskEvaluation:
    """Validation on a table of cells (``mineaction risk evaluate --cells``): shuffled, spatial and region
    (the headline: each ``group`` held out in turn, else contiguous regions cut from the cells' coordinates)
    side by side, with the untuned reference models on the region folds and group-bootstrap intervals; or,
    with a fitted ``model``, its figures on this (new) table next to the baselines."""
    from mineaction.risk.metrics import score_summary
    from mineaction.risk.model import baseline_scores, require_columns
    from mineaction.risk.table import evaluate_table

    if model is not None:
        require_columns(cells, model.features, what=name)
        table = cell_table(cells, label=label, group=group, features=list(model.features), name=name)
        scores = model.model.predict_proba(table.X)[:, 1]
        figures: dict[str, Any] = {
            "scheme": "held_out_model",
            "description": f"model fitted on {model.metadata.get('table')}, applied to {name}",
            **score_summary(scores, table.labels),
        }
        figures["baselines"] = {
            k: score_summary(v, table.labels) for k, v in baseline_scores(table.X).items()
        }
        return RiskEvaluation(figures)
    figures = evaluate_table(cells, label=label, group=group, features=features, random_state=seed, name=name)
    return RiskEvaluation(figures)


def cells_from_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of cells as read from a file: geometry dropped, ``lon``/``lat`` (degrees) added from it when
    the table has no coordinate columns (for square-block validation, not as features)."""
    if "geometry" not in frame.columns:
        return frame
    out = pd.DataFrame(frame.drop(columns="geometry"))
    geoms = frame.geometry if hasattr(frame, "geometry") else None
    if geoms is not None and len(frame) and not {"lon", "lat"} & set(out.columns):
        points = geoms.representative_point()
        if getattr(frame, "crs", None) is not None:
            points = points.to_crs("EPSG:4326")
        out = out.assign(lon=points.x.to_numpy(), lat=points.y.to_numpy())
    return out


# --- model files --------------------------------------------------------------------------------------------


def save_risk_model(path: str | Path, fitted: RiskFit | ModelBundle) -> Path:
    """Write a fitted model to ``path`` (atomically). Model files are pickles: share them only with people
    who trust you, and load only files you made or trust."""
    bundle = fitted.bundle if isinstance(fitted, RiskFit) else fitted
    data = bundle_to_bytes(bundle)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def load_risk_model(path: str | Path) -> ModelBundle:
    """The model in ``path`` (written by ``save_risk_model``); InputError when there is no such file."""
    from mineaction.errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"no model file at {path}; make one with `mineaction risk fit ... --model {path}`")
    return bundle_from_bytes(path.read_bytes(), name=str(path))
