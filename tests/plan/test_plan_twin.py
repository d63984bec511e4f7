"""The planner on the tiny twin (SIMULATED): gap, greedy, families by year 3, funding scenarios, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.errors import ConfigError
from mineaction.plan import ClearancePlanner, PlanResult, Scenario, build_problem, compare_scenarios
from mineaction.simulate import simulate
from mineaction.store import init_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
YEARS = 3

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def twin():  # type: ignore[no-untyped-def]
    return simulate(scale="tiny", seed=0)


@pytest.fixture(scope="module")
def twin_plan(twin) -> PlanResult:  # type: ignore[no-untyped-def]
    problem = build_problem(twin.layers, years=YEARS)
    assert problem.simulated and problem.n_units > 1000 and problem.n_groups > 10
    return ClearancePlanner(time_limit_s=60, mip_gap=0.01).solve(problem)


def test_twin_plan_beats_greedy_within_one_percent(twin_plan: PlanResult) -> None:
    assert twin_plan.objective >= twin_plan.greedy_objective
    assert twin_plan.mip_gap <= 0.01
    data = twin_plan.to_dict()
    assert len(data["families_returned_by_year"]) == YEARS
    assert data["families_returned_by_year_3"] > 0 and data["greedy"]["families_returned_by_year_3"] > 0
    assert data["families_returned_by_year_3"] == data["families_returned_by_year"][2]


def test_twin_world_norm_returns_families_sooner(twin) -> None:  # type: ignore[no-untyped-def]
    problem = build_problem(twin.layers, years=YEARS)
    now, norm = compare_scenarios(
        problem,
        [Scenario("now", foreign_share=0.06), Scenario("norm", foreign_share=0.78)],
        planner=ClearancePlanner(time_limit_s=30),
    ).results
    assert norm.families_by_year(1) >= now.families_by_year(1)
    assert norm.figures.families_returned.sum() > now.figures.families_returned.sum()
    assert norm.figures.money_spent_usd.sum() > 3 * now.figures.money_spent_usd.sum()


@pytest.fixture(scope="module")
def twin_store(twin, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("twin") / "twin.gpkg"
    store = init_store(path)
    try:
        store.set_setting("simulated", True)
        for kind, frame in twin.layers.items():
            store.write(kind, frame, author="test", reason="SIMULATED twin for planner tests")
    finally:
        store.close()
    return str(path)


def test_cli_plans_saves_and_reruns_the_same_schedule(twin_store: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["plan", twin_store, "--years", str(YEARS), "--time-limit", "40", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    for key in (
        "status",
        "objective",
        "mip_gap",
        "greedy_objective",
        "families_returned_by_year",
        "area_released_km2_by_year",
        "casualties_averted",
    ):
        assert key in data
    assert len(data["families_returned_by_year"]) == YEARS and data["simulated"] is True
    again = runner.invoke(cli, ["plan", twin_store, "--rerun", data["plan_id"], "--json"])
    assert again.exit_code == 0, again.output
    rerun = json.loads(again.output)
    assert rerun["same_schedule"] is True and rerun["objective"] == pytest.approx(data["objective"])


def test_cli_compares_scenario_files(twin_store: str) -> None:
    files = [str(EXAMPLES / "current_funding.yaml"), str(EXAMPLES / "world_norm_funding.yaml")]
    out = CliRunner().invoke(
        cli,
        [
            "plan",
            twin_store,
            "--years",
            "2",
            "--time-limit",
            "20",
            "--json",
            "--scenario",
            files[0],
            "--scenario",
            files[1],
        ],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    now, norm = data["scenarios"]
    assert now["scenario"]["foreign_share"] == 0.06 and norm["scenario"]["foreign_share"] == 0.78
    assert sum(norm["families_returned_by_year"]) > sum(now["families_returned_by_year"])


def test_cli_bad_scenario_file_is_one_clear_error(twin_store: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\nteams: {factr: 2}\n")
    out = CliRunner().invoke(cli, ["plan", twin_store, "--scenario", str(bad)])
    assert isinstance(out.exception, ConfigError)
    assert "teams.factr: unknown key; use one of factor, team_days" in str(out.exception)
    assert str(bad) in str(out.exception)


def test_cli_casualty_rates_file_without_its_column_is_one_error(twin_store: str, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("hazardous_area,rate\nHA-000001,0.2\n")
    out = CliRunner().invoke(cli, ["plan", twin_store, "--casualty-rates", str(rates)])
    assert "missing column(s) ['casualties_per_year']" in str(out.exception)


def test_cli_update_from_a_saved_plan_moves_what_the_release_reaches(twin_store: str, tmp_path: Path) -> None:
    import shutil

    from mineaction.store import open_store

    path = tmp_path / "week2.gpkg"
    shutil.copy(twin_store, path)
    runner = CliRunner()
    first = runner.invoke(cli, ["plan", str(path), "--years", "3", "--time-limit", "30", "--json"])
    assert first.exit_code == 0, first.output
    saved = json.loads(first.output)
    planned = [r.split(" in ")[0] for r in saved["first_tasks"]]
    with open_store(path) as store:  # a week later: survey released the first planned area
        areas = store.read("hazardous_areas")
        row = areas[areas["id"] == planned[0]].assign(status="released")
        store.write("hazardous_areas", row, author="test", reason="SIMULATED release by survey")
    out = runner.invoke(cli, ["plan", str(path), "--update-from", saved["plan_id"], "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["updated_from"] == saved["plan_id"] and data["plan_id"] != saved["plan_id"]
    assert data["problem_change"]["gone_areas"] == [planned[0]]
    left = [c for c in data["changes"] if c["unit_id"] == planned[0]]
    assert left and left[0]["kind"] == "left" and "no longer open" in left[0]["reason"]
    assert data["moved"] <= data["freed_areas"] + 1 and data["objective"] >= data["greedy_objective"]
    assert all(c["reason"] for c in data["changes"])
    text = runner.invoke(cli, ["plan", str(path), "--update-from", saved["plan_id"]])
    assert text.exit_code == 0 and "areas moved year" in text.output
