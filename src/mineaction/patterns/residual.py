"""Residual mines of an area: how many mines are expected still in the ground, with an interval, and where.

``residual_mines(pattern, coverage, area)`` adds up the units of ``mineaction.patterns.slots`` inside the
area: the expected number (the sum of the probabilities of a mine at every candidate position, plus the
expected count of the cluster and scattered fields), an interval from ``draws`` random draws (the
``interval`` share of them fall inside it, e.g. the 5th to 95th percentile), the probability that at least
one mine is left, the share of each source, and a map of the probability of a mine per m2 on a north-up grid
of ``map_cell_m`` cells in the metric CRS. Positions along rows that run on beyond the area's boundary are
counted apart (``beyond_boundary``): they do not make the area unsafe but say the hazard goes on next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.ndimage import gaussian_filter

from mineaction.patterns.coverage import WorkedLand
from mineaction.patterns.fit import Pattern
from mineaction.patterns.settings import PatternSettings
from mineaction.patterns.slots import FieldUnit, RowUnit, build_units, slot_detection

__all__ = ["SOURCES", "ResidualEstimate", "ResidualMap", "residual_mines"]

#: Sources of residual mines, in the order they are reported.
SOURCES = {
    "gaps_in_rows": "positions along traced rows where no mine was found",
    "rows_beyond_ends": "traced rows going on beyond their last find",
    "record_rows": "record rows not (yet) traced by finds",
    "parallel_rows": "possible further rows beside the traced ones",
    "clusters": "clusters of finds not on rows",
    "scattered": "scattered mines (density from finds off rows and clusters)",
}


@dataclass(frozen=True)
class ResidualMap:
    """Probability of a mine per m2 on a north-up grid (``west``, ``north``, ``cell_m``; metres in ``crs``);
    ``inside`` marks the cells whose centre lies in the area."""

    west: float
    north: float
    cell_m: float
    density: np.ndarray
    inside: np.ndarray
    crs: str

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = self.density.shape
        xs = self.west + (np.arange(cols) + 0.5) * self.cell_m
        ys = self.north - (np.arange(rows) + 0.5) * self.cell_m
        return np.meshgrid(xs, ys)

    def hotspots(self, n: int = 10) -> list[dict]:
        """The ``n`` cells inside the area with the highest density: ``x``, ``y`` (m) and ``per_m2``."""
        xs, ys = self.centres()
        d = np.where(self.inside, self.density, 0.0).ravel()
        top = np.argsort(-d)[:n]
        return [
            {
                "x": round(float(xs.ravel()[k]), 1),
                "y": round(float(ys.ravel()[k]), 1),
                "per_m2": float(f"{d[k]:.3g}"),
            }
            for k in top
            if d[k] > 0
        ]

    def to_dict(self) -> dict:
        rows, cols = self.density.shape
        return {
            "crs": self.crs,
            "west": round(self.west, 1),
            "north": round(self.north, 1),
            "cell_m": self.cell_m,
            "shape": [rows, cols],
            "max_per_m2": float(f"{float(np.max(self.density, initial=0.0)):.3g}"),
            "hotspots": self.hotspots(),
        }


@dataclass(frozen=True)
class ResidualEstimate:
    """Mines expected still in the ground of an area.

    ``expected`` (mines), ``low``/``high`` (interval holding ``interval`` of the draws), ``p_any``
    (probability of at least one), ``by_source`` (expected mines per source of ``SOURCES``),
    ``beyond_boundary`` (expected mines on rows running on within ``context_m`` outside the area), ``units``
    (per row, record row, cluster: label, kind, expected inside and beyond), ``map``.
    """

    expected: float
    low: float
    high: float
    interval: float
    p_any: float
    by_source: dict[str, float]
    beyond_boundary: float
    units: list[dict] = field(default_factory=list)
    map: ResidualMap | None = None

    def to_dict(self) -> dict:
        return {
            "expected_mines": round(self.expected, 2),
            "interval": [round(self.low, 1), round(self.high, 1)],
            "interval_share": self.interval,
            "p_any": round(self.p_any, 3),
            "by_source": {k: round(v, 2) for k, v in self.by_source.items()},
            "beyond_boundary": round(self.beyond_boundary, 2),
            "units": self.units,
            "map": self.map.to_dict() if self.map is not None else None,
        }


def _source(unit: RowUnit) -> np.ndarray:
    if unit.kind == "record":
        return np.full(len(unit.xy), "record_rows", dtype=object)
    if unit.kind == "parallel":
        return np.full(len(unit.xy), "parallel_rows", dtype=object)
    return np.where(unit.part == 0, "gaps_in_rows", "rows_beyond_ends").astype(object)


def _field_mass(unit: FieldUnit, coverage: WorkedLand, inside: np.ndarray) -> tuple[float, float]:
    """Undetected mass of the field's shape inside the area and within the coverage grid outside it."""
    xs, ys = coverage.centres()
    w = unit.shape(xs, ys) * (1 - coverage.p) * coverage.cell_m**2
    return float(w[inside].sum()), float(w[~inside].sum())


