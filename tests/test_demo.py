"""The demo end to end at the tiny scale: files, store, report and a briefing that say SIMULATED."""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.demo import STEPS, DemoStep, register_step, run_demo
from mineaction.domain.schema import ENTITIES


@pytest.mark.slow
def test_demo_command_writes_store_report_and_briefing(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--scale", "tiny", "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "SIMULATED" in result.output
    assert "record accuracy" in result.output
    layers = set(pyogrio.list_layers(out / "mineaction.gpkg")[:, 0])
    assert set(ENTITIES) <= layers
    page = (out / "report" / "index.html").read_text()
    assert "simulated" in page.lower()
    assert (out / "truth" / "calibration.json").exists()


def test_steps_are_named_in_order_and_extensible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mineaction.demo.STEPS", list(STEPS))
    from mineaction import demo

    names = [s.name for s in demo.STEPS]
    core = [n for n in names if n in ("simulate", "import", "analyse", "report")]
    assert core == ["simulate", "import", "analyse", "report"] and names[-1] == "report"
    seen: list[str] = []
    register_step(DemoStep("extra", "an added capability", lambda run: seen.append("extra")))
    assert [s.name for s in demo.STEPS][-2:] == ["extra", "report"]
    monkeypatch.setattr("mineaction.demo.STEPS", [s for s in demo.STEPS if s.name == "extra"])
    run = run_demo(tmp_path, scale="tiny")
    assert seen == ["extra"] and run.store is None


def test_simulate_command_reports_calibration(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path), "--scale", "tiny"])
    assert result.exit_code == 0, result.output
    assert "SIMULATED scenario written" in result.output
    assert (tmp_path / "README.txt").read_text().startswith("SIMULATED DATA")
    bad = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path), "--scale", "enormous"])
    assert bad.exit_code != 0
    as_json = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path / "j"), "--scale", "tiny", "--json"])
    payload = json.loads(as_json.output)
    assert payload["simulated"] is True
    assert payload["calibration"]["foreign_share"]["actual"] == pytest.approx(0.06, abs=0.01)
