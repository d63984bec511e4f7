"""Uncertainty of reported figures: Wilson intervals for shares and a group bootstrap for ranking metrics.

Every share the product reports comes from a count (``k`` of ``n`` records, accidents or victims), and most
counts are small: 35 processed records, 33 located accidents. A share is therefore reported with its count
and a 95 % interval, so that a briefing does not read noise as a trend.

- :func:`wilson_interval` is the score interval of a binomial proportion (Wilson, 1927). Unlike the normal
  ("Wald") interval it stays inside 0 to 1 and keeps close to its nominal coverage at small ``n`` and at
  shares near 0 or 1. It treats the ``n`` items as independent draws; where they are not (victims of one
  accident share its outcome), the interval is too narrow, and the docs say so where it matters.
- :func:`share` bundles a share with its count and interval as a plain dict (the JSON every front end shows).
- :func:`weighted_share` is a share of amounts (e.g. foreign US$ of all US$): its interval is a percentile
  bootstrap over the items (grants), as amounts are not counts.

Ranking metrics of the risk model (ROC-AUC, capture) carry a bootstrap over whole groups of cells; that
lives with them in ``mineaction.risk.uncertainty``.

Nothing here does I/O; all randomness is seeded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import norm

from mineaction.errors import InputError

__all__ = [
    "CONFIDENCE",
    "format_share",
    "share",
    "weighted_share",
    "wilson_interval",
]

#: Confidence level of every interval the product reports.
CONFIDENCE = 0.95
_BOOTSTRAP = 1000


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence {confidence} must lie strictly between 0 and 1 (e.g. 0.95)")
    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(k: float, n: float, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / n``.

    Parameters
    ----------
    k : float
        Count of items with the property (0 to ``n``).
    n : float
        Count of items.
    confidence : float
        Confidence level (0-1), 0.95 by default.

    Returns
    -------
    (low, high) : tuple of float
        Bounds (0-1); ``(nan, nan)`` when ``n`` is 0.
    """
    if n < 0 or k < 0 or k > n:
        raise InputError(f"a share needs 0 <= k <= n; got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 or k = n the exact bound is 0 or 1; rounding must not leave it a hair inside.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def share(k: float, n: float, *, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """A share with its count and Wilson interval: ``{"share", "k", "n", "low", "high", "confidence",
    "method"}`` (shares 0-1; ``share``, ``low`` and ``high`` NaN when ``n`` is 0)."""
    low, high = wilson_interval(k, n, confidence=confidence)
    return {
        "share": float(k / n) if n else math.nan,
        "k": int(k) if float(k).is_integer() else float(k),
        "n": int(n) if float(n).is_integer() else float(n),
        "low": low,
        "high": high,
        "confidence": confidence,
        "method": "wilson",
    }


def weighted_share(
    amounts: np.ndarray,
    flags: np.ndarray,
    *,
    n_boot: int = _BOOTSTRAP,
    confidence: float = CONFIDENCE,
    random_state: int = 0,
) -> dict[str, Any]:
    """Share of an amount held by the flagged items (e.g. foreign US$ of all US$), with a bootstrap interval
    over the items.

    Returns ``{"share", "k", "n", "low", "high", "confidence", "method"}`` where ``k`` is the count of
    flagged items and ``n`` the count of items (the interval resamples items, not money).
    """
    a = np.asarray(amounts, dtype=float).ravel()
    f = np.asarray(flags, dtype=bool).ravel()
    if a.shape != f.shape:
        raise InputError(f"{a.size} amounts but {f.size} flags; give one flag per amount")
    total = a.sum()
    low = high = math.nan
    if len(a) >= 2 and total > 0:
        rng = np.random.default_rng(random_state)
        counts = rng.multinomial(len(a), np.full(len(a), 1.0 / len(a)), size=n_boot)
        totals = counts @ a
        ratios = (counts @ np.where(f, a, 0.0))[totals > 0] / totals[totals > 0]
        alpha = (1.0 - confidence) / 2.0
        low, high = (float(q) for q in np.quantile(ratios, [alpha, 1.0 - alpha]))
    return {
        "share": float(a[f].sum() / total) if total > 0 else math.nan,
        "k": int(f.sum()),
        "n": int(len(a)),
        "low": low,
        "high": high,
        "confidence": confidence,
        "method": "bootstrap over items, percentile",
    }


def format_share(item: dict[str, Any], *, digits: int = 0) -> str:
    """``"61 % (43–76 %, n = 33)"`` for a dict from :func:`share`; ``"n/a (n = 0)"`` without items."""
    if item.get("n", 0) == 0 or not np.isfinite(item.get("share", math.nan)):
        return f"n/a (n = {item.get('n', 0)})"
    pct = f"{{:.{digits}f}}"
    body = f"{pct.format(100 * item['share'])} %"
    if item.get("low") is None or not np.isfinite(item["low"]):
        return f"{body} (n = {item['n']})"
    low, high = pct.format(100 * item["low"]), pct.format(100 * item["high"])
    return f"{body} ({low}–{high} %, n = {item['n']})"
