"""Rows of mines in a group of finds: their direction, how many parallel rows, and the spacing along each.

Three steps, each one a standard technique that an operations officer can follow on a map:

1. **Direction** (a Hough transform on pairs of finds): turn a line through the finds; for each direction
   count the pairs of nearby finds (up to ``pair_m`` apart) that line up along it, a pair counting
   ``exp(-d^2 / 2h^2)`` for a sideways distance ``d`` (``h`` = 2 m). Rows of mines make the count peak at
   their direction. The record's direction, when there is one, weighs up to five times more, so it wins
   where the finds are undecided and loses where they clearly line up elsewhere. A group whose best count
   is less than ``MIN_CONTRAST`` (3) times its median over all directions has no direction: it is a blob
   (a cluster), not rows.
2. **Rows** (a mixture of parallel lines): across that direction the finds fall into narrow bands, one per
   row. A mixture of 1 to 8 Gaussian bands of one common width, plus a thin uniform part for finds on no
   row, is fitted by expectation-maximisation; the number of rows is the one with the lowest Bayesian
   information criterion.
3. **Spacing** (a periodogram along each row): the spacing ``s`` whose beat best fits the finds' positions
   along the row (the mean resultant length ``R`` of the angles ``2 pi u / s``; 1 is a perfect beat, 0 no
   beat). Gaps left by mines not found are whole multiples of ``s`` and do not disturb it. The largest ``s``
   within 85 % of the best ``R`` is kept (half and third spacings fit as well but are less likely: the
   finds' scatter weighs more on short spacings); a record's spacing is kept when it fits nearly as well.

Coordinates are metres in a metric CRS; directions are radians counter-clockwise from east, within [0, pi).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["MIN_CONTRAST", "Beat", "Bands", "find_bands", "row_beat", "row_direction"]

_H = 2.0  # m: sideways tolerance of a pair lining up
#: Best count of lined-up pairs over the median count across directions below which finds have no direction
#: (measured: round blobs of finds 1.1 to 2.7, single rows of 4 or more finds 10 to 30, belts about 6).
MIN_CONTRAST = 3.0


def _wrap_pi(angle: np.ndarray | float) -> np.ndarray:
    return np.mod(angle, np.pi)


def _angle_gap(a: np.ndarray, b: float) -> np.ndarray:
    """Smallest difference between directions (mod pi), radians, in [0, pi/2]."""
    d = np.abs(_wrap_pi(a) - _wrap_pi(b))
    return np.minimum(d, np.pi - d)


def _alignment(d: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Sum over pair vectors ``d`` (n x 2) of exp(-v^2 / 2h^2), v the sideways offset, for each angle."""
    v = -np.sin(angles)[:, None] * d[None, :, 0] + np.cos(angles)[:, None] * d[None, :, 1]
    return np.exp(-0.5 * (v / _H) ** 2).sum(axis=1)


def row_direction(
    xy: np.ndarray, *, pair_m: float, prior: float | None = None, prior_sd: float = np.radians(15.0)
) -> tuple[float, float, float]:
    """Direction of the rows of a group of finds, the share of nearby pairs that line up along it, and how
    much more they line up along it than along a typical direction.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Finds, m in a metric CRS.
    pair_m : float
        Pairs of finds up to this far apart vote, m.
    prior : float, optional
        Direction of the record's rows, radians; preferred where the finds are undecided.
    prior_sd : float
        Spread of that prior, radians.

    Returns
    -------
    (direction, strength, contrast) : (float, float, float)
        Direction in radians in [0, pi) (NaN without pairs, or the prior); strength in [0, 1]; contrast (best
        count over the median count across directions; 0 without pairs).
    """
    pairs = cKDTree(xy).query_pairs(pair_m, output_type="ndarray") if len(xy) >= 2 else np.zeros((0, 2))
    if len(pairs) == 0:
        return (float(_wrap_pi(prior)) if prior is not None else float("nan")), 0.0, 0.0
    d = xy[pairs[:, 1].astype(int)] - xy[pairs[:, 0].astype(int)]
    coarse = np.radians(np.arange(0.0, 180.0, 1.0))
    raw = _alignment(d, coarse)
    score = raw * (1.0 if prior is None else 0.2 + np.exp(-0.5 * (_angle_gap(coarse, prior) / prior_sd) ** 2))
    best = coarse[int(np.argmax(score))]
    fine = best + np.radians(np.arange(-1.0, 1.01, 0.1))
    fweight = 1.0 if prior is None else 0.2 + np.exp(-0.5 * (_angle_gap(fine, prior) / prior_sd) ** 2)
    fscore = _alignment(d, fine)
    k = int(np.argmax(fscore * fweight))
    contrast = float(fscore[k] / max(float(np.median(raw)), 1e-9))
    return float(_wrap_pi(fine[k])), float(fscore[k] / len(d)), contrast


