"""Commands of mineaction.risk: ``risk fit``, ``predict``, ``evaluate`` and ``candidates``.

Grid mode reads a store's layers; table mode reads a user's table of cells (CSV or GeoPackage). These commands
only load, call mineaction.risk and save: model files (pickle, trusted input only), GeoTIFFs and GeoPackages
are written to a temporary name and renamed, so nothing half-written is left behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from mineaction import __version__
from mineaction.cli._common import echo_json, progress
from mineaction.errors import ConfigError, InputError, ModelError

__all__ = ["COMMANDS", "risk", "write_candidates", "write_surface_geotiff"]

LAYER_KINDS = (
    "context_layers",
    "assets",
    "minefield_records",
    "hazardous_areas",
    "finds",
    "accidents",
    "activities",
)


# --- loading and saving ---------------------------------------------------------------------------------


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds, removed when it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read_layers(url: str) -> tuple[dict[str, pd.DataFrame], bool]:
    from mineaction.report.build import is_simulated
    from mineaction.store import open_store

    with open_store(url) as store:
        layers = {kind: store.read(kind) for kind in LAYER_KINDS}
        simulated = is_simulated(layers, flag=store.get_setting("simulated"))
    return layers, simulated


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"no table at {path}; give a CSV or GeoPackage of cells")
    if path.suffix.lower() in (".gpkg", ".geojson", ".shp", ".parquet"):
        import geopandas as gpd

        frame = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
        if frame.crs is not None and len(frame) and not {"lon", "lat"} & set(frame.columns):
            # cell positions for square-block validation when there is no group column (not features)
            points = frame.geometry.representative_point().to_crs("EPSG:4326")
            frame = frame.assign(lon=points.x, lat=points.y)
        return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    return pd.read_csv(path, encoding_errors="replace", low_memory=False)


def _record_weights(layers: dict[str, pd.DataFrame], cutoff: date | None) -> dict[str, float] | None:
    """Measured reliability of each record from finds and activities known before ``cutoff``."""
    records = layers.get("minefield_records")
    if records is None or records.empty:
        return None
    from mineaction.analysis.records import assess_each_record
    from mineaction.risk.features import dated_before
    from mineaction.risk.weights import record_weights_from_assessment
    from mineaction.settings import load_settings

    finds = dated_before(layers.get("finds", pd.DataFrame()), "finds", cutoff)
    acts = dated_before(layers.get("activities", pd.DataFrame()), "activities", cutoff)
    assessed = assess_each_record(records, finds, acts, settings=load_settings())
    return record_weights_from_assessment(assessed)


def _save_model(bundle: Any, path: Path) -> None:
    from mineaction.risk.persist import bundle_to_bytes

    data = bundle_to_bytes(bundle)
    with _atomic(path) as tmp:
        tmp.write_bytes(data)


def _load_model(path: Path) -> Any:
    from mineaction.risk.persist import bundle_from_bytes

    if not path.exists():
        raise InputError(f"no model file at {path}; make one with `mineaction risk fit ... --model {path}`")
    return bundle_from_bytes(path.read_bytes(), name=str(path))


def write_surface_geotiff(path: Path, grid: Any, surface: np.ndarray, *, simulated: bool) -> None:
    """Write a risk surface (probability 0-1, NaN as nodata -9999) as a GeoTIFF QGIS opens."""
    import rasterio

    data = np.where(np.isnan(surface), -9999.0, surface).astype(np.float32)
    with _atomic(path) as tmp, rasterio.open(tmp, "w", **grid.profile()) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, "probability of contamination (0-1)")
        dst.update_tags(
            units="probability 0-1",
            cell_m=str(grid.cell_m),
            model="mineaction risk",
            simulated="yes: simulated data" if simulated else "no",
        )


def write_candidates(path: Path, found: Any, *, simulated: bool) -> None:
    """Write candidate SHA polygons as the ``candidates`` layer of a GeoPackage."""
    found = found.assign(simulated=simulated)
    with _atomic(path) as tmp:
        found.to_file(tmp, layer="candidates", driver="GPKG")


def _dem_path(raw: str, store: str) -> Path | None:
    """A DEM path as stored (absolute, or relative to the store's folder or the working folder)."""
    folder = (
        Path(store.removeprefix("gpkg://")).parent if "://" not in store or store.startswith("gpkg") else None
    )
    for candidate in (Path(raw), *(() if folder is None else (folder / raw,))):
        if candidate.exists():
            return candidate
    click.echo(
        f"note: DEM {raw} not found (nor next to the store); elevation and slope are left out", err=True
    )
    return None


def _dem(layers: dict[str, pd.DataFrame], grid: Any, store: str) -> np.ndarray | None:
    """The first DEM raster referenced by the context layers, resampled (bilinear) to ``grid``."""
    ctx = layers.get("context_layers")
    if ctx is None or ctx.empty or "raster_path" not in ctx.columns:
        return None
    paths = ctx.loc[(ctx["layer_kind"] == "dem") & ctx["raster_path"].notna(), "raster_path"]
    if paths.empty:
        return None
    import rasterio
    from rasterio.warp import Resampling, reproject

    path = _dem_path(str(paths.iloc[0]), store)
    if path is None:
        return None
    out = np.full(grid.shape, np.nan, dtype=np.float32)
    with rasterio.open(path) as src:
        reproject(
            rasterio.band(src, 1),
            out,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            resampling=Resampling.bilinear,
            dst_nodata=np.nan,
        )
    return out


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--cutoff {value!r} is not a date; give it as YYYY-MM-DD") from None


def _feature_list(text: str | None) -> list[str] | None:
    return [f.strip() for f in text.split(",") if f.strip()] if text else None


def _settings_crs() -> str:
    from mineaction.settings import load_settings

    return load_settings().metric_crs


# --- the work ---------------------------------------------------------------------------------------------


def _fit_store(store: str, *, cell_m: float, cutoff: date | None, seed: int) -> Any:
    from mineaction.risk import RiskModel
    from mineaction.risk.persist import ModelBundle
    from mineaction.risk.surface import default_cutoff, grid_for_layers, prepare_cells

    layers, simulated = _read_layers(store)
    cutoff = cutoff or default_cutoff(layers)
    grid = grid_for_layers(layers, cell_m=cell_m, crs=_settings_crs())
    cells = prepare_cells(
        layers,
        grid=grid,
        cutoff=cutoff,
        record_weights=_record_weights(layers, cutoff),
        dem=_dem(layers, grid, store),
    )
    X, labels = cells.frame()
    model = RiskModel(random_state=seed).fit(X, labels)
    meta = _meta(
        model,
        labels,
        cutoff=cutoff,
        simulated=simulated,
        store=store,
        cell_m=cell_m,
        land_cover_codes=dict(cells.stack.land_cover_codes),
    )
    return ModelBundle(model, "grid", tuple(X.columns), grid.to_dict(), meta)


def _fit_table(
    cells_path: Path, *, label: str, group: str | None, features: list[str] | None, seed: int
) -> Any:
    from mineaction.risk import RiskModel, cell_table
    from mineaction.risk.persist import ModelBundle

    table = cell_table(
        _read_table(cells_path), label=label, group=group, features=features, name=str(cells_path)
    )
    model = RiskModel(random_state=seed).fit(table.X, table.labels)
    meta = _meta(model, table.labels, table=str(cells_path), label=label, group=group)
    if table.groups is not None:
        meta["groups"] = sorted(set(table.groups))
    return ModelBundle(model, "table", table.features, None, meta)


def _meta(model: Any, labels: np.ndarray, **extra: Any) -> dict[str, Any]:
    meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mineaction_version": __version__,
        "n_positive": int((labels == 1).sum()),
        "n_negative": int((labels == 0).sum()),
        "n_unknown": int((labels == -1).sum()),
        "params": model.get_params(),
    }
    meta.update({k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()})
    return meta


