"""Fit laying patterns to the mine finds of an area: rows of mines (with spacing), clusters, scattered finds.

``fit_pattern(xy, records=...)`` works in four steps:

1. finds closer than ``link_m`` to each other are linked into **groups** (candidate minefields);
2. in each group, **rows** are traced (``mineaction.patterns.rows``: the direction the finds line up along,
   the parallel rows across it, the spacing along each row); the record nearest the group gives the prior
   direction and spacing. Finds on no row are tried again for rows of another direction;
3. finds left over in a group form a **cluster** (a blob with a centre and a spread), single ones are
   **scattered**;
4. each **record** is aligned to the rows of the group nearest it (``mineaction.patterns.record``): its
   offset and rotation are measured and its rows, moved, become the prior of where the rows continue.

Everything is in metres of one metric CRS (``crs``); nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from mineaction.patterns.coverage import WorkedLand
from mineaction.patterns.record import RecordAlignment, RecordRows, align_record, not_matched, untested
from mineaction.patterns.rows import MIN_CONTRAST, find_bands, row_beat, row_direction
from mineaction.patterns.settings import PatternSettings

__all__ = ["Cluster", "Pattern", "Row", "RowGroup", "fit_pattern", "segment_distance"]


@dataclass(frozen=True)
class Row:
    """One row of mines traced by finds, in its group's frame (``u`` along the rows, ``v`` across, m).

    ``offset_m`` (v of the row), ``u_first``/``u_last`` (stretch its finds cover), ``spacing_m`` and
    ``phase_m`` (mines expected at ``phase_m + k * spacing_m``), ``regularity`` (0-1, how well the finds
    keep that beat), ``n_finds``, ``record_row`` (index of the matched row of the group's record, -1 none).
    """

    offset_m: float
    u_first: float
    u_last: float
    spacing_m: float
    phase_m: float
    regularity: float
    n_finds: int
    record_row: int = -1


@dataclass(frozen=True)
class RowGroup:
    """Parallel rows traced in one group of finds.

    ``angle`` (radians counter-clockwise from east), ``origin`` (frame origin, m), ``rows``, ``sd_m`` (the
    rows' half-width: spread of finds across a row, m), ``strength`` (share of nearby pairs of finds lining
    up, 0-1), ``finds`` (indices of its finds in the pattern) and ``member`` (row of each, -1 none),
    ``record`` (the record aligned to it, if any).
    """

    angle: float
    origin: tuple[float, float]
    rows: tuple[Row, ...]
    sd_m: float
    strength: float
    finds: np.ndarray
    member: np.ndarray
    record: RecordAlignment | None = None

    @property
    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors along and across the rows."""
        return np.array([np.cos(self.angle), np.sin(self.angle)]), np.array(
            [-np.sin(self.angle), np.cos(self.angle)]
        )

    def to_xy(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Points (n x 2, m) at frame coordinates ``u``, ``v``."""
        e, n = self.axes
        return np.asarray(self.origin) + np.multiply.outer(u, e) + np.multiply.outer(v, n)

    def to_uv(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame coordinates (along, across; m) of points ``xy`` (n x 2, m)."""
        e, n = self.axes
        rel = np.asarray(xy, float) - np.asarray(self.origin)
        return rel @ e, rel @ n

    def row_lines(self) -> np.ndarray:
        """The stretch each row's finds cover, as (k, 4) ``x0, y0, x1, y1`` (m)."""
        if not self.rows:
            return np.zeros((0, 4))
        v = np.array([r.offset_m for r in self.rows])
        a = self.to_xy(np.array([r.u_first for r in self.rows]), v)
        b = self.to_xy(np.array([r.u_last for r in self.rows]), v)
        return np.column_stack([a, b])


@dataclass(frozen=True)
class Cluster:
    """Finds close together on no row: ``x, y`` (centre, m), ``sd_m`` (spread, m), ``finds`` (indices)."""

    x: float
    y: float
    sd_m: float
    finds: np.ndarray


@dataclass(frozen=True)
class Pattern:
    """The laying pattern fitted to an area's finds (metres in ``crs``).

    ``xy`` (the finds, n x 2), ``groups`` (rows), ``clusters``, ``scattered`` (indices of finds on neither),
    ``records`` (every record considered, aligned to the finds where they allow), ``quality``: ``n_finds``,
    ``on_rows`` (share of finds on rows), ``in_clusters``, ``rms_across_m`` (spread of finds across their
    rows), ``regularity`` (mean beat along rows, 0-1).
    """

    crs: str
    xy: np.ndarray
    groups: tuple[RowGroup, ...]
    clusters: tuple[Cluster, ...]
    scattered: np.ndarray
    records: tuple[RecordAlignment, ...]
    quality: dict = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def _link_distance(xy: np.ndarray, link_m: float) -> float:
    """``link_m``, widened where finds are sparse: 2.5 x the median distance between neighbouring finds, at
    most 3 x ``link_m``."""
    if len(xy) < 3:
        return link_m
    nearest = cKDTree(xy).query(xy, k=2)[0][:, 1]
    return float(np.clip(2.5 * np.median(nearest), link_m, 3 * link_m))


def _components(xy: np.ndarray, link_m: float) -> list[np.ndarray]:
    n = len(xy)
    if n == 0:
        return []
    pairs = cKDTree(xy).query_pairs(link_m, output_type="ndarray")
    shape = (n, n)
    graph = (
        coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=shape)
        if len(pairs)
        else coo_matrix(shape)
    )
    _, labels = connected_components(graph, directed=False)
    return [np.flatnonzero(labels == k) for k in range(labels.max() + 1)]


def segment_distance(points: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Distance (m) from each point (n x 2) to the nearest of ``lines`` ((k, 4) segments); inf without
    lines."""
    if len(lines) == 0 or len(points) == 0:
        return np.full(len(points), np.inf)
    a, b = lines[:, :2], lines[:, 2:]
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    t = np.clip(((points[:, None, :] - a[None]) * ab[None]).sum(axis=2) / length2[None], 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    return np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2)).min(axis=1)


def _chains(u: np.ndarray, gap_m: float) -> list[np.ndarray]:
    """Positions (indices into ``u``) split where consecutive finds along the row are more than ``gap_m``
    apart."""
    order = np.argsort(u)
    cuts = np.flatnonzero(np.diff(u[order]) > gap_m) + 1
    return np.split(order, cuts)


def _rows_of(
    u: np.ndarray,
    v: np.ndarray,
    bands: np.ndarray,
    settings: PatternSettings,
    link: float,
    spacing_prior: float | None,
    sd_m: float,
) -> tuple[list[Row], np.ndarray]:
    """Rows from the finds of each band: chains of finds along the band (gaps up to ``link`` m, or four
    spacings) of at least ``min_row_finds``, stretching at least five times the band's half-width (1 m at
    least: a round blob is no row); returns the rows and the row of each find (-1 none)."""
    rows: list[Row] = []
    member = np.full(len(u), -1)
    for k in range(bands.max() + 1 if len(bands) else 0):
        idx = np.flatnonzero(bands == k)
        beat = row_beat(u[idx], spacing_range=settings.spacing_range_m, prior=spacing_prior)
        for piece in _chains(u[idx], max(link, 4 * beat.spacing_m)):
            sel = idx[piece]
            if len(piece) < settings.min_row_finds or np.ptp(u[sel]) < 5 * max(sd_m, 1.0):
                continue
            own = row_beat(u[sel], spacing_range=settings.spacing_range_m, prior=beat.spacing_m)
            member[sel] = len(rows)
            rows.append(
                Row(
                    float(np.median(v[sel])),
                    float(u[sel].min()),
                    float(u[sel].max()),
                    own.spacing_m,
                    own.phase_m,
                    own.regularity,
                    len(sel),
                )
            )
    return rows, member


def _fit_group(
    xy: np.ndarray, idx: np.ndarray, settings: PatternSettings, record: RecordRows | None, link: float
) -> RowGroup | None:
    prior = record.direction if record is not None else None
    angle, strength, contrast = row_direction(
        xy[idx], pair_m=settings.pair_m, prior=prior, prior_sd=np.radians(settings.angle_prior_sd_deg)
    )
    if not np.isfinite(angle) or contrast < MIN_CONTRAST:
        return None
    origin = xy[idx].mean(axis=0)
    e, n = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    u, v = (xy[idx] - origin) @ e, (xy[idx] - origin) @ n
    bands = find_bands(v, min_finds=settings.min_row_finds)
    if len(bands.centre) == 0 or bands.sd_m > settings.max_row_sd_m:
        return None
    spacing_prior = None
    if record is not None and np.isfinite(record.spacing_m).any():
        spacing_prior = float(np.nanmedian(record.spacing_m))
    rows, member = _rows_of(u, v, bands.member, settings, link, spacing_prior, bands.sd_m)
    if not rows:
        return None
    origin_xy = (float(origin[0]), float(origin[1]))
    return RowGroup(float(angle), origin_xy, tuple(rows), float(bands.sd_m), strength, idx, member)


def _nearest_record(xy: np.ndarray, records: Sequence[RecordRows], search_m: float) -> RecordRows | None:
    best, best_d = None, search_m
    for record in records:
        d = float(np.median(segment_distance(xy, record.lines)))
        if d <= best_d:
            best, best_d = record, d
    return best


def _cluster(xy: np.ndarray, idx: np.ndarray) -> Cluster:
    centre = xy[idx].mean(axis=0)
    spread = float(np.sqrt(((xy[idx] - centre) ** 2).sum(axis=1).mean() / 2)) if len(idx) > 1 else 0.0
    return Cluster(float(centre[0]), float(centre[1]), max(spread, 3.0), idx)


def _bunched(xy: np.ndarray, cluster: Cluster, coverage: WorkedLand | None) -> bool:
    """Whether the finds of ``cluster`` are more bunched than finds spread evenly over the worked land would
    be: the log-likelihood ratio of the blob against an even spread, finds being made only where land was
    worked, must beat the BIC penalty of the blob's three parameters."""
    if coverage is None:
        return True
    xs, ys = coverage.centres()
    r2 = (xs - cluster.x) ** 2 + (ys - cluster.y) ** 2
    shape = np.exp(-0.5 * r2 / cluster.sd_m**2) / (2 * np.pi * cluster.sd_m**2)
    cell = coverage.cell_m**2
    worked = coverage.p if coverage.p.any() else np.ones_like(coverage.p)
    m_blob = max(float((shape * worked).sum() * cell), 1e-300)
    m_even = float(worked.sum() * cell)
    pts = xy[cluster.finds]
    d2 = ((pts - [cluster.x, cluster.y]) ** 2).sum(axis=1)
    log_blob = (-0.5 * d2 / cluster.sd_m**2 - np.log(2 * np.pi * cluster.sd_m**2)).sum() - len(pts) * np.log(
        m_blob
    )
    log_even = -len(pts) * np.log(m_even)
    return bool(log_blob - log_even > 1.5 * np.log(len(pts)))


def _fit_component(
    xy: np.ndarray, idx: np.ndarray, settings: PatternSettings, record: RecordRows | None, link: float
) -> tuple[list[RowGroup], np.ndarray]:
    groups: list[RowGroup] = []
    remaining = idx
    while len(remaining) >= settings.min_row_finds:
        group = _fit_group(xy, remaining, settings, record if not groups else None, link)
        if group is None:
            break
        groups.append(group)
        remaining = group.finds[group.member < 0]
    return groups, remaining


def _align(group: RowGroup, record: RecordRows) -> RowGroup:
    row_v = np.array([r.offset_m for r in group.rows])
    row_u = np.array([[r.u_first, r.u_last] for r in group.rows])
    aligned = align_record(
        record,
        angle=group.angle,
        origin=np.asarray(group.origin),
        row_v=row_v,
        row_u=row_u,
        row_sd_m=group.sd_m,
    )
    rows = tuple(
        Row(
            r.offset_m,
            r.u_first,
            r.u_last,
            r.spacing_m,
            r.phase_m,
            r.regularity,
            r.n_finds,
            next((j for j, k in aligned.matched.items() if k == i), -1),
        )
        for i, r in enumerate(group.rows)
    )
    return RowGroup(
        group.angle, group.origin, rows, group.sd_m, group.strength, group.finds, group.member, aligned
    )


def _quality(xy: np.ndarray, groups: Sequence[RowGroup], clusters: Sequence[Cluster]) -> dict:
    n = len(xy)
    on_rows = sum(int((g.member >= 0).sum()) for g in groups)
    across = []
    for g in groups:
        _, v = g.to_uv(xy[g.finds])
        offsets = np.array([r.offset_m for r in g.rows])
        ok = g.member >= 0
        across.append(v[ok] - offsets[g.member[ok]])
    res = np.concatenate(across) if across else np.zeros(0)
    weights = [r.n_finds for g in groups for r in g.rows]
    regularity = [r.regularity for g in groups for r in g.rows]
    return {
        "n_finds": n,
        "on_rows": on_rows / n if n else float("nan"),
        "in_clusters": sum(len(c.finds) for c in clusters) / n if n else float("nan"),
        "rms_across_m": float(np.sqrt(np.mean(res**2))) if len(res) else float("nan"),
        "regularity": float(np.average(regularity, weights=weights)) if weights else float("nan"),
    }


def fit_pattern(
    xy: np.ndarray,
    *,
    records: Sequence[RecordRows] = (),
    settings: PatternSettings | None = None,
    crs: str = "EPSG:32638",
    coverage: WorkedLand | None = None,
) -> Pattern:
    """Fit rows, clusters and the records' alignment to mine finds.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Mine finds (AP and AT), m in the metric ``crs``.
    records : sequence of RecordRows
        Minefield records that may describe these finds (their rows in the same ``crs``).
    settings : PatternSettings, optional
        Fitting settings (``link_m``, ``pair_m``, ``min_row_finds``, ``max_row_sd_m``, ...).
    crs : str
        The metric CRS of the coordinates, e.g. ``"EPSG:32638"`` (UTM 38N).
    coverage : Coverage, optional
        The land worked where the finds were made; finds off rows count as a cluster only where they are
        more bunched than that land explains (otherwise they are scattered). Without it, every group of two
        or more finds off rows is a cluster.

    Returns
    -------
    Pattern
    """
    settings = settings or PatternSettings()
    xy = np.asarray(xy, float).reshape(-1, 2)
    groups: list[RowGroup] = []
    clusters: list[Cluster] = []
    scattered: list[np.ndarray] = []
    link = _link_distance(xy, settings.link_m)
    for comp in _components(xy, link):
        record = _nearest_record(xy[comp], records, settings.record_search_m)
        found, left = _fit_component(xy, comp, settings, record, link)
        groups.extend(found)
        blob = _cluster(xy, left) if len(left) >= 2 else None
        if blob is not None and blob.sd_m <= settings.max_cluster_sd_m and _bunched(xy, blob, coverage):
            clusters.append(blob)
        elif len(left):
            scattered.append(left)
    groups, alignments = _align_records(xy, groups, records, settings)
    rest = np.concatenate(scattered) if scattered else np.zeros(0, int)
    return Pattern(
        crs, xy, tuple(groups), tuple(clusters), rest, tuple(alignments), _quality(xy, groups, clusters)
    )


def _align_records(
    xy: np.ndarray, groups: list[RowGroup], records: Sequence[RecordRows], settings: PatternSettings
) -> tuple[list[RowGroup], list[RecordAlignment]]:
    """Align each record to the group of rows nearest it (one record per group)."""
    alignments: list[RecordAlignment] = []
    taken: set[int] = set()
    for record in records:
        near = [
            (float(np.median(segment_distance(xy[g.finds], record.lines))), k)
            for k, g in enumerate(groups)
            if k not in taken
        ]
        near = sorted(d for d in near if d[0] <= settings.record_search_m)
        best: tuple[int, RowGroup, RecordAlignment] | None = None
        for _, k in near:
            candidate = _align(groups[k], record)
            fit = candidate.record
            if fit is not None and fit.matched and (best is None or len(fit.matched) > len(best[2].matched)):
                best = (k, candidate, fit)
        if best is not None:
            groups[best[0]] = best[1]
            taken.add(best[0])
            alignments.append(best[2])
            continue
        any_near = len(xy) and float(segment_distance(xy, record.lines).min()) <= settings.record_search_m
        alignments.append(not_matched(record) if any_near else untested(record))
    return groups, alignments
