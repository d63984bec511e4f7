"""Turning results into an offline HTML report with charts and maps (sections anyone can add).

The report takes results, not a store: :func:`mineaction.workflows.report_data` computes a
:class:`~mineaction.workflows.ReportData` and :func:`build_report` draws and writes it. See
:mod:`mineaction.report.framework` for how to contribute a section.
"""

from mineaction.report.build import SECTION_MODULES, build_report, collect_sections
from mineaction.report.framework import ReportFigure, ReportSection, new_figure, table_html, write_report

__all__ = [
    "ReportFigure",
    "ReportSection",
    "SECTION_MODULES",
    "build_report",
    "collect_sections",
    "new_figure",
    "table_html",
    "write_report",
]
