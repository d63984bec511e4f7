"""A minefield record's rows as a prior, and how far the finds say the record is off (offset and rotation).

A handed-over record draws its rows (CCW Amended Protocol II annex: lines with a device model, a count and a
spacing). Records are often shifted and turned as a whole, so the record is aligned to the rows the finds
trace by one rigid move, in three explainable steps:

1. **rotation**: the difference between the finds' row direction and the record's (within +/- 90 degrees);
2. **across the rows**: turned, the record's rows are slid sideways so that as many of them as possible lie
   on rows traced by finds (a row matches within ``3 x`` the rows' half-width, at least 3 m); of equally good
   slides the smallest wins;
3. **along the rows**: the record is slid along its rows only as far as needed for its matched rows to cover
   the stretch the finds trace (finds beyond a record row's end mean the record is off along the rows, or
   the row is longer than drawn).

The move, measured at the record's centre, is the record's **offset** (m) and **rotation** (degrees).
Coordinates are metres in a metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mineaction.analysis.spatial import mine_row_lines

__all__ = [
    "RecordAlignment",
    "RecordRows",
    "align_record",
    "not_matched",
    "record_rows_from_frame",
    "untested",
]


@dataclass(frozen=True)
class RecordRows:
    """The rows of one minefield record in a metric CRS.

    ``lines``: (k, 4) array of ``x0, y0, x1, y1`` (m); ``count`` and ``spacing_m`` per row (NaN when the
    record leaves them out); ``claimed_total`` (mines claimed in all, or None).
    """

    record_id: str
    lines: np.ndarray
    count: np.ndarray
    spacing_m: np.ndarray
    claimed_total: int | None = None
    models: tuple[str, ...] = field(default_factory=tuple)

    @property
    def centre(self) -> np.ndarray:
        """Mean of the rows' end points, m."""
        return self.lines.reshape(-1, 2).mean(axis=0)

    @property
    def direction(self) -> float:
        """Mean direction of the rows (length-weighted, mod pi), radians counter-clockwise from east."""
        d = self.lines[:, 2:] - self.lines[:, :2]
        length = np.hypot(d[:, 0], d[:, 1])
        doubled = np.exp(2j * np.arctan2(d[:, 1], d[:, 0]))
        return float(np.mod(np.angle((length * doubled).sum()) / 2, np.pi))

    def moved(self, rotation: float, shift: np.ndarray) -> RecordRows:
        """The rows turned by ``rotation`` (radians) about the centre, then shifted by ``shift`` (m)."""
        c = self.centre
        cos, sin = np.cos(rotation), np.sin(rotation)
        pts = self.lines.reshape(-1, 2) - c
        turned = np.column_stack([cos * pts[:, 0] - sin * pts[:, 1], sin * pts[:, 0] + cos * pts[:, 1]])
        lines = (turned + c + shift).reshape(-1, 4)
        return RecordRows(self.record_id, lines, self.count, self.spacing_m, self.claimed_total, self.models)


def record_rows_from_frame(records: pd.DataFrame, *, crs: str) -> list[RecordRows]:
    """The rows of each record of a ``minefield_records`` frame (schema columns, EPSG:4326) in the metric
    ``crs``; records without usable rows are left out. Multi-part lines keep their first and last point."""
    lines = mine_row_lines(records)
    if lines.empty:
        return []
    metric = lines.to_crs(crs)
    claimed = {}
    if "claimed_total" in records.columns:
        totals = pd.to_numeric(records["claimed_total"], errors="coerce")
        claimed = {
            rid: (int(t) if np.isfinite(t) else None) for rid, t in zip(records["id"], totals, strict=True)
        }
    out = []
    for record_id, part in metric.groupby("id", sort=False):
        ends = np.array(
            [
                [*g.coords[0], *g.coords[-1]]
                if hasattr(g, "coords")
                else [*g.geoms[0].coords[0], *g.geoms[-1].coords[-1]]
                for g in part.geometry
            ]
        )
        out.append(
            RecordRows(
                str(record_id),
                ends.astype(float),
                part["count"].to_numpy(dtype=float),
                part["spacing_m"].to_numpy(dtype=float),
                claimed.get(record_id),
                tuple(str(m) for m in part["model"]),
            )
        )
    return out


@dataclass(frozen=True)
class RecordAlignment:
    """How one record fits the rows traced by finds.

    ``status``: ``confirmed`` (rows found where drawn: offset within ``tolerance_m`` and rotation within 3
    degrees), ``corrected`` (rows found, the record moved to fit them), ``not_matched`` (finds near the record
    but none on its rows) or ``untested`` (no finds near it). ``offset_m`` (distance the record's centre
    moves), ``dx_m``/``dy_m`` (that move east and north), ``across_m``/``along_m`` (the move across and
    along the rows), ``rotation_deg`` (counter-clockwise turn); ``matched`` (record row -> traced row);
    ``aligned`` (the record's rows after the move; the rows as drawn when nothing matched).
    """

    record_id: str
    status: str
    offset_m: float
    dx_m: float
    dy_m: float
    across_m: float
    along_m: float
    rotation_deg: float
    matched: dict[int, int]
    n_rows: int
    aligned: RecordRows

    def to_dict(self) -> dict:
        return {
            "record": self.record_id,
            "status": self.status,
            "offset_m": round(self.offset_m, 1),
            "dx_m": round(self.dx_m, 1),
            "dy_m": round(self.dy_m, 1),
            "across_m": round(self.across_m, 1),
            "along_m": round(self.along_m, 1),
            "rotation_deg": round(self.rotation_deg, 1),
            "record_rows": self.n_rows,
            "matched_rows": len(self.matched),
        }


