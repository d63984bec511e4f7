"""Table mode: a user's own table of cells (feature columns, a label column, an optional group column).

Features default to every numeric column other than the label, the group and the coordinates; labels are
1 (positive), 0 (known negative) or -1 (unknown, never used as a negative). Coordinates, where the table
has them (x/y in metres, lon/lat in degrees, or a point geometry), allow square-block spatial validation
and regions cut from the coordinates when no group column is given.

With a group column, default features leave out the columns that are constant within every group (for
example a municipality's count of conflict events copied to all its cells). Such a column says only which
group a cell belongs to: a model learns the training groups' labels from it and has nothing to go on in a
group it has never seen. On Antioquia, leave-one-municipality-out ROC-AUC is 0.664 with the 20 such columns
and 0.696 without them (docs/risk.md); named features (``features=``) are always kept as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mineaction.errors import InputError, ModelError

__all__ = [
    "COORDINATE_NAMES",
    "CellTable",
    "cell_table",
    "default_features",
    "evaluate_table",
    "group_constant_features",
    "table_folds",
    "table_xy",
]

COORDINATE_NAMES = frozenset(
    {
        "x",
        "y",
        "lon",
        "lat",
        "lng",
        "long",
        "longitude",
        "latitude",
        "easting",
        "northing",
        "latitud_y",
        "longitud_x",
        "latitud",
        "longitud",
        "row",
        "col",
        "cell_id",
        "fid",
        "geometry",
    }
)


@dataclass(frozen=True)
class CellTable:
    """Features, labels and groups of a table of cells, ready for ``RiskModel`` and the validation schemes."""

    X: pd.DataFrame
    labels: np.ndarray
    groups: np.ndarray | None
    features: tuple[str, ...]
    group_constant: tuple[str, ...] = ()


def default_features(frame: pd.DataFrame, *, label: str | None, group: str | None = None) -> list[str]:
    """Every numeric (or boolean) column other than the label, the group and coordinate-like columns."""
    skip = {label, group}
    return [
        c
        for c in frame.columns
        if c not in skip
        and str(c).strip().lower() not in COORDINATE_NAMES
        and (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]


def group_constant_features(frame: pd.DataFrame, columns: Sequence[str], groups: Any) -> list[str]:
    """Columns of ``columns`` that take at most one value (NaN aside) within every group of ``groups``."""
    keys = pd.Series(np.asarray(groups, dtype=object).astype(str), index=frame.index)
    values = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    distinct = values.groupby(keys).nunique(dropna=True).max()
    return [c for c in columns if int(distinct.get(c, 0)) <= 1]


def _labels(frame: pd.DataFrame, label: str, name: str) -> np.ndarray:
    if label not in frame.columns:
        raise InputError(
            f"{name}: no label column {label!r}; columns are {', '.join(map(str, frame.columns[:20]))}"
            " ...; pass --label with one of them"
        )
    values = pd.to_numeric(frame[label], errors="coerce")
    bad = ~values.isin([1, 0, -1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{name} row {row + 1}: label {label}={frame[label].iloc[row]!r} is not 1, 0 or -1; "
            "use 1 for contaminated, 0 for cleared or cancelled with nothing found, -1 for unknown"
        )
    return values.to_numpy(dtype=np.int64)


def cell_table(
    frame: pd.DataFrame,
    *,
    label: str | None,
    group: str | None = None,
    features: Sequence[str] | None = None,
    name: str = "the table",
) -> CellTable:
    """Validate a table of cells and split it into features, labels and groups.

    Parameters
    ----------
    frame : DataFrame
        One row per cell.
    label : str or None
        Column of labels (1, 0, -1); None when the table is only to be scored.
    group : str, optional
        Column of spatial groups (e.g. municipality) for leave-one-group-out validation.
    features : sequence of str, optional
        Feature columns; when omitted, every numeric non-label, non-group, non-coordinate column, less
        (with ``group``) those constant within every group (listed in ``group_constant``).
    name : str
        Name of the table (its file) used in error messages.
    """
    if group is not None and group not in frame.columns:
        raise InputError(
            f"{name}: no group column {group!r}; pass --group with an existing column or leave it out"
        )
    chosen = list(features) if features else default_features(frame, label=label, group=group)
    constant: list[str] = []
    if not features and group is not None:
        constant = group_constant_features(frame, chosen, frame[group].to_numpy())
        chosen = [c for c in chosen if c not in constant]
    missing = [f for f in chosen if f not in frame.columns]
    if missing:
        raise ModelError(f"{name} lacks feature column(s) {', '.join(missing)}; check --features")
    if not chosen:
        raise InputError(f"{name} has no numeric feature column; pass --features with the columns to use")
    X = frame[chosen].apply(pd.to_numeric, errors="coerce")
    labels = _labels(frame, label, name) if label else np.full(len(frame), -1, dtype=np.int64)
    groups = frame[group].astype(str).to_numpy() if group else None
    return CellTable(X, labels, groups, tuple(chosen), tuple(constant))


def table_xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Cell coordinates of a table, or None: (x, y, metric) from x/y columns (metric) or lon/lat (degrees)."""
    lower = {str(c).strip().lower(): c for c in frame.columns}
    for xs, ys, metric in (
        ("x", "y", True),
        ("easting", "northing", True),
        ("lon", "lat", False),
        ("longitude", "latitude", False),
        ("longitud_x", "latitud_y", False),
    ):
        if xs in lower and ys in lower:
            return (
                pd.to_numeric(frame[lower[xs]], errors="coerce").to_numpy(float),
                pd.to_numeric(frame[lower[ys]], errors="coerce").to_numpy(float),
                metric,
            )
    return None


