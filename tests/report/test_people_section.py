"""The report's people sections: risk education and assistance to survivors from the store, in public form
(counts under 5 as <5, no medical details, no dates of birth), none without data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mineaction.report import build_report
from mineaction.report.people_section import build_section
from mineaction.store import open_store
from mineaction.workflows import report_data


def test_sections_show_coverage_and_public_survivor_figures(people_store: str, tmp_path: Path) -> None:
    with open_store(people_store) as store:
        page = build_report(report_data(store), tmp_path / "r", modules=("people_section",)).read_text()
    education = page[page.index("<h2>Risk education</h2>") : page.index("<h2>Assistance to survivors</h2>")]
    assert "5 risk education sessions and campaigns" in education
    assert "Returning families reached before their return" in education and "Fuzuli" in education
    survivors = page[page.index("<h2>Assistance to survivors</h2>") :]
    assert "&lt;5 survivors" in survivors and "&lt;5" in survivors
    for secret in ("illustrative: lower-limb", "1978-05-02", "2009-01-09", "nightmares"):
        assert secret not in page
    assert "Risk education needed before return" not in page  # no saved plan: no such section
    assert (tmp_path / "r" / "figures").is_dir()


def test_no_sections_without_data(store_of: Any) -> None:
    assert build_section(report_data(store_of({}))) is None
