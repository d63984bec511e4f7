"""The reports commands: submit a file as a report, list it, return it, approve it; nobody approves a report
submitted under their own name; clear one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mineaction.access import Principal
from mineaction.cli.main import cli
from mineaction.io import read_table
from mineaction.store import open_store
from mineaction.workflows import resubmit_report

CSV = "category,found_on,depth_cm,lon,lat\nAP,2024-05-01,5,46.9,39.9\nUXO,2024-05-02,12,46.91,39.9\n"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_submit_list_return_and_approve_from_the_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = str(tmp_path / "store.gpkg")
    assert _run("init", store).exit_code == 0
    (tmp_path / "finds.csv").write_text(CSV)
    monkeypatch.setenv("MINEACTION_AUTHOR", "clerk")
    sent = _run("reports", "submit", store, str(tmp_path / "finds.csv"), "--kind", "finds", "--json")
    assert sent.exit_code == 0, sent.output
    report_id = json.loads(sent.stdout)["report_id"]
    mine = _run("reports", "approve", store, report_id)
    assert mine.exit_code != 0 and "own report" in str(mine.exception or mine.output)

    monkeypatch.setenv("MINEACTION_AUTHOR", "vera")
    listed = _run("reports", "list", store)
    assert report_id in listed.output and "submitted" in listed.output
    assert _run("reports", "return", store, report_id).exit_code != 0  # --reason is required
    assert _run("reports", "return", store, report_id, "--reason", "check depths").exit_code == 0
    with open_store(store) as opened:
        frame = opened.read("finds")
        assert frame.empty
    clerk = Principal("clerk", "admin", via="local")
    with open_store(store) as opened:
        fixed = read_table(tmp_path / "finds.csv").drop(columns=["lon", "lat"], errors="ignore")
        assert resubmit_report(opened, clerk, report_id, fixed).status == "submitted"
    approved = _run("reports", "approve", store, report_id, "--reason", "ok", "--json")
    assert approved.exit_code == 0, approved.output
    assert len(json.loads(approved.stdout)["inserted"]) == 2
    shown = _run("reports", "show", store, report_id)
    assert "approved" in shown.output and "check depths" in shown.output
    with open_store(store) as opened:
        assert sorted(opened.read("finds")["depth_cm"]) == [5.0, 12.0]
        assert set(opened.history("finds")["author"]) == {"clerk"}
