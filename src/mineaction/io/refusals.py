"""Why an import stored nothing, in one line: the reason most rows share with its fix, then the first error.

When one problem accounts for most of a file's rows (a Colombian file into a store whose area of interest is
Azerbaijan; lon and lat swapped throughout; a date column in another format), the first error alone does not
say what to do. ``refusal_message`` leads with that reason, how many rows it hits and the fix for the whole
file; for rows outside the area of interest the fix is a store made for the data's area, with the extent of
those rows ready to paste into ``mineaction init STORE --aoi W,S,E,N``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mineaction.domain.issues import ValidationReport

__all__ = [
    "OUTSIDE",
    "MainError",
    "extent_of",
    "main_error",
    "outside_bounds",
    "outside_rows",
    "refusal_message",
]

OUTSIDE = "outside the area of interest"


@dataclass(frozen=True)
class MainError:
    """The error shared by most rows: how many rows it hits of how many, the field, reason and most common
    fix, and, for rows outside the area of interest, their extent (west, south, east, north; degrees)."""

    rows: int
    of: int
    field: str
    reason: str
    fix: str
    extent: tuple[float, float, float, float] | None = None

    def sentence(self) -> str:
        """``36,491 of 36,527 rows: geometry outside the area of interest (...); <fix>``."""
        fix = self.fix
        if self.reason.startswith(OUTSIDE):
            fix = "if the data lie elsewhere, create a store for their area: "
            fix += "mineaction init STORE --aoi W,S,E,N"
            if self.extent is not None:
                fix += f" (these rows lie within {','.join(f'{v:g}' for v in self.extent)})"
        return f"{self.rows:,} of {self.of:,} rows: {self.field} {self.reason}; {fix}"


def outside_bounds(
    reports: Sequence[tuple[str, ValidationReport]], rows_by_kind: dict[str, np.ndarray]
) -> np.ndarray:
    """Bounds (west, south, east, north) of the given rows' geometries, one row per geometry present."""
    boxes = [np.empty((0, 4))]
    for kind, report in reports:
        frame = report.frame
        if kind not in rows_by_kind or "geometry" not in frame or report.rows is None:
            continue
        picked = np.asarray(frame.geometry.array, dtype=object)[np.isin(report.rows, rows_by_kind[kind])]
        boxes.append(shapely.bounds(picked[~shapely.is_missing(picked)]))
    return np.concatenate(boxes)


def outside_rows(issues: pd.DataFrame) -> dict[str, np.ndarray]:
    """Rows of each kind with an error of geometry outside the area of interest (``issues``: a report's
    frame)."""
    errors = issues[(issues["severity"] == "error") & issues["reason"].astype(str).str.startswith(OUTSIDE)]
    return {str(k): part["row"].to_numpy(dtype=np.int64) for k, part in errors.groupby("kind", sort=False)}


def extent_of(bounds: np.ndarray) -> tuple[float, float, float, float] | None:
    """Extent of ``bounds`` (rows of west, south, east, north), rounded outwards to 0.1 degree, leaving out
    strays (rows farther from the 1st to 99th percentile box than its own size, such as a lost minus sign)."""
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if not len(bounds):
        return None
    low, high = np.quantile(bounds[:, :2], 0.01, axis=0), np.quantile(bounds[:, 2:], 0.99, axis=0)
    span = np.maximum(high - low, 0.1)
    kept = ((bounds[:, :2] >= low - span) & (bounds[:, 2:] <= high + span)).all(axis=1)  # strays left out
    west, south = bounds[kept, :2].min(axis=0)
    east, north = bounds[kept, 2:].max(axis=0)
    return (
        max(-180.0, math.floor(float(west) * 10) / 10),
        max(-90.0, math.floor(float(south) * 10) / 10),
        min(180.0, math.ceil(float(east) * 10) / 10),
        min(90.0, math.ceil(float(north) * 10) / 10),
    )


def main_error(reports: Sequence[tuple[str, ValidationReport]], rows: int) -> MainError | None:
    """The error (field and reason, numbers in the reason aside) found on more than half of ``rows`` rows, or
    None; ``reports`` are (kind, report) pairs."""
    issues = ValidationReport.merge([r for _, r in reports]).to_frame()
    errors = issues[issues["severity"] == "error"]
    if errors.empty or rows <= 0:
        return None
    shape = errors["reason"].astype(str).str.replace(r"-?\d[\d,.]*", "#", regex=True)
    grouped = errors.assign(shape=shape).groupby(["field", "shape"], sort=False)
    hits = grouped["row"].nunique().sort_values(ascending=False, kind="stable")
    (field, key), count = hits.index[0], int(hits.iloc[0])
    if count * 2 <= rows:
        return None
    chosen = errors[(errors["field"] == field) & (shape == key)]
    reason = str(chosen["reason"].iloc[0])
    fix = str(chosen["fix"].value_counts().index[0])
    extent = None
    if reason.startswith(OUTSIDE):
        by_kind = {
            str(k): part["row"].to_numpy(dtype=np.int64) for k, part in chosen.groupby("kind", sort=False)
        }
        extent = extent_of(outside_bounds(reports, by_kind))
    return MainError(count, rows, str(field), reason, fix, extent)  # type: ignore[arg-type]


def refusal_message(
    file: str,
    reports: Sequence[tuple[str, ValidationReport]],
    *,
    rows: int,
    skip_invalid: bool,
    rejects: str | None = None,
) -> str:
    """One line saying that nothing was stored and why (see the module docstring).

    Parameters
    ----------
    file : str
        The file's name.
    reports : sequence of (kind, ValidationReport)
        The validation report of each kind the file was routed to.
    rows : int
        Rows of the file routed to some kind.
    skip_invalid : bool
        Whether the import was asked to store the valid rows (and every row was rejected).
    rejects : str, optional
        Where the rejected rows were written.
    """
    merged = ValidationReport.merge([r for _, r in reports])
    main = main_error(reports, rows)
    lead = f"{file}: import refused, nothing stored: "
    if skip_invalid:
        where = f" (written with their reasons to {rejects})" if rejects else ""
        lead = f"{file}: nothing stored: every one of the {rows:,} rows was rejected{where}; "
    text = lead + (main.sentence() + "; " if main is not None else "") + merged.summary()
    if not skip_invalid:
        text += " (use --skip-invalid to store the valid rows and write the rest to a rejects file)"
    return text
