"""Scenarios: YAML files, one clear error for a bad file, funding/teams/survey changes, side-by-side plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mineaction.errors import ConfigError
from mineaction.plan import (
    ClearancePlanner,
    Scenario,
    apply_scenario,
    compare_scenarios,
    random_problem,
    scenario_from_yaml,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
PROBLEM = random_problem(120, 4, seed=7, scale_to_nation=False)


def test_example_files_parse() -> None:
    names = {scenario_from_yaml(p.read_text(), source=p.name).name for p in sorted(EXAMPLES.glob("*.yaml"))}
    assert {"current funding (6 % foreign)", "world norm funding (78 % foreign)", "survey first"} <= names


def test_bad_scenario_file_is_one_error_naming_key_and_fix() -> None:
    text = "name: x\nfunding:\n  foreign_share: 1.3\n  budjet_usd: 5\nsurvey_first: perhaps\n"
    with pytest.raises(ConfigError) as info:
        scenario_from_yaml(text, source="bad.yaml")
    message = str(info.value)
    assert message.startswith("bad.yaml: bad scenario:")
    assert "funding.foreign_share: 1.3 is not valid; write share in [0, 1)" in message
    assert "funding.budjet_usd: unknown key; use one of foreign_share, budget_usd" in message
    assert "survey_first: 'perhaps' is not valid; write true or false" in message


def test_unknown_planner_setting_in_a_scenario_is_named() -> None:
    with pytest.raises(ConfigError, match="settings.weight_familys: unknown key"):
        scenario_from_yaml("settings: {weight_familys: 2}", source="w.yaml")


def test_world_norm_keeps_the_state_part_and_adds_foreign_money() -> None:
    world = apply_scenario(PROBLEM, Scenario("w", foreign_share=0.78))
    assert np.allclose(world.budget_state_usd, PROBLEM.budget_state_usd)
    assert np.allclose(world.budget_foreign_usd / world.budget_usd, 0.78)
    ratio = world.budget_usd / PROBLEM.budget_usd
    assert np.allclose(world.team_days_capacity, PROBLEM.team_days_capacity * ratio)
    fixed_teams = apply_scenario(PROBLEM, Scenario("w", foreign_share=0.78, teams_follow_money=False))
    assert np.allclose(fixed_teams.team_days_capacity, PROBLEM.team_days_capacity)


def test_teams_survey_and_years() -> None:
    more = apply_scenario(PROBLEM, Scenario("t", teams_factor=1.5, teams_follow_money=False))
    assert np.allclose(more.team_days_capacity, 1.5 * PROBLEM.team_days_capacity)
    survey = apply_scenario(PROBLEM, Scenario("s", survey_first=True))
    assert survey.costs()[1].sum() < PROBLEM.costs()[1].sum()
    longer = apply_scenario(PROBLEM, Scenario("y", years=6))
    assert (
        longer.years == tuple(range(PROBLEM.years[0], PROBLEM.years[0] + 6)) and len(longer.budget_usd) == 6
    )


@pytest.mark.slow
def test_world_norm_returns_families_sooner_than_six_percent() -> None:
    comparison = compare_scenarios(
        PROBLEM,
        [Scenario("now", foreign_share=0.06), Scenario("norm", foreign_share=0.78)],
        planner=ClearancePlanner(time_limit_s=10),
    )
    now, norm = comparison.results
    assert norm.families_by_year(1) > now.families_by_year(1)
    assert norm.figures.families_returned.sum() > now.figures.families_returned.sum()
    table = comparison.table()
    assert list(table["scenario"].unique()) == ["now", "norm"] and len(table) == 2 * PROBLEM.n_years
    assert comparison.to_dict()[1]["scenario"]["foreign_share"] == 0.78