def _signed_turn(target: float, source: float) -> float:
    """Turn (radians, in (-pi/2, pi/2]) that brings direction ``source`` onto ``target`` (both mod pi)."""
    d = np.mod(target - source + np.pi / 2, np.pi) - np.pi / 2
    return float(d)


def _frame(angle: float, origin: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rel = xy - origin
    return rel @ np.array([np.cos(angle), np.sin(angle)]), rel @ np.array([-np.sin(angle), np.cos(angle)])


def _across_shift(rec_v: np.ndarray, row_v: np.ndarray, tol: float) -> tuple[float, dict[int, int]]:
    """Sideways slide of the record's rows that matches most traced rows (smallest slide among equals)."""
    best: tuple[int, float, dict[int, int]] = (0, 0.0, {})
    for t in sorted({float(r - w) for r in row_v for w in rec_v}, key=abs):
        pairs = sorted(((abs(r - (w + t)), j, k) for j, w in enumerate(rec_v) for k, r in enumerate(row_v)))
        used_j, used_k, matched = set(), set(), {}
        for dist, j, k in pairs:
            if dist <= tol and j not in used_j and k not in used_k:
                matched[j] = k
                used_j.add(j)
                used_k.add(k)
        if len(matched) > best[0]:
            best = (len(matched), t, matched)
    return best[1], best[2]


def _along_shift(rec_u: np.ndarray, row_u: np.ndarray, matched: dict[int, int]) -> float:
    """Smallest slide along the rows for the matched record rows to cover the finds' stretch."""
    lo, hi = -np.inf, np.inf
    mids = []
    for j, k in matched.items():
        a, b = np.sort(rec_u[j])
        first, last = row_u[k]
        lo, hi = max(lo, last - b), min(hi, first - a)
        mids.append((first + last) / 2 - (a + b) / 2)
    if not matched:
        return 0.0
    if lo <= hi:
        return float(np.clip(0.0, lo, hi))
    return float(np.mean(mids))


def align_record(
    record: RecordRows,
    *,
    angle: float,
    origin: np.ndarray,
    row_v: np.ndarray,
    row_u: np.ndarray,
    row_sd_m: float,
    tolerance_m: float = 25.0,
) -> RecordAlignment:
    """Align ``record`` to rows traced by finds (direction ``angle`` in radians, frame ``origin`` in m,
    sideways offsets ``row_v`` and along-row stretches ``row_u`` (k x 2) of the traced rows, their half-width
    ``row_sd_m``); see the module docstring for the steps."""
    rotation = _signed_turn(angle, record.direction)
    turned = record.moved(rotation, np.zeros(2))
    ends_u, ends_v = _frame(angle, origin, turned.lines.reshape(-1, 2))
    rec_v = ends_v.reshape(-1, 2).mean(axis=1)
    rec_u = ends_u.reshape(-1, 2)
    tol = max(3.0, 3.0 * row_sd_m)
    across, matched = _across_shift(rec_v, np.asarray(row_v, float), tol)
    if not matched:
        return _unmatched(record, "not_matched")
    along = _along_shift(rec_u, np.asarray(row_u, float).reshape(-1, 2), matched)
    e = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-np.sin(angle), np.cos(angle)])
    shift = across * n + along * e
    offset = float(np.hypot(*shift))
    status = "confirmed" if offset <= tolerance_m and abs(np.degrees(rotation)) <= 3.0 else "corrected"
    return RecordAlignment(
        record.record_id,
        status,
        offset,
        float(shift[0]),
        float(shift[1]),
        float(across),
        float(along),
        float(np.degrees(rotation)),
        matched,
        len(record.lines),
        record.moved(rotation, shift),
    )


def _unmatched(record: RecordRows, status: str) -> RecordAlignment:
    nan = float("nan")
    return RecordAlignment(
        record.record_id, status, nan, nan, nan, nan, nan, nan, {}, len(record.lines), record
    )


def untested(record: RecordRows) -> RecordAlignment:
    """The alignment of a record with no finds near it: the rows as drawn, offset unknown."""
    return _unmatched(record, "untested")


def not_matched(record: RecordRows) -> RecordAlignment:
    """The alignment of a record with finds near it but none on rows that fit it: the rows as drawn."""
    return _unmatched(record, "not_matched")
