"""Command of mineaction.plan: ``mineaction plan STORE``: plan, compare scenarios, save and re-run plans.

Loads the store's frames, builds the planning problem, solves it (and each ``--scenario``), saves every plan
in the store's ``plans`` documents and prints the per-year figures (or JSON). ``--rerun PLAN_ID`` solves a
saved plan again and says whether the schedule is the same.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mineaction.cli._common import echo_json

__all__ = ["COMMANDS"]

_out = Console() if sys.stdout.isatty() else Console(width=160)
_SUMMARY = (
    "status",
    "objective",
    "bound",
    "mip_gap",
    "greedy_objective",
    "method",
    "solver",
    "seed",
    "seconds",
    "problem_hash",
    "simulated",
    "years",
    "area_released_km2_by_year",
    "families_returned_by_year",
    "assets_unblocked_by_year",
    "casualties_averted_by_year",
    "money_spent_usd_by_year",
    "casualties_averted",
    "families_returned_by_year_3",
    "steps",
)


def _summary(result: Any, plan_id: str, scenario: dict[str, Any] | None) -> dict[str, Any]:
    full = result.to_dict()
    out = {"plan_id": plan_id, "scenario": scenario, **{k: full[k] for k in _SUMMARY}}
    out["greedy"] = {k: v for k, v in full["greedy"].items() if k != "years"}
    out["tasks_in_plan"] = len(result.reasons)
    out["first_tasks"] = [r.text for r in result.reasons[:10]]
    return out


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


def _scenarios(paths: tuple[str, ...]) -> list[Any]:
    from mineaction.plan.scenarios import scenario_from_yaml

    return [scenario_from_yaml(Path(p).read_text(), source=p) for p in paths]


def _casualty_rates(path: str | None) -> dict[str, float] | None:
    """Expected casualties a year by hazardous area from a CSV (risk x exposure computed elsewhere)."""
    if path is None:
        return None
    import pandas as pd

    from mineaction.errors import InputError

    table = pd.read_csv(path)
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
    from mineaction.plan.record import PLAN_COLLECTION, rerun_plan
    from mineaction.store import open_store

    with open_store(store_url) as store:
        again = rerun_plan(store.load_document(PLAN_COLLECTION, plan_id))
    out = {
        **_summary(again.result, plan_id, None),
        "same_schedule": again.same_schedule,
        "changed_units": list(again.changed_units),
    }
    if as_json:
        echo_json(out)
    else:
        _print(out)
        _out.print(
            f"re-run of {plan_id}: "
            + (
                "same schedule"
                if again.same_schedule
                else f"schedule differs for {len(again.changed_units)} areas"
            )
        )


@click.command("plan")
@click.argument("store", metavar="STORE")
@click.option("--years", type=click.IntRange(1, 50), default=10, show_default=True, help="Plan years.")
@click.option(
    "--budget-usd", type=click.FloatRange(min=0), help="Money a year for survey and clearance, US$."
)
@click.option("--start-year", type=int, help="First plan year (default: after the last funding year).")
@click.option(
    "--scenario",
    "scenario_paths",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Scenario YAML file; repeat to compare scenarios side by side.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Hard limit on each solve, s.",
)
@click.option(
    "--mip-gap",
    type=click.FloatRange(min=0),
    default=0.01,
    show_default=True,
    help="Relative optimality gap to reach.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Solver seed.")
@click.option(
    "--casualty-rates",
    "rates_path",
    type=click.Path(dir_okay=False, exists=True),
    help="CSV of hazardous_area, casualties_per_year (risk x exposure); default: from past accidents.",
)
@click.option("--rerun", "rerun_id", metavar="PLAN_ID", help="Re-run a saved plan and compare its schedule.")
@click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False, exists=True),
    help="YAML settings file (else defaults and MINEACTION_* variables).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")
def plan_command(
    store: str,
    years: int,
    budget_usd: float | None,
    start_year: int | None,
    scenario_paths: tuple[str, ...],
    time_limit: float,
    mip_gap: float,
    seed: int,
    rates_path: str | None,
    rerun_id: str | None,
    settings_path: str | None,
    as_json: bool,
) -> None:
    """Plan which hazardous areas to release in which year, for the most returns and fewest casualties."""
    if rerun_id:
        return _rerun(store, rerun_id, as_json)
    from mineaction import __version__
    from mineaction.cli._common import open_snapshot
    from mineaction.plan import ClearancePlanner, apply_scenario, build_problem
    from mineaction.plan.record import PLAN_COLLECTION, plan_document

    scenarios = _scenarios(scenario_paths) or [None]
    planner = ClearancePlanner(time_limit_s=time_limit, mip_gap=mip_gap, seed=seed)
    summaries = []
    with open_snapshot(store, settings_path) as snap:
        frames, settings, st = snap.frames(), snap.settings, snap.store
        simulated = True if st.get_setting("simulated", None) else None
        base = build_problem(
            frames,
            years=years,
            start_year=start_year,
            budget_usd=budget_usd,
            settings=settings,
            simulated=simulated,
            casualty_rate=_casualty_rates(rates_path),
        )
        inputs = {
            "store": store,
            "counts": {k: len(v) for k, v in frames.items()},
            "years": years,
            "budget_usd": budget_usd,
            "start_year": start_year,
        }
        for sc in scenarios:
            problem = apply_scenario(base, sc) if sc else base
            result = planner.solve(problem)
            doc = plan_document(
                problem,
                planner,
                result,
                scenario=sc.to_dict() if sc else None,
                version=__version__,
                inputs=inputs,
            )
            st.save_document(
                PLAN_COLLECTION,
                doc["plan_id"],
                doc,
                author=settings.author,
                reason=f"mineaction plan ({sc.name if sc else 'base plan'})",
            )
            summaries.append(_summary(result, doc["plan_id"], doc["scenario"]))
    out = {**summaries[0], "scenarios": summaries} if len(summaries) > 1 else summaries[0]
    if as_json:
        echo_json(out)
        return None
    for summary in summaries:
        _print(summary)
    return None


COMMANDS: list[click.Command] = [plan_command]
