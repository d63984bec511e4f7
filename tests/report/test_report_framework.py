"""The report framework writes an offline page with every figure as a local PNG."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mineaction.errors import ReportError
from mineaction.report import (
    ReportFigure,
    ReportSection,
    collect_sections,
    new_figure,
    table_html,
    write_report,
)
from mineaction.workflows import is_simulated


def _local_refs(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def _figure() -> ReportFigure:
    fig = new_figure()
    ax = fig.subplots()
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


def test_a_missing_section_module_stops_the_report_naming_it() -> None:
    with pytest.raises(ReportError, match="no_such_section"):
        collect_sections(None, modules=["no_such_section"])  # type: ignore[arg-type]


def test_importing_the_report_keeps_the_users_matplotlib_backend() -> None:
    code = (
        "import matplotlib; matplotlib.use('svg'); import mineaction.report, mineaction.report.risk_section, "
        "mineaction.report.plan_section; print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"
