"""Commands of the risk jobs: ``risk fit``, ``predict``, ``evaluate`` and ``candidates``.

Grid mode reads a store's layers; table mode reads a user's table of cells (CSV or GeoPackage). The commands
parse options, call :mod:`mineaction.workflows` and write files with :mod:`mineaction.io` (model files,
GeoTIFFs and GeoPackages are written to a temporary name and renamed: nothing half-written is left behind).
Model files are pickles: load only model files you made or trust.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click
import pandas as pd

from mineaction.cli._common import echo_json, json_option, open_snapshot, progress, settings_option
from mineaction.errors import ConfigError, InputError

__all__ = ["COMMANDS", "risk"]


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--cutoff {value!r} is not a date; give it as YYYY-MM-DD") from None


def _features(listed: str | None, repeated: tuple[str, ...], file: Path | None) -> list[str] | None:
    """Feature names from ``--features a,b``, ``--feature NAME`` (repeatable; names may hold commas) and
    ``--features-file FILE`` (one name a line), in that order; None for the default (every numeric column)."""
    names = [f.strip() for f in (listed or "").split(",") if f.strip()] + list(repeated)
    if file is not None:
        if not file.exists():
            raise InputError(f"{file}: no such file; give a text file with one feature name a line")
        names += [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return names or None


def _cells(path: Path) -> pd.DataFrame:
    """A table of cells from a CSV or any vector file (geometry turned into lon/lat for block validation)."""
    from mineaction.io import read_table
    from mineaction.workflows.risk import cells_from_frame

    return cells_from_frame(read_table(path, require_geometry=False))


def _table_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--cells",
            "cells_path",
            type=click.Path(path_type=Path),
            help="table of cells (CSV or GeoPackage) instead of a store",
        ),
        click.option("--label", help="column of labels: 1 contaminated, 0 processed clean, -1 unknown"),
        click.option("--group", help="column of spatial groups (e.g. municipality) for validation"),
        click.option(
            "--features",
            help="comma-separated feature columns (default: every numeric column other than "
            "label, group and coordinates)",
        ),
        click.option(
            "--feature",
            "feature_names",
            multiple=True,
            help="a feature column (repeat; names may hold commas)",
        ),
        click.option(
            "--features-file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="text file of feature columns, one a line",
        ),
        click.option("--seed", type=int, help="random seed (default: the setting random_state, 0)"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _need_one_source(store: str | None, cells_path: Path | None, label: str | None) -> None:
    if (store is None) == (cells_path is None):
        raise ConfigError("give either a STORE or --cells FILE (not both, not neither)")
    if cells_path is not None and not label:
        raise ConfigError("--cells needs --label COL (the column of 1, 0 and -1 labels)")


def _table_seed(seed: int | None, settings_path: str | None) -> int:
    from mineaction.settings import load_settings

    return load_settings(settings_path).random_state if seed is None else seed


@click.group("risk")
def risk() -> None:
    """Contamination risk surface: fit, predict, evaluate, candidates."""


@risk.command("fit")
@click.argument("store", required=False)
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True, help="model file")
@click.option("--cell-m", type=float, help="cell size, m, 25 to 1000 (default: the setting risk_cell_m, 100)")
@click.option(
    "--cutoff", help="features before this date, labels from it (YYYY-MM-DD; default: 30 % of events)"
)
@settings_option
@_table_options
def fit_command(
    store: str | None,
    model_path: Path,
    cell_m: float | None,
    cutoff: str | None,
    settings_path: str | None,
    cells_path: Path | None,
    label: str | None,
    group: str | None,
    features: str | None,
    feature_names: tuple[str, ...],
    features_file: Path | None,
    seed: int | None,
) -> None:
    """Fit the risk model on a STORE's layers, or on a table of cells (--cells, --label)."""
    from mineaction.workflows.risk import fit_risk_model, fit_risk_table, save_risk_model

    _need_one_source(store, cells_path, label)
    with progress("fitting the risk model"):
        if cells_path is not None:
            fitted = fit_risk_table(
                _cells(cells_path),
                label=str(label),
                group=group,
                features=_features(features, feature_names, features_file),
                seed=_table_seed(seed, settings_path),
                name=str(cells_path),
            )
        else:
            with open_snapshot(str(store), settings_path) as snap:
                fitted = fit_risk_model(snap, cell_m=cell_m, cutoff=_parse_date(cutoff), seed=seed)
    save_risk_model(model_path, fitted)
    click.echo(
        f"model written to {model_path}: {len(fitted.features)} features, {fitted.n_positive} positive "
        f"and {fitted.n_negative} negative cells ({fitted.n_unknown} unknown, not used)"
    )


