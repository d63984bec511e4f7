"""Commands of mineaction.analysis and mineaction.report: records assess, alerts, quality, report.

Each command loads the frames from the store, calls the analysis, and renders a table with units or JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from mineaction.cli._common import echo_json

__all__ = ["COMMANDS", "load_frames", "print_summary", "store_summary"]

_STORE = click.argument("store", metavar="STORE")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")
_SETTINGS = click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False, exists=True),
    help="YAML settings file (else defaults and MINEACTION_* variables).",
)
# Tables go to standard output; when it is not a terminal (a pipe, a file) keep wide tables on one line.
_out = Console() if sys.stdout.isatty() else Console(width=160)


@contextmanager
def load_frames(
    store_url: str, settings_path: str | None = None
) -> Iterator[tuple[dict[str, Any], Any, Any]]:
    """Open the store; yield (frames by kind, settings with the store's area of interest, the store)."""
    from mineaction.domain.schema import ENTITIES
    from mineaction.settings import load_settings
    from mineaction.store import open_store

    settings = load_settings(settings_path)
    with open_store(store_url) as store:
        aoi = store.get_setting("aoi")
        if aoi:
            settings = settings.replace(aoi=tuple(float(v) for v in aoi))
        yield {kind: store.read(kind) for kind in ENTITIES}, settings, store


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * float(value):.1f} %"


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[str(v) for v in row])
    _out.print(table)


@click.group("records")
def records_group() -> None:
    """Minefield records: how accurate they are against finds and accidents."""


@records_group.command("assess")
@_STORE
@_JSON
@_SETTINGS
def assess_command(store: str, as_json: bool, settings_path: str | None) -> None:
    """Record accuracy (record level), record recall (mine level) and outside shares of accidents."""
    from mineaction.analysis import assess_records

    with load_frames(store, settings_path) as (frames, settings, opened):
        history = opened.history("hazardous_areas")
        result = assess_records(frames, settings=settings, hazard_history=history)
    if as_json:
        echo_json(result)
        return
    _table(
        "Minefield records against the evidence",
        ["figure", "value"],
        [
            ["record accuracy (fully processed records accurate)", _pct(result["record_accuracy"])],
            [
                "  confirmed / complete / positioned",
                " / ".join(_pct(result["parts"][k]) for k in ("confirmed", "complete", "positioned")),
            ],
            [
                "records / fully processed (count)",
                f"{result['parts']['n_records']} / {result['parts']['n_processed']}",
            ],
            ["record recall (mine finds inside a record)", _pct(result["record_recall"])],
            ["accidents outside every record", _pct(result["outside_share_records"])],
            ["accidents outside hazards known at the time", _pct(result["outside_share_known_hazards"])],
            ["positional tolerance (m)", f"{result['tolerance_m']:g}"],
        ],
    )
    _table(
        "Record accuracy by source",
        ["source", "records", "processed", "accuracy"],
        [
            [r["handed_over_by"], r["n_records"], r["n_processed"], _pct(r["accuracy"])]
            for r in result["by_source"]
        ],
    )


@click.command("alerts")
@_STORE
@_JSON
@_SETTINGS
@click.option("--eps-m", type=float, default=500.0, show_default=True, help="Cluster radius, m.")
@click.option("--min-finds", type=int, default=5, show_default=True, help="Fewest finds that make an alert.")
def alerts_command(
    store: str, as_json: bool, settings_path: str | None, eps_m: float, min_finds: int
) -> None:
    """New-contamination alerts: clusters of finds made after the ceasefire or found in released land."""
    from mineaction.analysis import alerts_for_display, choose_metric_crs, new_contamination_alerts

    with load_frames(store, settings_path) as (frames, settings, _):
        alerts = new_contamination_alerts(
            frames["finds"],
            frames["activities"],
            settings=settings,
            crs=choose_metric_crs(frames, settings),
            eps_m=eps_m,
            min_finds=min_finds,
        )
    if as_json:
        echo_json(
            {
                "ceasefire": settings.ceasefire,
                "n_alerts": len(alerts),
                "alerts": alerts.to_dict(orient="records"),
            }
        )
        return
    shown = alerts_for_display(alerts)
    _table(
        f"New-contamination alerts (cut-off {settings.ceasefire})",
        list(shown.columns),
        shown.round({"lon (deg)": 4, "lat (deg)": 4}).values.tolist(),
    )


