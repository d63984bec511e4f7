"""Where the rest of the mines may lie: candidate positions along rows, and how likely each holds a mine.

A fitted pattern turns into **units**, each a set of candidate mine positions ("slots", every spacing along
a row) with a prior, updated by Bayes' rule with the land worked (``Coverage``) and the finds made:

- a **traced row** (rows the finds trace): its slots between the first and last find exist; each holds a
  mine with the row's *fill* ``f`` (share of positions laid). ``f`` is uncertain: its prior is a Beta with
  mean ``fill_prior`` (weight of 10 positions), updated by the row's positions (``f p`` for a slot found,
  ``1 - f p`` for one worked with detection ``p`` and not found), and carried as a distribution into the
  interval. A slot worked with detection ``p`` and no find holds a mine with probability
  ``f (1 - p) / (1 - f p)``. A stretch of 3 or more empty slots may also be a break in the row
  (prior 0.1): worked well and empty, it is believed a break. Beyond its last find the row goes on for ``E``
  more slots, ``E`` unknown: its prior is geometric with mean ``extension_mean_m`` (or, where a record's
  matched row says where the row ends, a mix with that end, weight ``record_extent_weight``); the
  likelihood of no find in the slots beyond is ``prod (1 - f p_j)``, so worked land with no finds ends the
  row and unworked land leaves it open;
- a **record row** not traced by finds (moved by the record's measured offset when other rows of it were
  found): it exists with the prior ``aligned_row_prior`` (``record_row_prior`` for a record nothing
  confirmed), made less likely by every worked slot on it with no find;
- a **parallel row**: one more row beyond the outermost traced row on each side, at the rows' spacing, prior
  ``new_row_prior``;
- a **cluster** or the **scattered** mines: a Poisson field whose intensity has a Gamma prior, updated by the
  finds made and the detection where they could have been made.

Each unit gives the probability of a mine at each slot (``marginals``) and random draws of how many mines it
still holds (``draw``), so the total's interval keeps the dependence within a row (a row exists or not as a
whole). Metres in a metric CRS throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineaction.patterns.coverage import WorkedLand
from mineaction.patterns.fit import Pattern, RowGroup
from mineaction.patterns.record import RecordAlignment, RecordRows
from mineaction.patterns.settings import PatternSettings

__all__ = ["FieldUnit", "RowUnit", "build_units", "fill_posterior", "slot_detection"]

_BREAK_PRIOR = 0.1
_BREAK_RUN = 3
_FILL_WEIGHT = 10.0
_FILL_GRID = np.linspace(0.05, 0.995, 60)


def fill_posterior(found: int, unfound_p: np.ndarray, prior: float) -> np.ndarray:
    """Posterior weights of the fill on ``_FILL_GRID`` given ``found`` slots found and the detection of the
    slots worked without a find (Beta prior with mean ``prior``, weight 10)."""
    a, b = _FILL_WEIGHT * prior, _FILL_WEIGHT * (1 - prior)
    f = _FILL_GRID
    log = (a - 1 + found) * np.log(f) + (b - 1) * np.log1p(-f)
    log = log + np.log(np.maximum(1 - np.multiply.outer(f, np.asarray(unfound_p, float)), 1e-12)).sum(axis=1)
    w = np.exp(log - log.max())
    return w / w.sum()


_STENCIL = np.array([(a, b) for a in (-1.5, 0.0, 1.5) for b in (-1.5, 0.0, 1.5)])
_STENCIL_W = np.exp(-0.5 * (_STENCIL**2).sum(axis=1))
_STENCIL_W = _STENCIL_W / _STENCIL_W.sum()


def slot_detection(
    xy: np.ndarray, sd_m: float, coverage: WorkedLand
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detection at candidate positions, allowing for the scatter of a mine about its position.

    A mine lies within about ``sd_m`` (at least 1 m) of its slot, so the work done near a slot is averaged
    over nine points around it. Returns the mean detection per slot (m,), the nine points (m, 9, 2) and, per
    slot, where a mine not found would most likely be (weights over the nine points, summing to 1).
    """
    sd = max(float(sd_m), 1.0)
    pts = xy[:, None, :] + sd * _STENCIL[None, :, :]
    p = coverage.at(pts[..., 0].ravel(), pts[..., 1].ravel()).reshape(len(xy), len(_STENCIL))
    p_slot = p @ _STENCIL_W
    miss = _STENCIL_W[None, :] * (1 - p)
    total = miss.sum(axis=1, keepdims=True)
    where = np.where(total > 0, miss / np.where(total > 0, total, 1.0), _STENCIL_W[None, :])
    return p_slot, pts, where