def _map(
    rows: list[RowUnit],
    marginals: list[np.ndarray],
    fields: list[FieldUnit],
    coverage: WorkedLand,
    area: shapely.Geometry,
    settings: PatternSettings,
) -> ResidualMap:
    minx, miny, maxx, maxy = shapely.bounds(area)
    cell = settings.map_cell_m
    cols, nrows = max(1, int(np.ceil((maxx - minx) / cell))), max(1, int(np.ceil((maxy - miny) / cell)))
    west, north = float(minx), float(miny + nrows * cell)
    grid = ResidualMap(
        west, north, cell, np.zeros((nrows, cols)), np.zeros((nrows, cols), bool), coverage.crs
    )
    xs, ys = grid.centres()
    density = np.zeros((nrows, cols))
    by_sd: dict[float, np.ndarray] = {}
    for unit, marg in zip(rows, marginals, strict=True):
        col = np.floor((unit.xy[:, 0] - west) / cell).astype(int)
        row = np.floor((north - unit.xy[:, 1]) / cell).astype(int)
        ok = (row >= 0) & (row < nrows) & (col >= 0) & (col < cols)
        key = round(max(unit.sd_m, 1.0) * 2) / 2
        layer = by_sd.setdefault(key, np.zeros((nrows, cols)))
        np.add.at(layer, (row[ok], col[ok]), marg[ok])
    for sd, layer in by_sd.items():
        density += gaussian_filter(layer, sd / cell, mode="constant") / cell**2
    miss = 1 - coverage.at(xs.ravel(), ys.ravel()).reshape(xs.shape)
    for blob in fields:
        density += blob.intensity * blob.shape(xs, ys) * miss
    inside = shapely.contains_xy(area, xs, ys)
    return ResidualMap(west, north, cell, density, inside, coverage.crs)


def residual_mines(
    pattern: Pattern, coverage: WorkedLand, area: shapely.Geometry, *, settings: PatternSettings | None = None
) -> ResidualEstimate:
    """Mines expected still in the ground of ``area`` (a polygon, metres in the pattern's CRS).

    Parameters
    ----------
    pattern : Pattern
        The pattern fitted to the finds in and around the area.
    coverage : Coverage
        Detection probability of the land worked in and around the area; must cover the area.
    area : shapely geometry
        The area (polygon), metric CRS.
    settings : PatternSettings, optional
        ``interval``, ``draws``, ``random_state``, ``map_cell_m``, ``context_m`` and the priors.

    Returns
    -------
    ResidualEstimate
    """
    settings = settings or PatternSettings()
    rows, fields = build_units(pattern, coverage, settings)
    rng = np.random.default_rng(settings.random_state)
    draws = np.zeros(settings.draws)
    by_source = dict.fromkeys(SOURCES, 0.0)
    near = shapely.buffer(area, settings.context_m)
    beyond = 0.0
    units, marginals = [], []
    for unit in rows:
        p = slot_detection(unit.xy, unit.sd_m, coverage)[0]
        marg = unit.marginals(p)
        marginals.append(marg)
        inside = shapely.contains_xy(area, unit.xy[:, 0], unit.xy[:, 1])
        close = ~inside & shapely.contains_xy(near, unit.xy[:, 0], unit.xy[:, 1])
        for name, value in zip(_source(unit)[inside], marg[inside], strict=True):
            by_source[name] += float(value)
        beyond += float(marg[close].sum())
        draws += unit.draw(p, inside, rng, settings.draws)
        units.append(
            {
                "label": unit.label,
                "kind": unit.kind,
                "expected": round(float(marg[inside].sum()), 2),
                "beyond": round(float(marg[close].sum()), 2),
            }
        )
    cov_inside = shapely.contains_xy(area, *coverage.centres())
    for blob in fields:
        mass_in, _ = _field_mass(blob, coverage, cov_inside)
        expected = blob.intensity * mass_in
        by_source["clusters" if blob.kind == "cluster" else "scattered"] += expected
        lam = rng.gamma(blob.alpha, 1.0 / blob.beta, settings.draws)
        draws += rng.poisson(lam * mass_in)
        units.append({"label": blob.label, "kind": blob.kind, "expected": round(expected, 2), "beyond": 0.0})
    tail = (1 - settings.interval) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return ResidualEstimate(
        float(sum(by_source.values())),
        float(low),
        float(high),
        settings.interval,
        float((draws >= 1).mean()),
        by_source,
        beyond,
        units,
        _map(rows, marginals, fields, coverage, area, settings),
    )
