"""Assembling the report: every section module's sections from one :class:`ReportData`, written as one page.

``build_report(data, out_dir)`` imports each module named in :data:`SECTION_MODULES`, calls its
``build_section(data)`` and writes the sections with :func:`mineaction.report.framework.write_report`. A
section that fails stops the report with a :class:`~mineaction.errors.ReportError` naming the section and the
reason: a report with a section missing is never written as complete (the page on disk is left as it was).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

from mineaction.errors import MineActionError, ReportError
from mineaction.report.framework import ReportSection, write_report
from mineaction.workflows import ReportData

__all__ = ["SECTION_MODULES", "build_report", "collect_sections"]

#: Modules of ``mineaction.report`` that contribute sections, in the order they are asked.
SECTION_MODULES: tuple[str, ...] = (
    "briefing",
    "evidence_section",
    "people_section",
    "patterns_section",
    "risk_section",
    "plan_section",
)


def _as_list(value: ReportSection | Iterable[ReportSection] | None) -> list[ReportSection]:
    if value is None:
        return []
    if isinstance(value, ReportSection):
        return [value]
    return list(value)


def collect_sections(data: ReportData, *, modules: Iterable[str] = SECTION_MODULES) -> list[ReportSection]:
    """Sections from every module in ``modules``; ReportError names the first section that fails."""
    sections: list[ReportSection] = []
    for name in modules:
        try:
            module = importlib.import_module(f"mineaction.report.{name}")
            sections.extend(_as_list(module.build_section(data)))
        except MineActionError as exc:
            raise ReportError(f"report section {name} failed: {exc}; the report was not written") from exc
        except Exception as exc:  # a bug in one section: name it, keep the traceback as the cause
            raise ReportError(
                f"report section {name} failed ({type(exc).__name__}: {exc}); the report was not written"
            ) from exc
    return sections


def build_report(
    data: ReportData,
    out_dir: str | Path,
    *,
    title: str = "Mine action evidence report",
    modules: Iterable[str] = SECTION_MODULES,
) -> Path:
    """Write the full report (every section module) to ``out_dir/index.html``; returns its path.

    Raises
    ------
    ReportError
        A section could not be built; nothing is written.
    """
    sections = collect_sections(data, modules=modules)
    return write_report(out_dir, sections, title=title, simulated=data.simulated)