def _engine_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--engine",
            type=click.Choice(["auto", "numpy", "dask"]),
            default="auto",
            show_default=True,
            help="numpy: the whole grid in this process; dask: block by block on a Dask cluster (a local "
            "one unless --scheduler); auto: numpy while it fits the setting risk_memory_mb",
        ),
        click.option("--scheduler", help="address of an existing Dask scheduler (tcp://HOST:8786)"),
        click.option(
            "--workers",
            type=click.IntRange(min=0),
            default=2,
            show_default=True,
            help="local Dask worker processes (0: the blocks one after another in this process)",
        ),
        click.option("--worker-memory-mb", type=float, help="memory limit of each local Dask worker, MB"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@contextlib.contextmanager
def _client(engine: str, scheduler: str | None, workers: int, memory_mb: float | None) -> Iterator[Any]:
    """A Dask client for ``--engine dask`` (a local cluster, or ``--scheduler``), else None (also for
    ``--workers 0``: the blocks are then computed here, one after another)."""
    if scheduler is None and (engine != "dask" or workers == 0):
        yield None
        return
    from mineaction.workflows.cluster import dask_client

    with dask_client(scheduler=scheduler, workers=workers, worker_memory_mb=memory_mb) as client:
        yield client


@risk.command("predict")
@click.argument("store")
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="GeoTIFF to write (risk.tif)")
@_engine_options
@settings_option
@json_option
def predict_command(
    store: str,
    model_path: Path,
    out: Path,
    engine: str,
    scheduler: str | None,
    workers: int,
    worker_memory_mb: float | None,
    settings_path: str | None,
    as_json: bool,
) -> None:
    """Predict the risk surface over STORE's area as a GeoTIFF (probability 0-1 per cell; QGIS opens it),
    written a block at a time (tiled, compressed); cells far from any evidence or hazard are nodata."""
    from mineaction.io import RiskRasterWriter
    from mineaction.workflows.risk import load_risk_model, predict_risk_blocks

    bundle = load_risk_model(model_path)
    chosen = "dask" if scheduler else engine
    with (
        progress("predicting the risk surface"),
        open_snapshot(store, settings_path) as snap,
        _client(chosen, scheduler, workers, worker_memory_mb) as client,
    ):
        result = predict_risk_blocks(snap, bundle, engine=chosen, client=client)
        with RiskRasterWriter.open(out, result.grid, simulated=result.simulated) as writer:
            for window, block in result.blocks():
                writer.write(window.row0, window.col0, block)
    d = result.to_dict()
    if as_json:
        echo_json({**d, "out": str(out)})
        return
    mean, high = d["probability_mean"], d["probability_max"]
    click.echo(
        f"risk surface written to {out}: {d['rows']} x {d['cols']} cells of {d['cell_m']:g} m "
        f"({d['crs']}), {d['cells_in_area']:,} scored; probability mean "
        + ("n/a" if mean is None else f"{mean:.3f}, max {high:.3f}")
        + (" (simulated data)" if result.simulated else "")
    )
    click.echo(d["plan"]["note"])