def _surface(bundle: Any, store: str) -> tuple[Any, np.ndarray, dict[str, pd.DataFrame], bool]:
    from mineaction.risk import Grid
    from mineaction.risk.features import compute_features
    from mineaction.risk.surface import aoi_mask, grid_for_layers, predict_surface

    if bundle.mode != "grid":
        raise ModelError(
            "this model was fitted on a table of cells; predict a table with "
            "`risk evaluate --model M --cells FILE`, or fit on a store for a surface"
        )
    layers, simulated = _read_layers(store)
    spec = Grid.from_dict(bundle.grid)
    grid = grid_for_layers(layers, cell_m=spec.cell_m, crs=spec.crs)
    stack = compute_features(
        grid, layers, record_weights=_record_weights(layers, None), dem=_dem(layers, grid, store)
    )
    surface = predict_surface(bundle.model, stack, mask=aoi_mask(grid, layers))
    return grid, surface, layers, simulated


def _evaluate_table(
    cells_path: Path, *, label: str, group: str | None, features: list[str] | None, bundle: Any, seed: int
) -> dict[str, Any]:
    from mineaction.risk import RiskModel, cell_table, compare_schemes, group_folds, shuffled_folds
    from mineaction.risk.metrics import score_summary
    from mineaction.risk.model import baseline_scores, require_columns
    from mineaction.risk.table import table_xy
    from mineaction.risk.validation import block_folds

    frame = _read_table(cells_path)
    if bundle is not None:
        require_columns(frame, bundle.features, what=str(cells_path))
        table = cell_table(
            frame, label=label, group=group, features=list(bundle.features), name=str(cells_path)
        )
        scores = bundle.model.predict_proba(table.X)[:, 1]
        out: dict[str, Any] = {
            "scheme": "held_out_model",
            "description": f"model fitted on {bundle.metadata.get('table')}, applied to {cells_path}",
        }
        out.update(score_summary(scores, table.labels))
        out["baselines"] = {k: score_summary(s, table.labels) for k, s in baseline_scores(table.X).items()}
        return out
    table = cell_table(frame, label=label, group=group, features=features, name=str(cells_path))
    folds = {"shuffled": shuffled_folds(len(frame), random_state=seed)}
    xy = table_xy(frame)
    if table.groups is not None:
        folds["spatial"] = group_folds(table.groups, random_state=seed)
    elif xy is not None:
        block = 5000.0 if xy[2] else 0.05
        folds["spatial"] = block_folds(xy[0], xy[1], block_m=block, random_state=seed)
    result = compare_schemes(
        RiskModel(random_state=seed),
        table.X,
        table.labels,
        folds=folds,
        headline="spatial" if "spatial" in folds else "shuffled",
    )
    result["features"] = list(table.features)
    return result


