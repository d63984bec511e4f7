"""What every command shares: common options, opening a store for a job, JSON, tables, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from mineaction.workflows import StoreSnapshot

__all__ = [
    "console",
    "echo_json",
    "json_option",
    "open_snapshot",
    "pct",
    "print_table",
    "progress",
    "settings_option",
]

console = Console(stderr=True)
# Tables go to standard output; when it is not a terminal (a pipe, a file) keep wide tables on one line.
_out = Console() if sys.stdout.isatty() else Console(width=160)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON on standard output."
)
settings_option = click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False, exists=True),
    help="YAML settings file (else defaults and MINEACTION_* variables; see docs/settings.md).",
)


def echo_json(payload: Any) -> None:
    """Print ``payload`` (a result's ``to_dict()`` or plain values) as indented JSON on standard output."""
    from mineaction.workflows import to_jsonable

    click.echo(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False))


@contextmanager
def open_snapshot(store_url: str, settings_path: str | None = None) -> Iterator[StoreSnapshot]:
    """Open the store at ``store_url`` for one job: a snapshot with the settings file (or defaults)."""
    from mineaction.settings import load_settings
    from mineaction.store import open_store
    from mineaction.workflows import StoreSnapshot

    settings = load_settings(settings_path)
    with open_store(store_url) as store:
        yield StoreSnapshot(store, settings=settings)


def pct(value: Any, digits: int = 1) -> str:
    """A share (0-1) as a percentage with its unit, ``n/a`` when missing."""
    return "n/a" if value is None or value != value else f"{100 * float(value):.{digits}f} %"


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A titled table on standard output (column names carry their units)."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[str(v) for v in row])
    _out.print(table)


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[..., None]]:
    """A rich progress bar on standard error (hidden when it is not a terminal)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda advance=1.0: bar.update(task, advance=advance)