@dataclass(frozen=True)
class Bands:
    """Parallel rows found across the direction of the rows.

    ``centre`` (m, sideways offset of each row), ``sd_m`` (common half-width, m), ``member`` (row of each
    find, -1 for finds on no row).
    """

    centre: np.ndarray
    sd_m: float
    member: np.ndarray


def _em(
    v: np.ndarray, means: np.ndarray, span: float, iterations: int = 40
) -> tuple[np.ndarray, float, float, np.ndarray]:
    """EM for K Gaussian bands of common sd plus a 5 % uniform part; returns means, sd, log-likelihood and
    the responsibilities (n x K+1, last column the uniform part)."""
    k = len(means)
    weights = np.full(k, 0.95 / k)
    sd = max(float(np.std(v)) / max(k, 1), 1.0)
    uniform = 0.05 / max(span, 1.0)
    for _ in range(iterations):
        previous = means
        dens = weights * np.exp(-0.5 * ((v[:, None] - means) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
        total = dens.sum(axis=1) + uniform
        resp = dens / total[:, None]
        mass = resp.sum(axis=0)
        if (mass < 1e-6).any():
            keep = mass >= 1e-6
            means, weights, resp, mass = means[keep], weights[keep], resp[:, keep], mass[keep]
        means = (resp * v[:, None]).sum(axis=0) / mass
        sd = float(np.sqrt((resp * (v[:, None] - means) ** 2).sum() / max(mass.sum(), 1e-9)))
        sd = max(sd, 0.3)
        weights = 0.95 * mass / mass.sum()
        if len(previous) == len(means) and np.abs(previous - means).max() < 1e-3:
            break
    dens = weights * np.exp(-0.5 * ((v[:, None] - means) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
    total = dens.sum(axis=1) + uniform
    resp = np.column_stack([dens / total[:, None], uniform / total])
    return means, sd, float(np.log(total).sum()), resp


def _peaks(v: np.ndarray, k: int, bandwidth: float = 1.5) -> np.ndarray:
    """The ``k`` highest peaks of the kernel density of ``v`` (fewer if it has fewer)."""
    grid = np.arange(v.min() - 3, v.max() + 3, 0.25)
    dens = np.exp(-0.5 * ((grid[:, None] - v[None, :]) / bandwidth) ** 2).sum(axis=1)
    top = np.flatnonzero((dens[1:-1] >= dens[:-2]) & (dens[1:-1] > dens[2:])) + 1
    order = top[np.argsort(-dens[top])][:k]
    return np.sort(grid[order]) if len(order) else np.array([float(np.median(v))])


def find_bands(v: np.ndarray, *, max_rows: int = 8, min_finds: int = 3) -> Bands:
    """Rows across the direction of the rows: a mixture of 1 to ``max_rows`` parallel Gaussian bands (common
    width) plus finds on no row, the number of rows chosen by BIC; rows with fewer than ``min_finds`` finds
    are dropped (their finds join no row)."""
    v = np.asarray(v, float)
    n = len(v)
    if n == 0:
        return Bands(np.zeros(0), float("nan"), np.zeros(0, int))
    span = float(v.max() - v.min()) + 6.0
    best: tuple[float, np.ndarray, float, np.ndarray] | None = None
    worse = 0
    for k in range(1, max(1, min(max_rows, n // max(min_finds, 1))) + 1):
        means, sd, loglik, resp = _em(v, _peaks(v, k), span)
        bic = -2 * loglik + (2 * len(means) + 1) * np.log(n)
        if best is None or bic < best[0]:
            best, worse = (bic, means, sd, resp), 0
        else:
            worse += 1
            if worse == 2:  # two more rows did not help: more will not either
                break
    assert best is not None
    _, means, sd, resp = best
    member = np.argmax(resp, axis=1)
    member[member == len(means)] = -1
    far = np.abs(v - means[np.clip(member, 0, len(means) - 1)]) > 3 * sd
    member[far] = -1
    counts = np.bincount(member[member >= 0], minlength=len(means))
    keep = np.flatnonzero(counts >= min_finds)
    if len(keep) == 0:
        return Bands(np.zeros(0), sd, np.full(n, -1))
    remap = np.full(len(means) + 1, -1)
    remap[keep] = np.arange(len(keep))
    member = np.where(member >= 0, remap[member], -1)
    order = np.argsort(means[keep])
    rank = np.empty(len(keep), int)
    rank[order] = np.arange(len(keep))
    member = np.where(member >= 0, rank[np.clip(member, 0, None)], -1)
    return Bands(means[keep][order], sd, member)


@dataclass(frozen=True)
class Beat:
    """The spacing of mines along a row: ``spacing_m`` (m), ``phase_m`` (position of one mine along the row,
    m, so mines lie at ``phase_m + k * spacing_m``) and ``regularity`` (mean resultant length, 0-1)."""

    spacing_m: float
    phase_m: float
    regularity: float


def _resultant(u: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    z = np.exp(2j * np.pi * u[None, :] / spacing[:, None]).mean(axis=1)
    return np.abs(z)


def _phase(u: np.ndarray, spacing: float) -> float:
    z = np.exp(2j * np.pi * u / spacing).mean()
    return float(np.mod(np.angle(z) / (2 * np.pi) * spacing, spacing))


def row_beat(
    u: np.ndarray, *, spacing_range: tuple[float, float] = (2.0, 40.0), prior: float | None = None
) -> Beat:
    """Spacing, phase and regularity of finds at positions ``u`` (m) along one row.

    With fewer than two finds the ``prior`` spacing (a record's) is used, else the lower end of
    ``spacing_range``; regularity is then 0.
    """
    u = np.sort(np.asarray(u, float))
    lo, hi = spacing_range
    if len(u) < 2:
        s = float(prior) if prior is not None and np.isfinite(prior) else lo
        return Beat(s, float(np.mod(u[0], s)) if len(u) else 0.0, 0.0)
    gaps = np.diff(u)
    top = min(hi, max(lo * 1.5, 1.25 * float(np.percentile(gaps, 25))))
    candidates = np.arange(lo, top + 0.05, 0.05)
    r = _resultant(u, candidates)
    good = np.flatnonzero(r >= 0.85 * r.max())
    s = float(candidates[good[-1]])
    if prior is not None and np.isfinite(prior) and lo <= prior <= hi:
        r_prior = float(_resultant(u, np.array([prior]))[0])
        if r_prior >= 0.8 * r.max():
            s = float(prior)
    regularity = float(_resultant(u, np.array([s]))[0])
    return _refined(u, s, _phase(u, s), regularity)


def _refined(u: np.ndarray, spacing: float, phase: float, regularity: float) -> Beat:
    """The beat refined by least squares: each find's whole number of spacings from the phase is fixed, then
    ``u = phase + k * spacing`` is fitted (the periodogram's grid alone lets long rows drift)."""
    k = np.round((u - phase) / spacing)
    if len(np.unique(k)) < 2 or regularity < 0.5:
        return Beat(spacing, phase, regularity)
    slope, intercept = np.polyfit(k, u, 1)
    if not 0.8 * spacing <= slope <= 1.2 * spacing:
        return Beat(spacing, phase, regularity)
    return Beat(float(slope), float(np.mod(intercept, slope)), regularity)
