"""The small-count rule, defined once: counts of people from 1 to 4 are shown as ``"<5"``.

Counts of people (victims, survivors) shown to someone who may not see individuals go out as aggregates in
which any count from 1 to 4 is ``"<5"`` (``SMALL_COUNT``), so that no one can be singled out ("the one girl
injured in Aghdam in May"). A zero stays 0: it singles no one out. In a table whose totals are shown too,
hiding one cell alone would let it be worked out by subtraction, so ``suppress_table`` hides a second cell in
each such row and column (the smallest other non-zero one): the usual secondary suppression of statistical
agencies. Who must see suppressed counts is an access matter (``mineaction.access.must_suppress``); every
front end and analysis applies the rule through these functions, none writes its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SMALL_COUNT",
    "SUPPRESSED",
    "suppress_count",
    "suppress_counts",
    "suppress_table",
]

SMALL_COUNT = 5  # counts from 1 to SMALL_COUNT - 1 are hidden
SUPPRESSED = f"<{SMALL_COUNT}"


def suppress_count(value: Any) -> Any:
    """``"<5"`` for a count from 1 to 4; any other value as it is (0, larger counts, None, text)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
    ):
        return SUPPRESSED if 0 < value < SMALL_COUNT else value
    return value


def suppress_counts(payload: Any, keys: Sequence[str] | None = None) -> Any:
    """A copy of a JSON-like ``payload`` (dicts, lists, numbers) with its small counts suppressed: every
    number when ``keys`` is None, else only the values under those keys (at any depth)."""
    if isinstance(payload, Mapping):
        return {
            k: (suppress_counts(v) if keys is not None and k in keys else suppress_counts(v, keys))
            for k, v in payload.items()
        }
    if isinstance(payload, (list, tuple)):
        return [suppress_counts(v, keys) for v in payload]
    return suppress_count(payload) if keys is None else payload


def _second_cells(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Cells to hide as well so that no row holds exactly one hidden cell (rows of a 2-D array)."""
    extra = np.zeros_like(hidden)
    for i in np.flatnonzero(hidden.sum(axis=1) == 1):
        candidates = np.flatnonzero(~hidden[i] & (values[i] > 0))
        if len(candidates):
            extra[i, candidates[np.argmin(values[i, candidates])]] = True
    return extra


def suppress_table(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, *, totals: bool = True
) -> pd.DataFrame:
    """A copy of a table of counts with the small ones shown as ``"<5"``.

    Parameters
    ----------
    frame
        Counts of people, one row per group (year, district...) and one column per category (sex, outcome).
    columns
        The count columns (default: every numeric column).
    totals
        Whether row or column totals are published with the table: then each row and column with exactly one
        hidden cell gets a second one hidden (its smallest other non-zero count), until none is left alone.
    """
    names = list(columns) if columns is not None else list(frame.select_dtypes("number").columns)
    values = frame[names].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(dtype=float)
    hidden = (values > 0) & (values < SMALL_COUNT)
    while totals:
        more = _second_cells(values, hidden) | _second_cells(values.T, hidden.T).T
        if not (more & ~hidden).any():
            break
        hidden |= more
    out = frame.copy()
    for j, name in enumerate(names):
        column = out[name].astype(object)
        column[hidden[:, j]] = SUPPRESSED
        out[name] = column
    return out
