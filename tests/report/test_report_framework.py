"""The report framework writes an offline page with every figure as a local PNG."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from mineaction.report import (
    ReportContext,
    ReportFigure,
    ReportSection,
    collect_sections,
    is_simulated,
    table_html,
    write_report,
)


def _local_refs(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def _figure() -> ReportFigure:
    fig, ax = plt.subplots()
    ax.bar(["2021", "2022"], [3, 5])
    return ReportFigure("bars", fig, "Casualties by year (people); simulated")


def test_write_report_is_offline_and_images_exist(tmp_path: Path) -> None:
    sections = [
        ReportSection("Later", "<p>second</p>", order=20),
        ReportSection(
            "Casualties",
            table_html(pd.DataFrame({"year": [2021], "casualties (people)": [3]})),
            figures=[_figure()],
            order=10,
        ),
    ]
    index = write_report(tmp_path / "out", sections, title="Test report", simulated=True)
    page = index.read_text()
    assert "SIMULATED" in page
    assert page.index("Casualties") < page.index("Later")
    refs = _local_refs(page)
    images = [r for r in refs if r.endswith(".png")]
    assert images == ["figures/casualties-bars.png"]
    for ref in refs:
        assert not ref.startswith(("http:", "https:", "//")), ref
        if not ref.startswith("#"):
            assert (index.parent / ref).is_file(), ref
    assert "<script" not in page and "@import" not in page and "url(" not in page
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".report-")]


def test_not_simulated_has_no_banner(tmp_path: Path) -> None:
    page = write_report(tmp_path, [ReportSection("A", "<p>x</p>")], title="T", simulated=False).read_text()
    assert "SIMULATED" not in page


def test_is_simulated_reads_sources_and_flag() -> None:
    real = {"finds": pd.DataFrame({"source": ["ANAMA", None]})}
    sim = {"finds": pd.DataFrame({"source": ["ANAMA", "Simulated twin"]})}
    assert not is_simulated(real)
    assert is_simulated(sim)
    assert is_simulated(real, flag=True)


def test_broken_section_module_is_reported_not_fatal() -> None:
    context = ReportContext(frames={})
    sections = collect_sections(context, modules=["framework", "no_such_section"])
    assert len(sections) == 1 and "could not be built" in sections[0].title
    assert context.results["report_errors"]
