"""Command of the planning job: ``mineaction plan STORE``: plan, compare scenarios, save and re-run plans.

Parses the options, calls :func:`mineaction.workflows.plan.plan_clearance` (which builds the problem from the
store, solves the base case or each ``--scenario`` and saves every plan in the store) and prints the per-year
figures (or ``--json``). ``--rerun PLAN_ID`` solves a saved plan again and says whether the schedule is the
same; ``--update-from PLAN_ID`` re-plans a saved plan on the store's current records
(:func:`mineaction.workflows.update_plan`) and says which areas moved year and why.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mineaction.cli._common import echo_json, open_snapshot

__all__ = ["COMMANDS"]

_out = Console() if sys.stdout.isatty() else Console(width=160)


def _print(summary: dict[str, Any]) -> None:
    name = (summary["scenario"] or {}).get("name", "base plan")
    sim = " (SIMULATED data)" if summary["simulated"] else ""
    table = Table(title=f"{summary['plan_id']}: {name}{sim}")
    for col in (
        "year",
        "released km2",
        "families able to return",
        "assets unblocked",
        "casualties averted that year (expected)",
        "spent US$ M",
    ):
        table.add_column(col, justify="right")
    for i, year in enumerate(summary["years"]):
        table.add_row(
            str(year),
            f"{summary['area_released_km2_by_year'][i]:,.2f}",
            f"{summary['families_returned_by_year'][i]:,}",
            f"{summary['assets_unblocked_by_year'][i]:,}",
            f"{summary['casualties_averted_by_year'][i]:.2f}",
            f"{summary['money_spent_usd_by_year'][i] / 1e6:,.2f}",
        )
    _out.print(table)
    _out.print(
        f"status {summary['status']}; objective {summary['objective']:,.1f} pts (greedy "
        f"{summary['greedy_objective']:,.1f}); gap <= {100 * summary['mip_gap']:.2f} % of the bound; "
        f"families by year 3: {summary['families_returned_by_year_3']:,} (greedy "
        f"{summary['greedy']['families_returned_by_year_3']:,}); {summary['solver']}, "
        f"{summary['seconds']:.1f} s"
    )


def _scenarios(given: tuple[str, ...]) -> list[Any]:
    """Each ``--scenario``: a YAML file, or the name of a built-in scenario."""
    from mineaction.errors import ConfigError
    from mineaction.workflows.plan import builtin_scenarios, scenario_from_yaml

    builtin = {s.name: s for s in builtin_scenarios()}
    found = []
    for value in given:
        if Path(value).is_file():
            found.append(scenario_from_yaml(Path(value).read_text(encoding="utf-8"), source=value))
        elif value in builtin:
            found.append(builtin[value])
        else:
            raise ConfigError(
                f"--scenario {value!r} is neither a YAML file nor a built-in scenario; give a file "
                f"(see examples/scenarios/) or one of: {', '.join(repr(n) for n in builtin)}"
            )
    return found


def _casualty_rates(path: str | None) -> dict[str, float] | None:
    """Expected casualties a year by hazardous area from a CSV (risk x exposure computed elsewhere)."""
    if path is None:
        return None
    import pandas as pd

    from mineaction.errors import InputError
    from mineaction.io import read_table

    table = read_table(path, require_geometry=False)
    missing = {"hazardous_area", "casualties_per_year"} - set(table.columns)
    if missing:
        raise InputError(
            f"{path}: missing column(s) {sorted(missing)}; give hazardous_area (HA-... id) and "
            "casualties_per_year (expected casualties a year while the area is contaminated)"
        )
    rates = pd.to_numeric(table["casualties_per_year"], errors="coerce")
    if rates.isna().any() or (rates < 0).any():
        row = int((rates.isna() | (rates < 0)).to_numpy().argmax()) + 2
        raise InputError(f"{path} row {row}: casualties_per_year must be a number >= 0")
    return dict(zip(table["hazardous_area"].astype(str), rates.astype(float), strict=True))


def _rerun(store_url: str, plan_id: str, as_json: bool) -> None:
    from mineaction.store import open_store
    from mineaction.workflows.plan import rerun_saved_plan

    with open_store(store_url) as store:
        again = rerun_saved_plan(store, plan_id)
    if as_json:
        echo_json(again.to_dict())
        return
    _print(again.plan.summary())
    _out.print(
        f"re-run of {plan_id}: "
        + (
            "same schedule"
            if again.same_schedule
            else f"schedule differs for {len(again.changed_units)} areas"
        )
    )


def _update(
    store_url: str, plan_id: str, settings_path: str | None, options: dict[str, Any], as_json: bool
) -> None:
    from mineaction.workflows import update_plan

    with open_snapshot(store_url, settings_path) as snap:
        done = update_plan(snap, plan_id, **options)
    if as_json:
        echo_json(done.to_dict())
        return
    _print(done.plan.summary())
    _out.print(f"update of {plan_id} -> {done.plan.plan_id}: {done.update.summary()}")
    table = Table(title="areas whose year changed (first 40)")
    for col in ("area", "before", "after", "change", "why"):
        table.add_column(col)
    for move in done.update.changes[:40]:
        table.add_row(move.unit_id, str(move.before or "-"), str(move.after or "-"), move.kind, move.reason)
    _out.print(table)


@click.command("plan")
@click.argument("store", metavar="STORE")
@click.option("--years", type=click.IntRange(1, 50), help="Plan years (default: the setting plan_years, 10).")
@click.option(
    "--budget-usd", type=click.FloatRange(min=0), help="Money a year for survey and clearance, US$."
)
@click.option("--start-year", type=int, help="First plan year (default: after the last funding year).")
@click.option(
    "--scenario",
    "scenario_paths",
    multiple=True,
    help="Scenario YAML file or built-in scenario name (e.g. 'world norm funding'); repeat to compare "
    "scenarios side by side.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    help="Hard limit on each solve, s (default: the setting plan_time_limit_s, 60).",
)
@click.option(
    "--mip-gap",
    type=click.FloatRange(min=0),
    help="Relative optimality gap to reach (default: the setting plan_mip_gap, 0.01).",
)
@click.option("--seed", type=int, help="Solver seed (default: the setting random_state, 0).")
@click.option(
    "--casualty-rates",
    "rates_path",
    type=click.Path(dir_okay=False, exists=True),
    help="CSV of hazardous_area, casualties_per_year (risk x exposure); default: from past accidents.",
)
@click.option(
    "--risk-model",
    "risk_model_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Risk model fitted on STORE (risk fit): expected casualties from risk x exposure, not from "
    "past accidents.",
)
@click.option("--rerun", "rerun_id", metavar="PLAN_ID", help="Re-run a saved plan and compare its schedule.")
@click.option(
    "--update-from",
    "update_id",
    metavar="PLAN_ID",
    help="Re-plan a saved plan on the store's current records: only the areas the change reaches move, "
    "each with its reason (--time-limit default 5 s here).",
)
@click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False, exists=True),
    help="YAML settings file (else defaults and MINEACTION_* variables).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")
def plan_command(
    store: str,
    years: int | None,
    budget_usd: float | None,
    start_year: int | None,
    scenario_paths: tuple[str, ...],
    time_limit: float | None,
    mip_gap: float | None,
    seed: int | None,
    rates_path: str | None,
    risk_model_path: str | None,
    rerun_id: str | None,
    update_id: str | None,
    settings_path: str | None,
    as_json: bool,
) -> None:
    """Plan which hazardous areas to release in which year, for the most returns and fewest casualties."""
    if rerun_id:
        return _rerun(store, rerun_id, as_json)
    if update_id:
        options = {"budget_usd": budget_usd, "casualty_rates": _casualty_rates(rates_path)}
        return _update(
            store, update_id, settings_path, options | {"time_limit_s": time_limit or 5.0}, as_json
        )
    from mineaction.workflows import load_risk_model
    from mineaction.workflows.plan import plan_clearance

    risk_model = load_risk_model(risk_model_path) if risk_model_path else None
    with open_snapshot(store, settings_path) as snap:
        run = plan_clearance(
            snap,
            years=years,
            budget_usd=budget_usd,
            start_year=start_year,
            scenarios=_scenarios(scenario_paths),
            time_limit_s=time_limit,
            mip_gap=mip_gap,
            seed=seed,
            casualty_rates=_casualty_rates(rates_path),
            risk_model=risk_model,
        )
    if as_json:
        echo_json(run.to_dict())
        return None
    for plan in run.plans:
        _print(plan.summary())
    return None


COMMANDS: list[click.Command] = [plan_command]
