"""Turning results into an offline HTML report with charts and maps (sections anyone can add).

See :mod:`mineaction.report.framework` for how to contribute a section.
"""

from mineaction.report.build import (
    SECTION_MODULES,
    build_report,
    collect_sections,
    context_from_store,
    is_simulated,
)
from mineaction.report.framework import (
    ReportContext,
    ReportFigure,
    ReportSection,
    table_html,
    write_report,
)

__all__ = [
    "ReportContext",
    "ReportFigure",
    "ReportSection",
    "SECTION_MODULES",
    "build_report",
    "collect_sections",
    "context_from_store",
    "is_simulated",
    "table_html",
    "write_report",
]
