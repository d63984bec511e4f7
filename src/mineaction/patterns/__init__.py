"""Mine-laying patterns from finds and records: rows and clusters, residual mines, clearance order and
release checks (pure computation on arrays and frames in a metric CRS; no files, no connections).

``area_evidence`` gathers what is known about one hazardous area from frames with the schema's columns;
``fit_pattern`` fits rows, clusters and the records' offset and rotation to its finds; ``residual_mines``
estimates the mines still in the ground with an interval and a map; ``clearance_order`` ranks the cells to
work next beside lane by lane and the record's order; ``check_release`` flags an area proposed for release;
``replay_clearance`` measures the orders against known mines (the simulated twin). docs/patterns.md explains
the method.
"""

from mineaction.patterns.coverage import Coverage, WorkedLand, empty_coverage
from mineaction.patterns.evidence import AreaEvidence, EvidenceIndex, area_evidence, evidence_record_ids
from mineaction.patterns.fit import Cluster, Pattern, Row, RowGroup, fit_pattern, segment_distance
from mineaction.patterns.order import ClearanceOrder, LaneCoverage, LaneGrid, clearance_order, lane_grid
from mineaction.patterns.record import RecordAlignment, RecordRows, align_record, record_rows_from_frame
from mineaction.patterns.release import ReleaseCheck, ReleaseReason, check_release
from mineaction.patterns.replay import STEPS, OrderTrace, Replay, replay_clearance
from mineaction.patterns.residual import SOURCES, ResidualEstimate, ResidualMap, residual_mines
from mineaction.patterns.settings import PatternSettings

__all__ = [
    "AreaEvidence",
    "ClearanceOrder",
    "Cluster",
    "Coverage",
    "EvidenceIndex",
    "LaneCoverage",
    "LaneGrid",
    "OrderTrace",
    "Pattern",
    "PatternSettings",
    "RecordAlignment",
    "RecordRows",
    "ReleaseCheck",
    "ReleaseReason",
    "Replay",
    "ResidualEstimate",
    "ResidualMap",
    "Row",
    "RowGroup",
    "SOURCES",
    "STEPS",
    "WorkedLand",
    "align_record",
    "area_evidence",
    "check_release",
    "clearance_order",
    "empty_coverage",
    "evidence_record_ids",
    "fit_pattern",
    "lane_grid",
    "record_rows_from_frame",
    "replay_clearance",
    "residual_mines",
    "segment_distance",
]
