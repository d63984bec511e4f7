"""Command of the patterns job: ``mineaction patterns STORE [--area HA-...] [--status ...] [--json]``.

It opens the store, calls :func:`mineaction.workflows.analyse_patterns` and renders the result as tables with
units, or prints ``result.to_dict()`` with ``--json``.
"""

from __future__ import annotations

from typing import Any

import click

from mineaction.cli._common import echo_json, json_option, open_snapshot, print_table, settings_option

__all__ = ["COMMANDS"]


def _interval(values: Any) -> str:
    return f"{values[0]:g}-{values[1]:g}"


def _print_areas(result: Any, limit: int) -> None:
    rows = sorted(result.areas, key=lambda a: (not a.flagged, -float(a.residual["expected_mines"])))
    shown = [a.summary_row() for a in rows[:limit]]
    note = " (SIMULATED data)" if result.simulated else ""
    flagged = f"{result.n_flagged} would be flagged if proposed for release"
    print_table(
        f"Patterns of {len(result.areas)} areas{note}: {flagged}",
        [
            "area",
            "status",
            "mine finds",
            "rows",
            "record: offset (m) / turn (deg)",
            "mines expected (interval)",
            "flagged",
            "main reason",
        ],
        [
            [
                r["area"],
                r["status"],
                r["mine_finds"],
                r["rows"],
                f"{r['record']}: {r['record_offset_m']:g} / {r['record_rotation_deg']:g}"
                if r["record"]
                else "",
                f"{r['expected_mines']:.1f} ({_interval(r['interval'])})",
                "yes" if r["flagged"] else "no",
                r["reason"] or "",
            ]
            for r in shown
        ],
    )


def _print_area(area: Any) -> None:
    print_table(
        f"Rows traced by the finds of {area.area} ({area.mine_finds} mine finds, {area.area_m2:,.0f} m2)",
        ["rows", "row", "direction (deg)", "length (m)", "spacing (m)", "finds", "record row"],
        [
            [
                r["rows"],
                r["row"],
                r["direction_deg"],
                r["length_m"],
                r["spacing_m"],
                r["finds"],
                r["record_row"] or "",
            ]
            for r in area.rows
        ],
    )
    print_table(
        "Records against the finds",
        ["record", "status", "offset (m)", "east (m)", "north (m)", "rotation (deg)", "rows matched"],
        [
            [
                r["record"],
                r["status"],
                r["offset_m"],
                r["dx_m"],
                r["dy_m"],
                r["rotation_deg"],
                f"{r['matched_rows']} of {r['record_rows']}",
            ]
            for r in area.records
        ],
    )
    res = area.residual
    interval = f"interval {_interval(res['interval'])}, P(at least one) {res['p_any']:.2f}"
    print_table(
        f"Mines expected still in the ground: {res['expected_mines']:.1f} ({interval})",
        ["source", "mines expected"],
        [[k.replace("_", " "), v] for k, v in res["by_source"].items()]
        + [["(rows beyond the boundary)", res["beyond_boundary"]]],
    )
    release = area.release
    verdict = "FLAGGED" if release["flagged"] else "not flagged"
    print_table(
        f"Release check: {verdict} (threshold {release['threshold_mines']:g} mines)",
        ["reason", "mines expected", "why"],
        [[r["code"], r["mines"], r["text"]] for r in release["reasons"]]
        + [["note", "", n] for n in release["notes"]],
    )
    if area.order:
        print_table(
            "Cells to work next (centre in the metric CRS, m)",
            ["rank", "x (m)", "y (m)", "lane", "mines expected"],
            [
                [c["rank"], c["x"], c["y"], c["lane"], c["expected_mines"]]
                for c in area.order["next_cells"][:10]
            ],
        )
        curves = area.order["expected_share_found"]
        print_table(
            "Expected share of the mines found against the share of the area worked",
            ["order", *[f"{int(100 * p['area_share'])} %" for p in next(iter(curves.values()))]],
            [[name, *[f"{p['mines_share']:.2f}" for p in points]] for name, points in curves.items()],
        )


@click.command("patterns")
@click.argument("store", metavar="STORE")
@click.option(
    "--area", help="One hazardous area (HA-...), in full: rows, records, residual mines, next cells."
)
@click.option(
    "--status", type=click.Choice(["open", "in_progress", "released"]), help="Only areas with this status."
)
@click.option(
    "--limit", type=int, default=30, show_default=True, help="Areas listed in the table (all in JSON)."
)
@json_option
@settings_option
def patterns_command(
    store: str, area: str | None, status: str | None, limit: int, as_json: bool, settings_path: str | None
) -> None:
    """Mine-laying patterns from finds and records: residual mines, clearance order, release check."""
    from mineaction.workflows import analyse_patterns

    with open_snapshot(store, settings_path) as snap:
        result = analyse_patterns(snap, area=area, status=status)
    if as_json:
        echo_json(result.to_dict())
        return
    if area is not None:
        _print_area(result.areas[0])
        return
    _print_areas(result, limit)


COMMANDS: list[click.Command] = [patterns_command]
