"""Commands that create, fill, export and count a store: ``init``, ``import``, ``export``, ``stats``."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from mineaction.cli._common import (
    echo_json,
    json_option,
    open_snapshot,
    print_table,
    progress,
    settings_option,
)
from mineaction.domain.schema import ENTITIES
from mineaction.errors import ConfigError, ValidationError
from mineaction.settings import load_settings

if TYPE_CHECKING:
    from mineaction.io.importer import ImportResult

__all__ = ["COMMANDS", "export_command", "import_command", "init_command", "stats_command"]

_KINDS = click.Choice(list(ENTITIES))
_stdout = Console(soft_wrap=True)  # writes to whatever sys.stdout is at print time


def _parse_aoi(text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        aoi = tuple(float(v) for v in text.split(","))
    except ValueError:
        aoi = ()
    if len(aoi) != 4 or not (aoi[0] < aoi[2] and aoi[1] < aoi[3]):
        raise ConfigError(
            f"--aoi {text!r} is not west,south,east,north in degrees; e.g. 44.5,38.3,50.9,41.95"
        )
    return aoi


@click.command("init")
@click.argument("store")
@click.option(
    "--aoi",
    metavar="W,S,E,N",
    help="area of interest in degrees (WGS84); default: the aoi setting (Azerbaijan)",
)
def init_command(store: str, aoi: str | None) -> None:
    """Create a store (a new GeoPackage file STORE.gpkg, or a PostGIS database URL)."""
    from mineaction.store import init_store

    area = _parse_aoi(aoi) or load_settings().aoi
    with init_store(store, aoi=area) as created:
        counts = created.counts()
    click.echo(
        f"store ready: {store} (area of interest lon {area[0]:g} to {area[2]:g}, lat {area[1]:g} to "
        f"{area[3]:g}; {sum(counts.values()):,} records)"
    )


def _counts_table(result: object) -> Table:
    table = Table("kind", "read", "inserted", "updated", "unchanged", "rejected", title="records (rows)")
    for kind, c in result.counts.items():  # type: ignore[attr-defined]
        table.add_row(
            kind, *(f"{getattr(c, k):,}" for k in ("read", "inserted", "updated", "unchanged", "rejected"))
        )
    return table


@click.command("import")
@click.argument("store")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=_KINDS, help="kind of record in FILE (not needed with a mapping or an export)")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML column mapping (see docs/import.md)",
)
@click.option(
    "--skip-invalid", is_flag=True, help="store the valid rows; write the rejected ones to --rejects"
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="rejects CSV (default: FILE's name + .rejects.csv in the current folder)",
)
@click.option(
    "--issues",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write every validation issue (errors and warnings) to this CSV",
)
@click.option(
    "--crs",
    help="CRS of the file's coordinates, e.g. EPSG:32638 (default: as the file declares, EPSG:4326 for CSV)",
)
@click.option(
    "--encoding",
    help="encoding of the file's text, e.g. windows-1251 (default: UTF-8, or the one detected, with a note)",
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    help="import in batches of this many rows (memory bounded by the batch; files over 50 MiB always are)",
)
@click.option("--author", help="who imports (kept in the history; default: the author setting or your login)")
@click.option("--reason", default="import", show_default=True, help="why (kept in the history)")
@click.option("--json", "as_json", is_flag=True, help="print the counts as JSON")
def import_command(
    store: str,
    file: Path,
    kind: str | None,
    mapping: Path | None,
    skip_invalid: bool,
    rejects: Path | None,
    issues: Path | None,
    crs: str | None,
    encoding: str | None,
    batch_rows: int | None,
    author: str | None,
    reason: str,
    as_json: bool,
) -> None:
    """Import FILE (GeoJSON, GeoPackage, Shapefile, CSV, KML) into STORE, validated; all or nothing unless
    --skip-invalid."""
    from mineaction.io.importer import import_file
    from mineaction.store import open_store

    who = author or _default_author()
    with open_store(store) as target, progress(f"importing {file.name}", total=3) as advance:
        try:
            result = import_file(
                target,
                file,
                kind=kind,
                mapping=mapping,
                skip_invalid=skip_invalid,
                rejects_path=rejects,
                crs=crs,
                encoding=encoding,
                author=who,
                reason=reason,
                on_stage=lambda _: advance(),
                batch_rows=batch_rows,
            )
        except ValidationError as exc:
            if issues is not None and exc.report is not None:
                exc.report.to_frame().to_csv(issues, index=False)
            raise
    if issues is not None:
        result.report.to_frame().to_csv(issues, index=False)
    _print_import(result, file, as_json=as_json)


def _print_import(result: ImportResult, file: Path, *, as_json: bool) -> None:
    for note in result.notes:  # what reading assumed (an encoding, a CRS): worth a look, on stderr
        click.echo(f"note: {note}", err=True)
    if as_json:
        echo_json(result.to_dict())
        return
    _stdout.print(_counts_table(result))
    click.echo(
        f"{file.name}: {result.total('inserted'):,} inserted, {result.total('updated'):,} updated, "
        f"{result.total('unchanged'):,} unchanged, {result.total('rejected'):,} rejected, "
        f"{result.unrouted:,} rows mapped to no kind; {result.report.n_warnings:,} warning(s)"
    )
    if result.rejects_path:
        click.echo(f"rejected rows and their reasons: {result.rejects_path}")


def _default_author() -> str:
    configured = load_settings().author
    if configured != "mineaction":
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return configured


@click.command("export")
@click.argument("store")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--kind", "kinds", type=_KINDS, multiple=True, help="kind to export (repeat; default: all)")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gpkg", "geojson", "csv"]),
    help="default: from OUT's suffix; a folder gets one file per kind",
)
@click.option("--include-personal", is_flag=True, help="include victims' names and contacts")
def export_command(
    store: str, out: Path, kinds: tuple[str, ...], fmt: str | None, include_personal: bool
) -> None:
    """Export the current records of STORE to OUT (GeoPackage, GeoJSON or CSV, in WGS84)."""
    from mineaction.io.writers import export_store
    from mineaction.store import open_store

    with (
        open_store(store) as source,
        progress(f"exporting to {out.name}", total=len(kinds) or None) as advance,
    ):
        written = export_store(
            source,
            out,
            kinds=kinds or None,
            format=fmt,
            include_personal=include_personal,
            on_kind=lambda _: advance(),
        )
    listed = ", ".join(f"{k} {n:,}" for k, n in written.items()) or "nothing (the store is empty)"
    click.echo(f"exported to {out}: {listed} records")


@click.command("stats")
@click.argument("store")
@json_option
@settings_option
def stats_command(store: str, as_json: bool, settings_path: str | None) -> None:
    """Count the live records of every kind in STORE, with victims, funding and land release totals."""
    from mineaction.workflows import summarise_store

    with open_snapshot(store, settings_path) as snap:
        result = summarise_store(snap)
    if as_json:
        echo_json(result.to_dict())
        return
    table = Table("kind", "records", title=f"{store}")
    for kind, n in result.records.items():
        table.add_row(kind, f"{n:,}")
    table.add_row("total", f"{result.total:,}")
    _stdout.print(table)
    _print_totals(result)


def _print_totals(result: Any) -> None:
    from mineaction.workflows import format_share

    victims, funding, release = result.victims, result.funding, result.land_release
    shares = result.intervals
    since = f" since {victims['since']}" if victims.get("since") else " (victim records)"
    cost = release["cost_per_m2_usd"]
    print_table(
        "Headline figures",
        ["figure", "value"],
        [
            [f"casualties{since} (people)", f"{victims['total']:,}"],
            [
                "  children under 18 / women / killed (people)",
                f"{victims['children']:,} / {victims['women']:,} / {victims['killed']:,}",
            ],
            ["  killed share (95 % interval, count)", format_share(shares["killed_share"])],
            ["  children's share", format_share(shares["children_share"])],
            ["  women's share", format_share(shares["women_share"])],
            ["funding (US$)", f"{funding['total_usd']:,.0f}"],
            ["foreign share of funding (95 % interval, grants)", format_share(shares["foreign_share"])],
            ["land released (ha)", f"{release['released_ha']:,.1f}"],
            ["cost per m2 released (US$/m2)", "n/a" if cost != cost else f"{cost:.2f}"],
        ],
    )


COMMANDS: list[click.Command] = [init_command, import_command, export_command, stats_command]
