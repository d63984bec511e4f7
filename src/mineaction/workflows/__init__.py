"""One function per user-level job, shared by every front end (command line, demo, report, server).

Each job loads what it needs from a store (or a :class:`StoreSnapshot` of one), calls the pure computing
packages (``analysis``, ``risk``, ``plan``) and returns a frozen, typed result whose ``to_dict()`` is exactly
the JSON that the command's ``--json`` prints and the server returns. This is the only place a pipeline is
written: ``cli``, ``demo``, ``report`` and ``api`` call these functions and render what they return.

Layers (docs/architecture.md)::

    domain  <-  store / io / simulate  <-  analysis / risk / plan  <-  workflows  <-  report / cli / api
"""

from mineaction.workflows.evidence import (
    AlertsResult,
    QualityResult,
    RecordAssessment,
    StoreStats,
    assess_records,
    check_quality,
    raise_alerts,
    summarise_store,
)
from mineaction.workflows.results import JsonResult, frame_rows, to_jsonable
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot, is_simulated, settings_for_store

__all__ = [
    "AlertsResult",
    "JsonResult",
    "QualityResult",
    "RecordAssessment",
    "StoreSnapshot",
    "StoreStats",
    "as_snapshot",
    "assess_records",
    "check_quality",
    "frame_rows",
    "is_simulated",
    "raise_alerts",
    "settings_for_store",
    "summarise_store",
    "to_jsonable",
]
