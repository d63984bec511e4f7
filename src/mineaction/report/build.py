"""Assembling the report: load the store's frames, gather every section module's sections, write the page.

``build_report(context, out_dir)`` imports each module named in :data:`SECTION_MODULES` (those that exist),
calls its ``build_section(context)`` and writes the sections with
:func:`mineaction.report.framework.write_report`. ``context_from_store`` makes the context from an open store.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from mineaction.domain.schema import ENTITIES
from mineaction.report.framework import ReportContext, ReportSection, write_report
from mineaction.settings import Settings

__all__ = ["SECTION_MODULES", "build_report", "collect_sections", "context_from_store", "is_simulated"]

#: Modules of ``mineaction.report`` that contribute sections, in the order they are asked; absent ones are
#: skipped, so a contributor only has to add the module.
SECTION_MODULES: tuple[str, ...] = ("briefing", "evidence_section", "risk_section", "plan_section")

_SIMULATED_PREFIX = "SIMULATED"


def is_simulated(frames: dict[str, pd.DataFrame] | Any, *, flag: Any = None) -> bool:
    """True when the store says its data are simulated (setting ``simulated``) or any source starts with
    "SIMULATED" (case-insensitive)."""
    if flag is not None and bool(flag):
        return True
    for frame in frames.values():
        if frame is None or "source" not in frame.columns or frame.empty:
            continue
        sources = frame["source"].dropna().astype(str).str.strip().str.upper()
        if sources.str.startswith(_SIMULATED_PREFIX).any():
            return True
    return False


def context_from_store(
    store: Any, *, settings: Settings | None = None, results: dict[str, Any] | None = None
) -> ReportContext:
    """A :class:`ReportContext` with every kind read from ``store`` (current state, no personal fields)."""
    frames = {kind: store.read(kind) for kind in ENTITIES}
    simulated = is_simulated(frames, flag=store.get_setting("simulated"))
    return ReportContext(
        frames=frames,
        settings=settings or Settings(),
        simulated=simulated,
        store=store,
        results=dict(results or {}),
    )


def _as_list(value: ReportSection | Iterable[ReportSection] | None) -> list[ReportSection]:
    if value is None:
        return []
    if isinstance(value, ReportSection):
        return [value]
    return list(value)


def collect_sections(
    context: ReportContext, *, modules: Iterable[str] = SECTION_MODULES
) -> list[ReportSection]:
    """Sections from every existing module in ``modules``; a module that fails gives a section saying so
    (the rest of the report is still written)."""
    sections: list[ReportSection] = []
    for name in modules:
        qualified = f"mineaction.report.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name == qualified:
                continue
            raise
        try:
            sections.extend(_as_list(module.build_section(context)))
        except Exception as exc:  # a broken contributed section must not lose the whole report
            message = f"{type(exc).__name__}: {exc}"
            sections.append(
                ReportSection(
                    f"Section {name} could not be built",
                    order=99,
                    key=f"error-{name}",
                    body_html=f"<p class='error'>{html.escape(message)}</p>",
                )
            )
            context.results.setdefault("report_errors", []).append(f"{name}: {exc}")
    return sections


def build_report(
    context: ReportContext,
    out_dir: str | Path,
    *,
    title: str = "Mine action evidence report",
    modules: Iterable[str] = SECTION_MODULES,
) -> Path:
    """Write the full report (every section module) to ``out_dir/index.html``; returns its path."""
    sections = collect_sections(context, modules=modules)
    return write_report(out_dir, sections, title=title, simulated=context.simulated)
