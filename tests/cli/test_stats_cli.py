"""`mineaction stats`: counts per kind plus victims, funding and land-release totals (JSON and table)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from mineaction.cli.main import cli


def _store(tmp_path: Path) -> str:
    from mineaction.store import init_store

    path = str(tmp_path / "stats.gpkg")
    victims = pd.DataFrame(
        [
            {"id": "VI-000001", "accident": "AC-000001", "age": 12, "sex": "male", "outcome": "killed"},
            {"id": "VI-000002", "accident": "AC-000001", "age": 34, "sex": "female", "outcome": "injured"},
            {"id": "VI-000003", "accident": "AC-000002", "age": 40, "sex": "male", "outcome": "injured"},
        ]
    )
    funding = pd.DataFrame(
        [
            {
                "id": "FU-000001",
                "donor": "State budget",
                "donor_kind": "national_state",
                "year": 2023,
                "amount_usd": 9_400_000.0,
            },
            {
                "id": "FU-000002",
                "donor": "A foreign government",
                "donor_kind": "foreign_government",
                "year": 2023,
                "amount_usd": 600_000.0,
            },
        ]
    )
    with init_store(path) as store:
        store.write("victims", victims, author="test", reason="stats test")
        store.write("funding", funding, author="test", reason="stats test")
    return path


def test_stats_json_has_counts_victims_and_foreign_share(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["stats", _store(tmp_path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["records"]["victims"] == 3 and payload["records"]["finds"] == 0
    assert payload["victims"]["total"] == 3
    assert payload["victims"]["children"] == 1
    assert payload["victims"]["women"] == 1
    assert payload["victims"]["killed"] == 1
    assert abs(payload["funding"]["foreign_share"] - 0.06) < 1e-9
    shares = payload["intervals"]
    assert (shares["killed_share"]["k"], shares["killed_share"]["n"]) == (1, 3)
    assert shares["killed_share"]["low"] < 1 / 3 < shares["killed_share"]["high"]
    assert shares["foreign_share"]["share"] == payload["funding"]["foreign_share"]


def test_stats_table_shows_units(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["stats", _store(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "US$" in result.output and "6 % (" in result.output
    assert "33 % (6–79 %, n = 3)" in result.output  # killed share with its interval and count