@risk.command("evaluate")
@click.argument("store", required=False)
@click.option(
    "--model", "model_path", type=click.Path(path_type=Path), help="fitted model to test on --cells"
)
@click.option("--cell-m", type=float, help="cell size, m (grid mode; default: the setting risk_cell_m)")
@click.option("--cutoff", help="features before this date, labels from it (grid mode; YYYY-MM-DD)")
@click.option("--block-m", type=float, help="spatial block side, m (default: the setting risk_block_m)")
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(path_type=Path),
    help="true mines of a simulated scenario (truth/devices.csv with lon, lat): adds their capture",
)
@json_option
@settings_option
@_table_options
def evaluate_command(
    store: str | None,
    model_path: Path | None,
    cell_m: float | None,
    cutoff: str | None,
    block_m: float | None,
    truth_path: Path | None,
    as_json: bool,
    settings_path: str | None,
    cells_path: Path | None,
    label: str | None,
    group: str | None,
    features: str | None,
    feature_names: tuple[str, ...],
    features_file: Path | None,
    seed: int | None,
) -> None:
    """Shuffled, spatial and temporal validation side by side (or a fitted --model on a new --cells table)."""
    from mineaction.io import read_table
    from mineaction.workflows.risk import evaluate_risk, evaluate_risk_table, load_risk_model

    _need_one_source(store, cells_path, label)
    bundle = load_risk_model(model_path) if model_path else None
    with progress("evaluating"):
        if cells_path is not None:
            result = evaluate_risk_table(
                _cells(cells_path),
                label=str(label),
                group=group,
                features=_features(features, feature_names, features_file),
                model=bundle,
                seed=_table_seed(seed, settings_path),
                name=str(cells_path),
            )
        else:
            truth = read_table(truth_path) if truth_path else None
            with open_snapshot(str(store), settings_path) as snap:
                result = evaluate_risk(
                    snap, cell_m=cell_m, cutoff=_parse_date(cutoff), block_m=block_m, seed=seed, truth=truth
                )
    if as_json:
        echo_json(result.to_dict())
    else:
        _print_evaluation(result.to_dict())


def _print_evaluation(result: dict[str, Any]) -> None:
    schemes = result.get("schemes") or {result.get("scheme", "model"): result}
    for name, s in schemes.items():
        if s.get("available") is False:
            click.echo(f"{name:>10}: not available ({s['reason']})")
            continue
        rows = (
            [("model", s)]
            + list(s.get("reference_models", {}).items())
            + list(s.get("baselines", {}).items())
        )
        for who, m in rows:
            click.echo(f"{name:>10} {who:>30}: {_figures(m, s.get('intervals') if who == 'model' else None)}")
    if "scheme" in result:
        click.echo(
            f"headline: {result['scheme']} ({schemes.get(result['scheme'], {}).get('description', '')})"
        )


def _figures(m: dict[str, Any], intervals: dict[str, Any] | None) -> str:
    cap = m["capture"]
    auc = "n/a" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
    if intervals and intervals["roc_auc"]["low"] is not None:
        auc += f" (95 % {intervals['roc_auc']['low']:.3f}-{intervals['roc_auc']['high']:.3f}, "
        auc += f"{intervals['n_groups']} groups)"
    return (
        f"ROC-AUC {auc}; capture of positives in top 5/10/20/30 % of area "
        + "/".join("n/a" if cap[k] is None else f"{100 * cap[k]:.0f}" for k in cap)
        + " %"
    )


@risk.command("candidates")
@click.argument("store")
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="GeoPackage to write")
@click.option("--top-share", type=float, help="high risk: top share of area, % (default: setting, 5)")
@click.option("--min-cells", type=int, help="smallest candidate, cells (default: the setting, 3)")
@settings_option
@json_option
def candidates_command(
    store: str,
    model_path: Path,
    out: Path,
    top_share: float | None,
    min_cells: int | None,
    settings_path: str | None,
    as_json: bool,
) -> None:
    """Candidate new SHA polygons: connected high-risk cells outside the open hazardous areas."""
    from mineaction.io import write_candidates
    from mineaction.workflows.risk import find_survey_candidates, load_risk_model

    bundle = load_risk_model(model_path)
    with progress("finding candidates"), open_snapshot(store, settings_path) as snap:
        result = find_survey_candidates(snap, bundle, top_share_pct=top_share, min_cells=min_cells)
    write_candidates(out, result.candidates, simulated=result.surface.simulated)
    d = result.to_dict()
    if as_json:
        echo_json({**d, "out": str(out)})
        return
    click.echo(
        f"{d['n_candidates']} candidate areas ({d['area_ha']:,.1f} ha) written to {out}"
        + (" (simulated data)" if d["simulated"] else "")
    )


COMMANDS: list[click.Command] = [risk]
