"""Commands of mineaction.simulate: ``simulate`` (write a SIMULATED scenario) and ``demo`` (the main job)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mineaction.cli._common import echo_json, progress
from mineaction.simulate.scales import SCALES

__all__ = ["COMMANDS", "briefing_table", "demo_command", "simulate_command"]

_stdout = Console(soft_wrap=True)
_SCALE = click.Choice(list(SCALES))


@click.command("simulate")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder for the simulated files (created if needed)",
)
@click.option("--scale", type=_SCALE, default="small", show_default=True, help="scenario size")
@click.option("--seed", type=int, default=0, show_default=True, help="random seed (same seed, same data)")
@click.option("--json", "as_json", is_flag=True, help="print the calibration (target vs actual) as JSON")
def simulate_command(out_dir: Path, scale: str, seed: int, as_json: bool) -> None:
    """Write a SIMULATED scenario of the Karabakh region (files to import, truth/, calibration)."""
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import write_scenario

    with progress(f"simulating ({scale})"):
        scenario = simulate(scale=scale, seed=seed)
        write_scenario(scenario, out_dir)
    if as_json:
        echo_json({**scenario.meta, "out": str(out_dir), "calibration": scenario.calibration})
        return
    missed = [k for k, v in scenario.calibration.items() if not v["within"]]
    click.echo(
        f"SIMULATED scenario written to {out_dir} (scale {scale}, seed {seed}); "
        f"calibration: {len(scenario.calibration) - len(missed)}/{len(scenario.calibration)} figures "
        f"within tolerance{'; outside: ' + ', '.join(missed) if missed else ''}"
    )


def _fmt(value: Any, unit: str) -> str:
    if value is None or value != value:
        return "n/a"
    if unit == "%":
        return f"{100 * float(value):.1f} %"
    return f"{float(value):,.0f} {unit}".strip()


def _since_1991(run: Any, victims: dict) -> float | None:
    history = run.scenario.tables.get("casualties_1991_2020") if run.scenario is not None else None
    if history is None or victims.get("total") is None:
        return None
    return float(history["victims"].sum()) + float(victims["total"])


def briefing_table(run: Any) -> Table:
    """The headline figures of a demo run, measured in its store, as a rich table saying SIMULATED."""
    rec = run.results["records"].to_dict() if "records" in run.results else {}
    summary = run.results["summary"].to_dict() if "summary" in run.results else {}
    victims, funding = summary.get("victims", {}), summary.get("funding", {})
    land = summary.get("land_release", {})
    table = Table(
        "figure",
        "value",
        title=f"SIMULATED data: headline figures (scale {run.scale}, "
        f"seed {run.seed}, national figures x {run.scenario.factor:.3f})",
    )
    rows = [
        ("minefield record accuracy (record level)", _fmt(rec.get("record_accuracy"), "%")),
        ("mine finds inside records (recall)", _fmt(rec.get("record_recall"), "%")),
        ("accidents outside every record", _fmt(rec.get("outside_share_records"), "%")),
        ("accidents outside hazards known at the time", _fmt(rec.get("outside_share_known_hazards"), "%")),
        ("victims since Nov 2020 (records)", _fmt(victims.get("total"), "people")),
        ("victims since 1991 (with 1991-2020 aggregates)", _fmt(_since_1991(run, victims), "people")),
        ("killed share of victims", _fmt(victims.get("killed_share"), "%")),
        ("land released", _fmt(land.get("released_ha"), "ha")),
        ("finds per hectare cleared", f"{land.get('finds_per_ha', float('nan')):.2f} per ha"),
        ("funding", _fmt(funding.get("total_usd"), "US$")),
        ("foreign share of funding", _fmt(funding.get("foreign_share"), "%")),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    default="demo-out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder for files, store and report",
)
@click.option("--scale", type=_SCALE, default="small", show_default=True, help="scenario size")
@click.option("--seed", type=int, default=0, show_default=True, help="random seed")
def demo_command(out_dir: Path, scale: str, seed: int) -> None:
    """Simulate, import into OUT/mineaction.gpkg, analyse, report and brief (all SIMULATED)."""
    from mineaction.demo import STEPS, run_demo

    with progress("demo", total=len(STEPS)) as advance:
        state = {"started": False}

        def on_step(step: Any, index: int, total: int) -> None:
            if state["started"]:
                advance()
            state["started"] = True

        run = run_demo(out_dir, scale=scale, seed=seed, on_step=on_step)
    _stdout.print(briefing_table(run))
    report = run.results.get("report")
    click.echo(f"store: {run.store_path}" + (f"; report: {report}" if report else ""))
    click.echo("All figures come from SIMULATED data (a synthetic landscape, not real mine locations).")


COMMANDS: list[click.Command] = [simulate_command, demo_command]