# --- the commands ----------------------------------------------------------------------------------------


def _common_table_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--seed", type=int, default=0, show_default=True, help="random seed")(func)
    func = click.option(
        "--features",
        help="comma-separated feature columns (default: every numeric "
        "column other than label, group and coordinates)",
    )(func)
    func = click.option("--group", help="column of spatial groups (e.g. municipality) for validation")(func)
    func = click.option("--label", help="column of labels: 1 contaminated, 0 processed clean, -1 unknown")(
        func
    )
    func = click.option(
        "--cells",
        "cells_path",
        type=click.Path(path_type=Path),
        help="table of cells (CSV or GeoPackage) instead of a store",
    )(func)
    return func


@click.group("risk")
def risk() -> None:
    """Contamination risk surface: fit, predict, evaluate, candidates."""


@risk.command("fit")
@click.argument("store", required=False)
@click.option(
    "--model", "model_path", type=click.Path(path_type=Path), required=True, help="model file to write"
)
@click.option("--cell-m", type=float, default=100.0, show_default=True, help="cell size, m (25 to 1000)")
@click.option(
    "--cutoff", help="features before this date, labels from it (YYYY-MM-DD; default: 30 %% of events)"
)
@_common_table_options
def fit_command(
    store: str | None,
    model_path: Path,
    cell_m: float,
    cutoff: str | None,
    cells_path: Path | None,
    label: str | None,
    group: str | None,
    features: str | None,
    seed: int,
) -> None:
    """Fit the risk model on a STORE's layers, or on a table of cells (--cells, --label)."""
    _need_one_source(store, cells_path, label)
    with progress("fitting the risk model"):
        if cells_path is not None:
            bundle = _fit_table(
                cells_path, label=str(label), group=group, features=_feature_list(features), seed=seed
            )
        else:
            bundle = _fit_store(str(store), cell_m=cell_m, cutoff=_parse_date(cutoff), seed=seed)
    _save_model(bundle, model_path)
    m = bundle.metadata
    click.echo(
        f"model written to {model_path}: {len(bundle.features)} features, {m['n_positive']} positive "
        f"and {m['n_negative']} negative cells ({m['n_unknown']} unknown, not used)"
    )


def _need_one_source(store: str | None, cells_path: Path | None, label: str | None) -> None:
    if (store is None) == (cells_path is None):
        raise ConfigError("give either a STORE or --cells FILE (not both, not neither)")
    if cells_path is not None and not label:
        raise ConfigError("--cells needs --label COL (the column of 1, 0 and -1 labels)")


@risk.command("predict")
@click.argument("store")
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="GeoTIFF to write (risk.tif)")
def predict_command(store: str, model_path: Path, out: Path) -> None:
    """Predict the risk surface over STORE's area as a GeoTIFF (probability 0-1 per cell; QGIS opens it)."""
    bundle = _load_model(model_path)
    with progress("predicting the risk surface"):
        grid, surface, _, simulated = _surface(bundle, store)
    write_surface_geotiff(out, grid, surface, simulated=simulated)
    valid = surface[np.isfinite(surface)]
    click.echo(
        f"risk surface written to {out}: {grid.shape[0]} x {grid.shape[1]} cells of {grid.cell_m:g} m "
        f"({grid.crs}); probability mean {valid.mean():.3f}, max {valid.max():.3f}"
        + (" (simulated data)" if simulated else "")
    )


