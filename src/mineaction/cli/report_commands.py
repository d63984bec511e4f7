"""Command of the report: ``mineaction report STORE --out DIR`` writes the offline HTML report."""

from __future__ import annotations

from pathlib import Path

import click

from mineaction.cli._common import open_snapshot, progress, settings_option

__all__ = ["COMMANDS"]


@click.command("report")
@click.argument("store", metavar="STORE")
@settings_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write.")
def report_command(store: str, settings_path: str | None, out_dir: str) -> None:
    """Write the HTML report (DIR/index.html with charts and maps as PNG beside it); opens offline."""
    from mineaction.report import build_report
    from mineaction.workflows import report_data

    with progress("building the report"), open_snapshot(store, settings_path) as snap:
        data = report_data(snap)
    index = build_report(data, Path(out_dir))
    click.echo(f"report written: {index}")


COMMANDS: list[click.Command] = [report_command]
