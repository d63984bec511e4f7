"""Release check: does the pattern or the record say an area proposed for release still holds mines?

``check_release(pattern, coverage, area)`` estimates the residual mines of the area
(``mineaction.patterns.residual``) and **flags** it when the mines that the evidence points to reach
``flag_expected_mines`` (default 1): rows running on into land not worked (or worked with low detection),
positions along traced rows worked without a find, record rows not traced, possible further rows, clusters
going on, and scattered mines at the density the finds show. Each source above a tenth of a mine becomes a
**reason** with its expected mines and a sentence naming the rows or records. Scattered mines count only when
finds off rows support them: with no finds the estimate rests on a prior density alone, which is reported as
a note and not flagged. Notes also say when rows run on beyond the boundary (the hazard continues next to the
area) and when a record claims many more mines than the finds and the pattern account for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from mineaction.patterns.coverage import WorkedLand
from mineaction.patterns.fit import Pattern
from mineaction.patterns.residual import ResidualEstimate, residual_mines
from mineaction.patterns.settings import PatternSettings

__all__ = ["EVIDENCE_SOURCES", "ReleaseCheck", "ReleaseReason", "check_release"]

#: Sources of residual mines that come from the pattern or the records (they flag an area on their own).
EVIDENCE_SOURCES = ("rows_beyond_ends", "gaps_in_rows", "record_rows", "parallel_rows", "clusters")


@dataclass(frozen=True)
class ReleaseReason:
    """Why an area may still hold mines: ``code`` (a source of ``SOURCES``), ``mines`` expected, ``text``."""

    code: str
    mines: float
    text: str

    def to_dict(self) -> dict:
        return {"code": self.code, "mines": round(self.mines, 2), "text": self.text}


@dataclass(frozen=True)
class ReleaseCheck:
    """The release check of one area: ``flagged``, ``reasons`` (largest first), ``notes``, the
    ``residual`` estimate and map, and the mines the evidence points to (``evidence_mines``)."""

    area_id: str
    flagged: bool
    evidence_mines: float
    threshold: float
    reasons: tuple[ReleaseReason, ...]
    notes: tuple[str, ...]
    residual: ResidualEstimate

    def to_dict(self) -> dict:
        return {
            "area": self.area_id,
            "flagged": self.flagged,
            "evidence_mines": round(self.evidence_mines, 2),
            "threshold_mines": self.threshold,
            "reasons": [r.to_dict() for r in self.reasons],
            "notes": list(self.notes),
            "residual": self.residual.to_dict(),
        }


def _top_labels(residual: ResidualEstimate, kinds: tuple[str, ...], n: int = 3) -> str:
    units = sorted(
        (u for u in residual.units if u["kind"] in kinds and u["expected"] >= 0.05),
        key=lambda u: -u["expected"],
    )
    return ", ".join(f"{u['label']} ({u['expected']:.1f})" for u in units[:n])


def _texts(residual: ResidualEstimate) -> dict[str, str]:
    traced = _top_labels(residual, ("traced",))
    recorded = _top_labels(residual, ("record",))
    clusters = _top_labels(residual, ("cluster",))
    return {
        "rows_beyond_ends": "traced rows run on beyond their last find into land not worked or worked with "
        f"low detection: {traced}",
        "gaps_in_rows": "positions along traced rows, at the rows' spacing, were worked without a find; "
        "check them again",
        "record_rows": f"record rows not traced by finds lie in land not worked: {recorded}",
        "parallel_rows": "a further row beside the traced rows is possible in land not worked",
        "clusters": f"clusters of finds go on into land not worked: {clusters}",
        "scattered": "scattered mines, at the density the finds off rows show, in land not worked or worked "
        "with low detection",
    }


def _notes(
    pattern: Pattern,
    residual: ResidualEstimate,
    area: shapely.Geometry,
    settings: PatternSettings,
    n_inside: int,
) -> list[str]:
    notes = []
    if residual.beyond_boundary >= settings.flag_expected_mines:
        notes.append(
            f"rows run on beyond the area's boundary: {residual.beyond_boundary:.1f} mines expected within "
            f"{settings.context_m:g} m outside it (the hazard continues next to the area)"
        )
    for fit in pattern.records:
        claimed = fit.aligned.claimed_total
        if claimed and claimed > 1.5 * (n_inside + residual.expected) + 5:
            notes.append(
                f"record {fit.record_id} claims {claimed} mines; {n_inside} found here and "
                f"{residual.expected:.1f} expected left: the record's count looks too high"
            )
    if len(pattern.xy) == 0 and not pattern.records:
        notes.append(
            f"no mine found and no record: the {residual.by_source['scattered']:.1f} mines expected rest on "
            f"the prior density of scattered mines ({settings.background_per_ha:g} per ha) alone; not flagged"
        )
    return notes


def check_release(
    pattern: Pattern,
    coverage: WorkedLand,
    area: shapely.Geometry,
    *,
    area_id: str = "",
    settings: PatternSettings | None = None,
) -> ReleaseCheck:
    """Check an area proposed for release against its finds' pattern and its records.

    Parameters
    ----------
    pattern : Pattern
        The pattern fitted to the finds in and around the area (with the land worked as ``coverage``).
    coverage : Coverage
        Detection probability of the land worked in and around the area.
    area : shapely geometry
        The area's polygon, metres in the pattern's CRS.
    area_id : str
        The area's id, for the result.
    settings : PatternSettings, optional
        ``flag_expected_mines`` (mines) and the model's priors.

    Returns
    -------
    ReleaseCheck
    """
    settings = settings or PatternSettings()
    residual = residual_mines(pattern, coverage, area, settings=settings)
    supported = len(pattern.scattered) > 0
    counted = {
        k: v
        for k, v in residual.by_source.items()
        if k in EVIDENCE_SOURCES or (k == "scattered" and supported)
    }
    evidence = float(sum(counted.values()))
    texts = _texts(residual)
    reasons = tuple(
        ReleaseReason(code, mines, texts[code])
        for code, mines in sorted(counted.items(), key=lambda kv: -kv[1])
        if mines >= 0.1 * settings.flag_expected_mines
    )
    n_inside = (
        int(shapely.contains_xy(area, pattern.xy[:, 0], pattern.xy[:, 1]).sum()) if len(pattern.xy) else 0
    )
    notes = _notes(pattern, residual, area, settings, n_inside)
    flagged = bool(evidence >= settings.flag_expected_mines and np.isfinite(evidence))
    return ReleaseCheck(
        area_id, flagged, evidence, settings.flag_expected_mines, reasons, tuple(notes), residual
    )
