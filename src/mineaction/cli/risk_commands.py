"""Commands of mineaction.risk (being built; see the issue that delivers them)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
