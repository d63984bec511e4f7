"""Commands of the people jobs: ``eore coverage``, ``eore needs`` and ``survivors``.

Each command opens the store, calls one job of :mod:`mineaction.workflows` and renders its result as tables
with units, or prints ``result.to_dict()`` with ``--json``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from mineaction.cli._common import echo_json, json_option, open_snapshot, pct, print_table, settings_option

__all__ = ["COMMANDS"]

_STORE = click.argument("store", metavar="STORE")
_AS_OF = click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Count on this day, YYYY-MM-DD (default: the day of the latest event recorded).",
)


def _day(value: Any) -> date | None:
    return None if value is None else value.date()


def _sim(result: Any) -> str:
    return " (SIMULATED data)" if result.simulated else ""


@click.group("eore")
def eore_group() -> None:
    """Explosive ordnance risk education: reach, coverage of returning families, sessions a plan needs."""


@eore_group.command("coverage")
@_STORE
@_AS_OF
@json_option
@settings_option
def coverage_command(store: str, as_of: Any, as_json: bool, settings_path: str | None) -> None:
    """People reached by district and method; families reached before their return by settlement."""
    from mineaction.workflows import risk_education

    with open_snapshot(store, settings_path) as snap:
        result = risk_education(snap, as_of=_day(as_of))
    if as_json:
        echo_json(result.to_dict())
        return
    c, v = result.coverage, result.victims_reached
    print_table(
        f"Risk education on {result.as_of}{_sim(result)}",
        ["figure", "value"],
        [
            ["records (sessions and campaigns)", result.records],
            [
                "families returning (due) / reached before return",
                f"{c['families']:,} / {c['families_reached_before']:,}",
            ],
            ["coverage of returning families", pct(c["coverage"])],
            ["returns due / missed (no family reached)", f"{c['returns']} / {c['returns_missed']}"],
            ["returns not yet due", c["upcoming"]],
            ["civilian victims from communities reached in the year before", pct(v["share"])],
            ["lead time counted before a return (days)", result.lead_days],
        ],
    )
    print_table(
        "People reached by method",
        ["method", "sessions", "campaigns", "people", "of them estimated", "children", "returnees"],
        [
            [
                r["method"],
                r["sessions"],
                r["campaigns"],
                f"{r['people']:,}",
                f"{r['people_estimated']:,}",
                f"{r['children']:,}",
                f"{r['returnees']:,}",
            ]
            for r in result.reach_by_method
        ],
    )
    missed = [r for r in result.coverage_by_settlement if r["missed"]][:15]
    print_table(
        "Returns no risk education reached first (up to 15)",
        ["settlement", "name", "district", "year", "families"],
        [[r["settlement"], r["name"], r["district"], r["year"], r["families"]] for r in missed],
    )


@eore_group.command("needs")
@_STORE
@click.option("--plan", "plan_id", metavar="PLAN_ID", help="Saved plan (default: the latest saved).")
@_AS_OF
@json_option
@settings_option
def needs_command(
    store: str, plan_id: str | None, as_of: Any, as_json: bool, settings_path: str | None
) -> None:
    """Risk education sessions a saved plan needs: families returning before their hazards are released."""
    from mineaction.workflows import eore_needs

    with open_snapshot(store, settings_path) as snap:
        result = eore_needs(snap, plan_id=plan_id, as_of=_day(as_of))
    if as_json:
        echo_json(result.to_dict())
        return
    plan = result.plan
    print_table(
        f"Risk education needed before return, plan {result.plan_id}, on {result.as_of}{_sim(result)}",
        [
            "needed by",
            "settlement",
            "name",
            "district",
            "families to reach",
            "return",
            "released in",
            "status",
        ],
        [
            [
                s["needed_by"],
                s["settlement"],
                s["name"],
                s["district"],
                s["families_to_reach"],
                s["return_on"],
                s["released_in"] or "not in plan",
                s["status"],
            ]
            for s in plan["sessions"]
        ],
    )
    click.echo(
        f"{plan['sessions_needed']} sessions needed ({plan['overdue']} overdue) for "
        f"{plan['families_to_reach']:,} families; {len(plan['covered'])} settlements returning before "
        "release already reached"
    )


@click.command("survivors")
@_STORE
@_AS_OF
@click.option(
    "--include-personal",
    is_flag=True,
    help="Show small counts and list open needs by victim (personal data: only for those allowed).",
)
@json_option
@settings_option
def survivors_command(
    store: str, as_of: Any, include_personal: bool, as_json: bool, settings_path: str | None
) -> None:
    """Assistance to survivors: assessed, days to the first service, needs open more than a year."""
    from mineaction.workflows import survivor_assistance

    with open_snapshot(store, settings_path) as snap:
        result = survivor_assistance(snap, as_of=_day(as_of), personal=include_personal)
    if as_json:
        echo_json(result.to_dict())
        return
    columns = [
        "survivors",
        "assessed",
        "assessed_share",
        "median_days_to_first_service",
        "needs_open",
        "needs_open_over_a_year",
    ]
    header = [
        "survivors",
        "assessed",
        "share assessed",
        "median days to first service",
        "needs open",
        "open > 1 year",
    ]
    groups = [("all", result.totals)] + [(f"{r['sex']}, {r['age_band']}", r) for r in result.by_sex_age_band]
    rows = [[name, *[_cell(r[c], share=c.endswith("share")) for c in columns]] for name, r in groups]
    print_table(f"Assistance to survivors on {result.as_of}{_sim(result)}", ["group", *header], rows)
    print_table(
        "Needs by kind",
        ["need", "needs", "met", "open", "open > 1 year", "median days from assessment to service"],
        [
            [
                r["need"],
                r["needs"],
                r["met"],
                r["open"],
                r["open_over_a_year"],
                _cell(r["median_days_to_service"]),
            ]
            for r in result.by_need
        ],
    )
    if result.public:
        click.echo("counts under 5 are shown as <5; figures from fewer than 5 survivors are not shown")


def _cell(value: Any, *, share: bool = False) -> str:
    """A figure for a table: shares as percentages, numbers with separators, "<5" as it is."""
    if value is None:
        return "n/a"
    if share:
        return pct(value)
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


COMMANDS = [eore_group, survivors_command]