@click.command("quality")
@_STORE
@_JSON
@_SETTINGS
@click.option(
    "--limit", type=int, default=50, show_default=True, help="Issues listed in the table (all in JSON)."
)
def quality_command(store: str, as_json: bool, settings_path: str | None, limit: int) -> None:
    """Data-quality issues, each with the record id and the fix."""
    from mineaction.analysis import data_quality, quality_summary

    with load_frames(store, settings_path) as (frames, settings, _):
        issues = data_quality(frames, settings=settings)
    summary = quality_summary(issues)
    if as_json:
        echo_json(
            {
                "n_issues": len(issues),
                "summary": summary.to_dict(orient="records"),
                "issues": issues.to_dict(orient="records"),
            }
        )
        return
    _table(
        "Data-quality issues by kind and check", ["kind", "check", "issues (count)"], summary.values.tolist()
    )
    _table(
        f"First {min(limit, len(issues))} of {len(issues)} issues",
        ["kind", "id", "check", "value", "fix"],
        issues.head(limit).values.tolist(),
    )


@click.command("report")
@_STORE
@_SETTINGS
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write.")
def report_command(store: str, settings_path: str | None, out_dir: str) -> None:
    """Write the HTML report (DIR/index.html with charts and maps as PNG beside it); opens offline."""
    from mineaction.report import ReportContext, build_report, is_simulated

    with load_frames(store, settings_path) as (frames, settings, opened):
        simulated = is_simulated(frames, flag=opened.get_setting("simulated"))
        context = ReportContext(frames=frames, settings=settings, simulated=simulated, store=opened)
        index = build_report(context, Path(out_dir))
    click.echo(f"report written: {index}")


_SUMMARY_KINDS = ("victims", "accidents", "funding", "activities", "finds")


def store_summary(store: Any) -> dict[str, Any]:
    """Victims, funding and land release totals of an open store (for ``mineaction stats``), counting the
    yearly casualty aggregates kept in its ``aggregates/casualties`` document when there is one."""
    from mineaction.analysis import summary_stats

    frames = {kind: store.read(kind) for kind in _SUMMARY_KINDS}
    try:
        aggregates = pd.DataFrame(store.load_document("aggregates", "casualties")["rows"])
    except LookupError:
        aggregates = None
    return summary_stats(frames, casualty_aggregates=aggregates)


def print_summary(summary: dict[str, Any]) -> None:
    """The totals of :func:`store_summary` as a table with units on standard output."""
    victims, funding, release = summary["victims"], summary["funding"], summary["land_release"]
    since = f" since {victims['since']}" if victims.get("since") else " (victim records)"
    _table(
        "Headline figures",
        ["figure", "value"],
        [
            [f"casualties{since} (people)", f"{victims['total']:,}"],
            [
                "  children under 18 / women / killed (people)",
                f"{victims['children']:,} / {victims['women']:,} / {victims['killed']:,}",
            ],
            ["funding (US$)", f"{funding['total_usd']:,.0f}"],
            ["foreign share of funding", _pct(funding["foreign_share"])],
            ["land released (ha)", f"{release['released_ha']:,.1f}"],
            [
                "cost per m2 released (US$/m2)",
                "n/a"
                if release["cost_per_m2_usd"] != release["cost_per_m2_usd"]
                else f"{release['cost_per_m2_usd']:.2f}",
            ],
        ],
    )


COMMANDS: list[click.Command] = [records_group, alerts_command, quality_command, report_command]