@risk.command("evaluate")
@click.argument("store", required=False)
@click.option(
    "--model", "model_path", type=click.Path(path_type=Path), help="fitted model to test on --cells"
)
@click.option("--cell-m", type=float, default=100.0, show_default=True, help="cell size, m (grid mode)")
@click.option("--cutoff", help="features before this date, labels from it (grid mode; YYYY-MM-DD)")
@click.option("--block-m", type=float, default=5000.0, show_default=True, help="spatial block side, m")
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(path_type=Path),
    help="true mines of a simulated scenario (truth/devices.csv with lon, lat): adds their capture",
)
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
@_common_table_options
def evaluate_command(
    store: str | None,
    model_path: Path | None,
    cell_m: float,
    cutoff: str | None,
    block_m: float,
    truth_path: Path | None,
    as_json: bool,
    cells_path: Path | None,
    label: str | None,
    group: str | None,
    features: str | None,
    seed: int,
) -> None:
    """Shuffled, spatial and temporal validation side by side (or a fitted --model on a new --cells table)."""
    _need_one_source(store, cells_path, label)
    bundle = _load_model(model_path) if model_path else None
    with progress("evaluating"):
        if cells_path is not None:
            result = _evaluate_table(
                cells_path,
                label=str(label),
                group=group,
                features=_feature_list(features),
                bundle=bundle,
                seed=seed,
            )
        else:
            truth = _read_truth(truth_path) if truth_path else None
            result = _evaluate_store(
                str(store), cell_m=cell_m, cutoff=_parse_date(cutoff), block_m=block_m, seed=seed, truth=truth
            )
    echo_json(result) if as_json else _print_evaluation(result)


def _read_truth(path: Path) -> Any:
    """True mines (simulated): a CSV with lon/lat columns or any vector file, as WGS84 points."""
    import geopandas as gpd

    if not path.exists():
        raise InputError(f"no truth file at {path}; give the scenario's truth/devices.csv")
    if path.suffix.lower() != ".csv":
        return gpd.read_file(path).to_crs("EPSG:4326")
    frame = pd.read_csv(path)
    if not {"lon", "lat"} <= set(frame.columns):
        raise InputError(f"{path} has no lon and lat columns; give the scenario's truth/devices.csv")
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")


def _evaluate_store(
    store: str, *, cell_m: float, cutoff: date | None, block_m: float, seed: int, truth: Any = None
) -> dict[str, Any]:
    from mineaction.risk import RiskModel
    from mineaction.risk.surface import default_cutoff, evaluate_layers, grid_for_layers

    layers, simulated = _read_layers(store)
    cutoff = cutoff or default_cutoff(layers)
    grid = grid_for_layers(layers, cell_m=cell_m, crs=_settings_crs())
    result = evaluate_layers(
        layers,
        model=RiskModel(random_state=seed),
        cell_m=cell_m,
        crs=_settings_crs(),
        cutoff=cutoff,
        block_m=block_m,
        record_weights=_record_weights(layers, cutoff),
        grid=grid,
        dem=_dem(layers, grid, store),
        truth=truth,
        random_state=seed,
    )
    result["simulated"] = simulated
    return result


def _print_evaluation(result: dict[str, Any]) -> None:
    schemes = result.get("schemes") or {result.get("scheme", "model"): result}
    for name, s in schemes.items():
        if s.get("available") is False:
            click.echo(f"{name:>10}: not available ({s['reason']})")
            continue
        rows = [("model", s)] + list(s.get("baselines", {}).items())
        for who, m in rows:
            cap = m["capture"]
            auc = "n/a" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
            click.echo(
                f"{name:>10} {who:>13}: ROC-AUC {auc}; capture of positives in top 5/10/20/30 % of area "
                + "/".join("n/a" if cap[k] is None else f"{100 * cap[k]:.0f}" for k in cap)
                + " %"
            )


@risk.command("candidates")
@click.argument("store")
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="GeoPackage to write")
@click.option(
    "--top-share", type=float, default=5.0, show_default=True, help="high risk: top share of area, %"
)
@click.option("--min-cells", type=int, default=3, show_default=True, help="smallest candidate, cells")
def candidates_command(store: str, model_path: Path, out: Path, top_share: float, min_cells: int) -> None:
    """Candidate new SHA polygons: connected high-risk cells outside the open hazardous areas."""
    from mineaction.risk.candidates import find_candidates

    bundle = _load_model(model_path)
    with progress("finding candidates"):
        grid, surface, layers, simulated = _surface(bundle, store)
        found = find_candidates(grid, surface, layers, top_share_pct=top_share, min_cells=min_cells)
    write_candidates(out, found, simulated=simulated)
    click.echo(
        f"{len(found)} candidate areas ({found['area_m2'].sum() / 1e4:,.1f} ha) written to {out}"
        + (" (simulated data)" if simulated else "")
    )


COMMANDS: list[click.Command] = [risk]
