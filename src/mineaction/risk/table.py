"""Table mode: a user's own table of cells (feature columns, a label column, an optional group column).

Features default to every numeric column other than the label, the group and the coordinates; labels are
1 (positive), 0 (known negative) or -1 (unknown, never used as a negative). Coordinates, where the table
has them (x/y in metres, lon/lat in degrees, or a point geometry), allow square-block spatial validation
when no group column is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mineaction.errors import InputError, ModelError

__all__ = ["COORDINATE_NAMES", "CellTable", "cell_table", "default_features", "table_xy"]

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
        Feature columns; every numeric non-label, non-group, non-coordinate column when omitted.
    name : str
        Name of the table (its file) used in error messages.
    """
    if group is not None and group not in frame.columns:
        raise InputError(
            f"{name}: no group column {group!r}; pass --group with an existing column or leave it out"
        )
    chosen = list(features) if features else default_features(frame, label=label, group=group)
    missing = [f for f in chosen if f not in frame.columns]
    if missing:
        raise ModelError(f"{name} lacks feature column(s) {', '.join(missing)}; check --features")
    if not chosen:
        raise InputError(f"{name} has no numeric feature column; pass --features with the columns to use")
    X = frame[chosen].apply(pd.to_numeric, errors="coerce")
    labels = _labels(frame, label, name) if label else np.full(len(frame), -1, dtype=np.int64)
    groups = frame[group].astype(str).to_numpy() if group else None
    return CellTable(X, labels, groups, tuple(chosen))


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
