"""Reliability weights of minefield records (0 to 1) from their measured accuracy, for the record features.

A record that survey or clearance fully processed has shown what it holds: weight 1 when finds confirmed it,
``empty_weight`` (default 0.05) when its land held nothing. A record not yet processed takes the measured
confirmation rate of its source (``handed_over_by``) among processed records, or of all processed records when
its source has none, or ``prior`` (default 0.25, the public "25 % correct" figure) when nothing is processed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mineaction.errors import InputError

__all__ = ["record_weights_from_assessment"]


def record_weights_from_assessment(
    assessed: pd.DataFrame, *, empty_weight: float = 0.05, prior: float = 0.25
) -> dict[str, float]:
    """Weight of every record by id.

    Parameters
    ----------
    assessed : DataFrame
        One row per record with ``id``, ``processed`` and ``confirmed`` (booleans) and optionally
        ``handed_over_by`` (as ``mineaction.analysis.records.assess_each_record`` returns).
    empty_weight : float
        Weight of a processed record whose land held nothing, 0 to 1.
    prior : float
        Weight of unprocessed records when no record at all has been processed, 0 to 1.
    """
    missing = [c for c in ("id", "processed", "confirmed") if c not in assessed.columns]
    if missing:
        raise InputError(f"record assessment lacks columns {missing}; give the output of assess_each_record")
    if assessed.empty:
        return {}
    processed = assessed["processed"].fillna(False).astype(bool).to_numpy()
    confirmed = assessed["confirmed"].fillna(False).astype(bool).to_numpy()
    source = (
        (
            assessed["handed_over_by"]
            if "handed_over_by" in assessed.columns
            else pd.Series("", index=assessed.index)
        )
        .fillna("")
        .astype(str)
    )
    overall = float(confirmed[processed].mean()) if processed.any() else prior
    by_source = pd.Series(confirmed[processed]).groupby(source.to_numpy()[processed]).mean()
    unprocessed = source.map(by_source).fillna(overall).to_numpy(float)
    weights = np.where(processed, np.where(confirmed, 1.0, empty_weight), unprocessed)
    return dict(zip(assessed["id"].astype(str), np.clip(weights, 0.0, 1.0).tolist(), strict=True))
