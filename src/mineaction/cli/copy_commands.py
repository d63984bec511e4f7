"""Commands that move whole stores: ``copy`` (between back ends, history included), ``backup`` and ``restore``
(while the store is in use)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from mineaction.cli._common import echo_json, progress

__all__ = ["COMMANDS", "backup_command", "copy_command", "restore_command"]

_stdout = Console(soft_wrap=True)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")


def _rows_table(title: str, rows: dict[str, int], checksums: dict[str, str] | None = None) -> Table:
    """Rows by table (with checksums when given: every table; else the tables that hold rows)."""
    table = Table("table", "rows", *(["checksum"] if checksums else []), title=title)
    for name, n in rows.items():
        if n or checksums:
            table.add_row(name, f"{n:,}", *([checksums[name]] if checksums else []))
    empty = sum(1 for n in rows.values() if not n)
    if empty and not checksums:
        table.add_row(f"({empty} empty tables)", "0")
    table.add_row("total", f"{sum(rows.values()):,}", *([""] if checksums else []))
    return table


@click.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option("--replace", is_flag=True, help="Replace everything in a DESTINATION that already holds data.")
@_JSON
def copy_command(source: str, destination: str, replace: bool, as_json: bool) -> None:
    """Copy the whole store SOURCE into DESTINATION (a .gpkg path or a postgresql:// URL): every record,
    every history revision, every document version, the settings and the id counters, checked table by
    table."""
    from mineaction.store import copy_store

    with progress(f"copying {source}") as advance:
        result = copy_store(source, destination, replace=replace, on_table=lambda _t, _n: advance())
    if as_json:
        echo_json(result.to_dict())
        return
    rows = {t.table: t.rows for t in result.tables}
    _stdout.print(_rows_table("copied (rows)", rows, {t.table: t.checksum for t in result.tables}))
    for table, reason in result.left_behind.items():
        click.echo(f"not copied: {table} ({reason})")
    upgraded = (
        f"; schema upgraded from version {result.source_version}"
        if result.source_version != result.schema_version
        else ""
    )
    click.echo(
        f"copied {result.rows:,} rows in {len(result.tables)} tables from {result.source} to "
        f"{result.destination} in {result.seconds:.1f} s; counts and checksums match"
        f"{'; the data there before was replaced' if result.replaced else ''}{upgraded}"
    )


@click.command("backup")
@click.argument("store")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--overwrite", is_flag=True, help="Replace FILE if it exists (once the new backup is complete)."
)
@click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    default=60.0,
    show_default=True,
    help="Seconds to wait for a lock another program holds before giving up (nothing is written).",
)
@_JSON
def backup_command(store: str, file: Path, overwrite: bool, lock_wait: float, as_json: bool) -> None:
    """Back up STORE into FILE while it is in use: SQLite's online backup for a GeoPackage (FILE is a
    GeoPackage), pg_dump's custom format for PostGIS."""
    from mineaction.store import backup_store

    with progress(f"backing up {store}"):
        result = backup_store(store, file, overwrite=overwrite, lock_wait_s=lock_wait)
    if as_json:
        echo_json(result.to_dict())
        return
    _stdout.print(_rows_table("in the backup (rows)", result.rows))
    click.echo(
        f"backed up {result.store} to {result.file} ({result.method}, schema version "
        f"{result.schema_version}, {result.size_bytes / 2**20:,.1f} MiB) in {result.seconds:.1f} s"
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("store")
@click.option("--replace", is_flag=True, help="Replace everything in a STORE that already holds data.")
@_JSON
def restore_command(file: Path, store: str, replace: bool, as_json: bool) -> None:
    """Restore the backup FILE into STORE (a .gpkg path or a postgresql:// URL) in one transaction: a failed
    restore leaves STORE as it was."""
    from mineaction.store import restore_store

    with progress(f"restoring {file.name}"):
        result = restore_store(file, store, replace=replace)
    if as_json:
        echo_json(result.to_dict())
        return
    _stdout.print(_rows_table("restored (rows)", result.rows))
    upgraded = (
        f"; schema upgraded from version {result.backup_version}"
        if result.backup_version != result.schema_version
        else ""
    )
    click.echo(
        f"restored {result.file} into {result.store} ({result.method}) in {result.seconds:.1f} s"
        f"{'; the data there before was replaced' if result.replaced else ''}{upgraded}"
    )


COMMANDS: list[click.Command] = [copy_command, backup_command, restore_command]