def table_folds(
    frame: pd.DataFrame, table: CellTable, *, regions: int = 5, random_state: int = 0
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Folds of every scheme a table allows, and the groups of their bootstrap intervals, by scheme name.

    ``shuffled`` always; ``spatial`` from square blocks of the coordinates (5 km, or 0.05 degrees for
    lon/lat) or, without coordinates, the groups dealt into 5 folds; ``region`` from the group column (each
    group held out in turn) or ``regions`` contiguous regions cut from the coordinates.
    """
    from mineaction.risk.validation import (
        block_ids,
        group_folds,
        region_folds,
        shuffled_folds,
    )

    folds = {"shuffled": shuffled_folds(len(frame), random_state=random_state)}
    groups: dict[str, np.ndarray] = {}
    xy = table_xy(frame)
    usable = xy is not None and bool(np.isfinite(xy[0]).all() and np.isfinite(xy[1]).all())
    if usable and xy is not None:
        blocks = block_ids(xy[0], xy[1], block_m=5000.0 if xy[2] else 0.05)
        rng = np.random.default_rng(random_state)
        folds["spatial"] = rng.permutation(np.arange(blocks.max() + 1) % 5)[blocks]
        groups["spatial"] = blocks
    elif table.groups is not None:
        folds["spatial"] = group_folds(table.groups, max_folds=5, random_state=random_state)
        groups["spatial"] = table.groups
    if table.groups is not None or usable:
        x, y = (xy[0], xy[1]) if usable and xy is not None else (None, None)
        folds["region"] = region_folds(groups=table.groups, x=x, y=y, k=regions)
    return folds, groups


def evaluate_table(
    frame: pd.DataFrame,
    *,
    label: str,
    group: str | None = None,
    features: Sequence[str] | None = None,
    model: Any = None,
    regions: int = 5,
    references: bool = True,
    random_state: int = 0,
    name: str = "the table",
) -> dict[str, Any]:
    """Shuffled, spatial and region validation of the risk model on a table of cells, side by side.

    The headline is the region scheme (each group held out in turn, or contiguous regions cut from the
    coordinates); its figures are repeated at the top level with the untuned reference models scored on the
    same folds (``reference_models``, on every default feature column: what a user gets with no choice
    made) and group-bootstrap intervals of ROC-AUC and capture (``intervals``).

    Parameters
    ----------
    frame : DataFrame
        One row per cell (see :func:`cell_table`).
    label, group, features, name
        As for :func:`cell_table`.
    model : RiskModel, optional
        The model to validate (``RiskModel(random_state=random_state)`` by default).
    regions : int
        Contiguous regions cut from the coordinates when there is no group column.
    references : bool
        Score the untuned LightGBM and HistGradientBoosting on the headline folds too.
    """
    from mineaction.risk.model import RiskModel
    from mineaction.risk.validation import compare_schemes

    table = cell_table(frame, label=label, group=group, features=features, name=name)
    folds, groups = table_folds(frame, table, regions=regions, random_state=random_state)
    headline = next(s for s in ("region", "spatial", "shuffled") if s in folds)
    result = compare_schemes(
        model if model is not None else RiskModel(random_state=random_state),
        table.X,
        table.labels,
        folds=folds,
        headline=headline,
        interval_groups=groups,
        references=references,
        reference_X=_reference_columns(frame, table, label=label, group=group),
        random_state=random_state,
    )
    result["features"] = list(table.features)
    result["group_constant_features"] = list(table.group_constant)
    return result


def _reference_columns(
    frame: pd.DataFrame, table: CellTable, *, label: str, group: str | None
) -> pd.DataFrame:
    if not table.group_constant:
        return table.X
    columns = default_features(frame, label=label, group=group)
    return frame[columns].apply(pd.to_numeric, errors="coerce")