def _geometric(k: int, mean_slots: float) -> np.ndarray:
    rho = mean_slots / (1.0 + mean_slots)
    w = (1 - rho) * rho ** np.arange(k + 1)
    return w / w.sum()


@dataclass(frozen=True)
class RowUnit:
    """Candidate positions of one row (metres). ``kind``: ``traced``, ``record`` or ``parallel``; ``xy`` (m x
    2) slot positions; ``found`` (bool); ``part`` (0 between the first and last find, +1 beyond the last,
    -1 before the first; 0 for record and parallel rows); ``step`` (slots from the traced end, extensions
    only); ``fill`` (share of positions laid, 0-1); ``prior`` (prior that a record or parallel row exists);
    ``forward``/``backward`` (prior of the number of slots the row goes on beyond each end); ``sd_m``
    (scatter of mines about a slot); ``fill_weights`` (posterior of the fill on a grid of values, the
    ``fill`` being its mean)."""

    kind: str
    label: str
    xy: np.ndarray
    found: np.ndarray
    part: np.ndarray
    step: np.ndarray
    fill_weights: np.ndarray
    prior: float
    forward: np.ndarray
    backward: np.ndarray
    sd_m: float
    spacing_m: float

    @property
    def fill(self) -> float:
        """Posterior mean share of the row's positions that hold a mine (0-1)."""
        return float(self.fill_weights @ _FILL_GRID)

    def _q_given(self, f: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Probability of a mine at slots with detection ``p`` and no find, for fills ``f`` (shape f x p)."""
        f = np.asarray(f)[:, None]
        return f * (1 - p[None, :]) / np.maximum(1 - f * p[None, :], 1e-12)

    def _q(self, p: np.ndarray) -> np.ndarray:
        return self.fill_weights @ self._q_given(_FILL_GRID, p)

    def _runs(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run id of each interior empty slot (-1 otherwise) and the posterior that each run is filled."""
        run = np.full(len(p), -1)
        interior = np.flatnonzero(self.part == 0)
        empty = interior[~self.found[interior]]
        if len(empty) == 0:
            return run, np.zeros(0)
        cuts = np.flatnonzero(np.diff(empty) > 1) + 1
        pieces = np.split(empty, cuts)
        filled = np.ones(len(pieces))
        for k, piece in enumerate(pieces):
            run[piece] = k
            if len(piece) >= _BREAK_RUN:
                like = np.prod(1 - self.fill * p[piece])
                filled[k] = (1 - _BREAK_PRIOR) * like / ((1 - _BREAK_PRIOR) * like + _BREAK_PRIOR)
        return run, filled

    def _extension(self, p: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """Slots of one extension in order and the posterior of how many of them exist (0..K)."""
        idx = np.flatnonzero(self.part == side)
        idx = idx[np.argsort(self.step[idx])]
        prior = self.forward if side > 0 else self.backward
        prior = (
            prior[: len(idx) + 1] if len(prior) > len(idx) else np.pad(prior, (0, len(idx) + 1 - len(prior)))
        )
        like = np.concatenate([[1.0], np.cumprod(1 - self.fill * p[idx])])
        post = prior * like
        total = post.sum()
        return idx, post / total if total > 0 else np.eye(1, len(post))[0]

    def exists(self, p: np.ndarray) -> float:
        """Posterior that a record or parallel row exists (1 for a traced row)."""
        if self.kind == "traced":
            return 1.0
        like = float(np.prod(1 - self.fill * p))
        return self.prior * like / (self.prior * like + 1 - self.prior)

    def marginals(self, p: np.ndarray) -> np.ndarray:
        """Probability (0-1) that each slot holds a mine not yet found, given detection ``p`` at the slots."""
        q = np.where(self.found, 0.0, self._q(p))
        if self.kind != "traced":
            return q * self.exists(p)
        out = np.zeros(len(p))
        run, filled = self._runs(p)
        inner = run >= 0
        out[inner] = q[inner] * filled[run[inner]]
        for side in (1, -1):
            idx, post = self._extension(p, side)
            if len(idx):
                beyond = 1.0 - np.cumsum(post)[:-1]  # P(E >= j) for j = 1..K
                out[idx] = q[idx] * beyond
        return out

    def draw(self, p: np.ndarray, count: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Random draws (``draws``) of the number of mines not yet found in the slots where ``count`` is
        true; the fill is drawn from its posterior once per draw, shared by the row's slots."""
        fills = _FILL_GRID[rng.choice(len(_FILL_GRID), size=draws, p=self.fill_weights)]
        q = np.where(self.found, 0.0, self._q_given(fills, p)) * count
        hits = rng.uniform(size=q.shape) < q
        if self.kind != "traced":
            alive = rng.uniform(size=draws) < self.exists(p)
            return alive * hits.sum(axis=1)
        total = np.zeros(draws)
        run, filled = self._runs(p)
        for k in range(len(filled)):
            alive = rng.uniform(size=draws) < filled[k]
            total += alive * hits[:, run == k].sum(axis=1)
        for side in (1, -1):
            idx, post = self._extension(p, side)
            if len(idx) == 0:
                continue
            length = rng.choice(len(post), size=draws, p=post)
            upto = np.cumsum(hits[:, idx], axis=1)
            total += np.where(length > 0, upto[np.arange(draws), np.maximum(length - 1, 0)], 0)
        return total


@dataclass(frozen=True)
class FieldUnit:
    """Mines not on rows, as a Poisson field: ``kind`` (``cluster`` or ``scattered``), a Gamma posterior of
    its intensity (``alpha``, ``beta``: mines per unit of ``shape``), and the field's shape: a Gaussian blob
    (``centre``, ``sd_m``) or uniform per m2 (``sd_m`` = 0)."""

    kind: str
    label: str
    alpha: float
    beta: float
    centre: tuple[float, float]
    sd_m: float

    def shape(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Density of the field's shape at points (per m2; 1 everywhere for the uniform field)."""
        if self.sd_m <= 0:
            return np.ones_like(np.asarray(x, float))
        r2 = (np.asarray(x) - self.centre[0]) ** 2 + (np.asarray(y) - self.centre[1]) ** 2
        return np.exp(-0.5 * r2 / self.sd_m**2) / (2 * np.pi * self.sd_m**2)

    @property
    def intensity(self) -> float:
        """Posterior mean intensity (mines per unit of shape)."""
        return self.alpha / self.beta


def _record_end_prior(k: int, ends: float | None, spacing: float, settings: PatternSettings) -> np.ndarray:
    mean_slots = settings.extension_mean_m / spacing
    base = _geometric(k, mean_slots)
    if ends is None or not np.isfinite(ends):
        return base
    sd = max(1.0, 10.0 / spacing)
    e = np.arange(k + 1)
    rec = np.exp(-0.5 * ((e - max(ends, 0.0)) / sd) ** 2)
    rec = rec / rec.sum()
    w = settings.record_extent_weight
    return w * rec + (1 - w) * base


def _traced(
    group: RowGroup, g: int, xy: np.ndarray, coverage: WorkedLand, settings: PatternSettings
) -> list[RowUnit]:
    units = []
    u_all, _ = group.to_uv(xy[group.finds])
    record = group.record
    for r, row in enumerate(group.rows):
        s = row.spacing_m
        k_first = int(np.round((row.u_first - row.phase_m) / s))
        k_last = int(np.round((row.u_last - row.phase_m) / s))
        k_max = int(np.ceil(settings.max_extension_m / s))
        ks = np.arange(k_first - k_max, k_last + k_max + 1)
        slots = group.to_xy(row.phase_m + ks * s, np.full(len(ks), row.offset_m))
        mine_k = np.round((u_all[group.member == r] - row.phase_m) / s).astype(int)
        found = np.isin(ks, np.clip(mine_k, k_first, k_last))
        part = np.where(ks > k_last, 1, np.where(ks < k_first, -1, 0))
        step = np.where(part > 0, ks - k_last, np.where(part < 0, k_first - ks, 0))
        interior = part == 0
        p_inner = slot_detection(slots[interior], group.sd_m, coverage)[0]
        fill = fill_posterior(int(found[interior].sum()), p_inner[~found[interior]], settings.fill_prior)
        fwd, back = _record_ends(group, record, row.record_row, row, s)
        units.append(
            RowUnit(
                "traced",
                f"row {r + 1} of rows {g + 1}",
                slots,
                found,
                part,
                step,
                fill,
                1.0,
                _record_end_prior(k_max, fwd, s, settings),
                _record_end_prior(k_max, back, s, settings),
                max(group.sd_m, 0.5),
                s,
            )
        )
    return units


def _record_ends(
    group: RowGroup, record: RecordAlignment | None, j: int, row, spacing: float
) -> tuple[float | None, float | None]:
    """Slots from the traced row's ends to the matched record row's ends (after alignment), or None."""
    if record is None or j < 0:
        return None, None
    line = record.aligned.lines[j]
    u, _ = group.to_uv(line.reshape(2, 2))
    lo, hi = float(u.min()), float(u.max())
    return (hi - row.u_last) / spacing, (row.u_first - lo) / spacing


def _line_unit(
    kind: str,
    label: str,
    line: np.ndarray,
    spacing: float,
    prior: float,
    sd: float,
    coverage: WorkedLand,
    settings: PatternSettings,
) -> RowUnit:
    length = float(np.hypot(*(line[2:] - line[:2])))
    n = max(1, int(np.floor(length / spacing)) + 1)
    t = np.linspace(0.0, 1.0, n) if n > 1 else np.array([0.5])
    slots = line[:2] + t[:, None] * (line[2:] - line[:2])
    zeros = np.zeros(n, int)
    return RowUnit(
        kind,
        label,
        slots,
        np.zeros(n, bool),
        zeros,
        zeros,
        fill_posterior(0, np.zeros(0), settings.fill_prior),
        prior,
        np.ones(1),
        np.ones(1),
        sd,
        spacing,
    )


def _record_units(
    alignments: tuple[RecordAlignment, ...],
    coverage: WorkedLand,
    settings: PatternSettings,
    default_spacing: float,
) -> list[RowUnit]:
    units = []
    for fit in alignments:
        rows: RecordRows = fit.aligned
        prior = settings.aligned_row_prior if fit.matched else settings.record_row_prior
        for j, line in enumerate(rows.lines):
            if j in fit.matched:
                continue
            s = (
                rows.spacing_m[j]
                if np.isfinite(rows.spacing_m[j]) and rows.spacing_m[j] > 0
                else default_spacing
            )
            label = f"record {fit.record_id} row {j + 1}"
            units.append(_line_unit("record", label, line, float(s), prior, 2.0, coverage, settings))
    return units


def _parallel_units(
    group: RowGroup, g: int, coverage: WorkedLand, settings: PatternSettings
) -> list[RowUnit]:
    offsets = np.sort([r.offset_m for r in group.rows])
    gap = float(np.median(np.diff(offsets))) if len(offsets) > 1 else settings.default_row_gap_m
    lo = min(r.u_first for r in group.rows)
    hi = max(r.u_last for r in group.rows)
    spacing = float(np.median([r.spacing_m for r in group.rows]))
    record_v = []
    if group.record is not None:
        _, v = group.to_uv(group.record.aligned.lines.reshape(-1, 2))
        record_v = list(v)
    units = []
    for side, v in (("left", offsets[0] - gap), ("right", offsets[-1] + gap)):
        if any(abs(w - v) < gap / 2 for w in record_v):
            continue
        ends = group.to_xy(np.array([lo, hi]), np.array([v, v]))
        label = f"possible row {side} of rows {g + 1}"
        units.append(
            _line_unit(
                "parallel",
                label,
                ends.reshape(-1),
                spacing,
                settings.new_row_prior,
                max(group.sd_m, 0.5),
                coverage,
                settings,
            )
        )
    return units


def _field_units(pattern: Pattern, coverage: WorkedLand, settings: PatternSettings) -> list[FieldUnit]:
    xs, ys = coverage.centres()
    cell = coverage.cell_m**2
    units = []
    for c, cluster in enumerate(pattern.clusters):
        unit = FieldUnit("cluster", f"cluster {c + 1}", 0.5, 0.05, (cluster.x, cluster.y), cluster.sd_m)
        detected = float((unit.shape(xs, ys) * coverage.p).sum() * cell)
        units.append(
            FieldUnit(
                "cluster", unit.label, len(cluster.finds) + 0.5, detected + 0.05, unit.centre, unit.sd_m
            )
        )
    alpha0 = settings.background_per_ha * settings.background_weight_ha
    beta0 = settings.background_weight_ha * 1e4
    detected = float(coverage.p.sum() * cell)
    units.append(
        FieldUnit(
            "scattered", "scattered mines", alpha0 + len(pattern.scattered), beta0 + detected, (0.0, 0.0), 0.0
        )
    )
    return units


def build_units(
    pattern: Pattern, coverage: WorkedLand, settings: PatternSettings | None = None
) -> tuple[list[RowUnit], list[FieldUnit]]:
    """The row units and field units of ``pattern`` (see the module docstring), given the land worked."""
    settings = settings or PatternSettings()
    rows: list[RowUnit] = []
    spacings = [r.spacing_m for g in pattern.groups for r in g.rows]
    default_spacing = float(np.median(spacings)) if spacings else 6.0
    for g, group in enumerate(pattern.groups):
        rows.extend(_traced(group, g, pattern.xy, coverage, settings))
        rows.extend(_parallel_units(group, g, coverage, settings))
    rows.extend(_record_units(pattern.records, coverage, settings, default_spacing))
    return rows, _field_units(pattern, coverage, settings)
