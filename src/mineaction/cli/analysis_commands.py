"""Commands of the evidence jobs: ``records assess``, ``alerts``, ``quality``.

Each command opens the store, calls one job of :mod:`mineaction.workflows` and renders its result as a table
with units, or prints ``result.to_dict()`` with ``--json``.
"""

from __future__ import annotations

from typing import Any

import click

from mineaction.cli._common import echo_json, json_option, open_snapshot, pct, print_table, settings_option

__all__ = ["COMMANDS"]

_STORE = click.argument("store", metavar="STORE")


@click.group("records")
def records_group() -> None:
    """Minefield records: how accurate they are against finds and accidents."""


@records_group.command("assess")
@_STORE
@json_option
@settings_option
def assess_command(store: str, as_json: bool, settings_path: str | None) -> None:
    """Record accuracy (record level), record recall (mine level) and outside shares of accidents."""
    from mineaction.workflows import assess_records

    with open_snapshot(store, settings_path) as snap:
        result = assess_records(snap)
    if as_json:
        echo_json(result.to_dict())
        return
    _print_assessment(result)


def _print_assessment(result: Any) -> None:
    from mineaction.workflows import format_share

    parts, shares = result.parts, result.intervals
    print_table(
        "Minefield records against the evidence (share, 95 % interval, count)",
        ["figure", "value"],
        [
            ["record accuracy (fully processed records accurate)", format_share(shares["record_accuracy"])],
            ["  confirmed (a find within tolerance)", format_share(shares["confirmed"])],
            ["  complete (found / claimed within the band)", format_share(shares["complete"])],
            ["  positioned (median offset within tolerance)", format_share(shares["positioned"])],
            ["records / fully processed (count)", f"{parts['n_records']} / {parts['n_processed']}"],
            ["record recall (mine finds inside a record)", format_share(shares["record_recall"])],
            ["accidents outside every record", format_share(shares["outside_share_records"])],
            [
                "accidents outside hazards known at the time",
                format_share(shares["outside_share_known_hazards"]),
            ],
            ["positional tolerance (m)", f"{result.tolerance_m:g}"],
        ],
    )
    print_table(
        "Record accuracy by source",
        ["source", "records", "processed", "accuracy"],
        [
            [r["handed_over_by"], r["n_records"], r["n_processed"], pct(r["accuracy"])]
            for r in result.by_source
        ],
    )


@click.command("alerts")
@_STORE
@json_option
@settings_option
@click.option("--eps-m", type=float, help="Cluster radius, m (default: the setting alert_eps_m, 500).")
@click.option("--min-finds", type=int, help="Fewest finds that make an alert (default: alert_min_finds, 5).")
def alerts_command(
    store: str, as_json: bool, settings_path: str | None, eps_m: float | None, min_finds: int | None
) -> None:
    """New-contamination alerts: clusters of finds made after the ceasefire or found in released land."""
    from mineaction.workflows import raise_alerts

    with open_snapshot(store, settings_path) as snap:
        result = raise_alerts(snap, eps_m=eps_m, min_finds=min_finds)
    if as_json:
        echo_json(result.to_dict())
        return
    shown = result.display
    print_table(
        f"New-contamination alerts (cut-off {result.ceasefire})",
        list(shown.columns),
        shown.round({"lon (deg)": 4, "lat (deg)": 4}).values.tolist(),
    )


@click.command("quality")
@_STORE
@json_option
@settings_option
@click.option(
    "--limit", type=int, default=50, show_default=True, help="Issues listed in the table (all in JSON)."
)
@click.option(
    "--release-check/--no-release-check",
    default=True,
    show_default=True,
    help="Check released areas with mine finds or a record for mines their pattern or record implies.",
)
def quality_command(
    store: str, as_json: bool, settings_path: str | None, limit: int, release_check: bool
) -> None:
    """Data-quality issues, each with the record id and the fix."""
    from mineaction.workflows import check_quality

    with open_snapshot(store, settings_path) as snap:
        result = check_quality(snap, release_check=release_check)
    if as_json:
        echo_json(result.to_dict())
        return
    print_table(
        "Data-quality issues by kind and check",
        ["kind", "check", "issues (count)"],
        result.summary.values.tolist(),
    )
    issues = result.issues
    print_table(
        f"First {min(limit, len(issues))} of {len(issues)} issues",
        ["kind", "id", "check", "value", "fix"],
        issues.head(limit).values.tolist(),
    )


COMMANDS: list[click.Command] = [records_group, alerts_command, quality_command]
