"""What every command shares: turning errors into one line, JSON output, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["console", "echo_json", "progress", "to_jsonable"]

console = Console(stderr=True)


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for numpy, pandas and date values (NaN becomes null)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def echo_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on standard output."""
    click.echo(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False))


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Any]:
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
