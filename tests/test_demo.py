"""The demo end to end at the tiny scale: files, store, report and a briefing that say SIMULATED; the demo's
risk surface and plans are the ones the commands give on the same store and settings."""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.demo import STEPS, DemoStep, register_step, run_demo
from mineaction.domain.schema import ENTITIES


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--scale", "tiny", "--seed", "0"])
    assert result.exit_code == 0, result.output
    return out, result.output


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_demo_command_writes_store_report_and_briefing(demo_run: tuple[Path, str]) -> None:
    out, output = demo_run
    assert "SIMULATED" in output
    assert "record accuracy" in output
    layers = set(pyogrio.list_layers(out / "mineaction.gpkg")[:, 0])
    assert set(ENTITIES) <= layers
    page = (out / "report" / "index.html").read_text()
    assert "simulated" in page.lower()
    assert (out / "truth" / "calibration.json").exists()


@pytest.mark.slow
def test_demo_risk_surface_is_the_one_risk_predict_gives(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    import numpy as np
    import rasterio

    out, _ = demo_run
    store, model, tif = str(out / "mineaction.gpkg"), tmp_path / "m.pkl", tmp_path / "risk.tif"
    _invoke("risk", "fit", store, "--model", str(model), "--cell-m", "250")
    _invoke("risk", "predict", store, "--model", str(model), "--out", str(tif))
    with rasterio.open(out / "risk.tif") as demo, rasterio.open(tif) as cli_made:
        assert demo.transform == cli_made.transform and demo.crs == cli_made.crs
        np.testing.assert_array_equal(demo.read(1), cli_made.read(1))


@pytest.mark.slow
def test_demo_plans_are_the_ones_mineaction_plan_gives(demo_run: tuple[Path, str]) -> None:
    from mineaction.demo import demo_time_limit_s
    from mineaction.store import open_store

    out, _ = demo_run
    store = str(out / "mineaction.gpkg")
    with open_store(store) as opened:
        demo_ids = opened.list_documents("plans")
        demo_docs = [opened.load_document("plans", key) for key in demo_ids]
    limit = str(demo_time_limit_s("tiny"))
    made = json.loads(
        _invoke(
            "plan",
            store,
            "--json",
            "--time-limit",
            limit,
            "--scenario",
            "current funding",
            "--scenario",
            "world norm funding",
        )
    )
    assert [p["plan_id"] for p in made["scenarios"]] == demo_ids  # same inputs, parameters and scenarios
    for doc, plan in zip(demo_docs, made["scenarios"], strict=True):
        assert plan["greedy_objective"] == pytest.approx(doc["result"]["greedy_objective"])
        if doc["result"]["status"] == plan["status"] == "optimal":
            assert plan["objective"] == pytest.approx(doc["result"]["objective"])


def test_a_failing_report_section_stops_the_report_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from mineaction.cli.main import main
    from mineaction.report import plan_section
    from mineaction.store import init_store

    init_store(tmp_path / "s.gpkg").close()

    def broken(data: object) -> None:
        raise ValueError("a bug in the plan section")

    monkeypatch.setattr(plan_section, "build_section", broken)
    monkeypatch.setattr(
        sys, "argv", ["mineaction", "report", str(tmp_path / "s.gpkg"), "--out", str(tmp_path)]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert "report section plan_section failed" in error and "a bug in the plan section" in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / "index.html").exists()


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


@pytest.mark.slow
def test_planned_casualties_follow_the_risk_surface(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo_run
    store = str(out / "mineaction.gpkg")
    averted = {}
    for name, cutoff in (("early", "2021-09-01"), ("late", "2022-09-01")):
        model = tmp_path / f"{name}.pkl"
        _invoke("risk", "fit", store, "--model", str(model), "--cell-m", "500", "--cutoff", cutoff)
        plan = json.loads(
            _invoke("plan", store, "--json", "--years", "3", "--time-limit", "8", "--risk-model", str(model))
        )
        averted[name] = plan["casualties_averted_by_year"]
    from_accidents = json.loads(_invoke("plan", store, "--json", "--years", "3", "--time-limit", "8"))
    # the same hazardous areas and past accidents: only the risk surface differs
    assert averted["early"] != averted["late"]
    assert from_accidents["casualties_averted_by_year"] not in (averted["early"], averted["late"])
