"""The init, import, export and stats commands: help, output, JSON, one-line errors and exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MINEACTION = Path(sys.executable).parent / "mineaction"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MINEACTION), *args], capture_output=True, text=True, check=False)


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    result = CliRunner().invoke(cli, ["init", str(path)])
    assert result.exit_code == 0, result.output
    assert "area of interest lon 44.5 to 50.9" in result.output
    return path


@pytest.mark.parametrize("command", ["init", "import", "export", "stats"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Usage: cli " + command in result.output


def test_import_stats_export(store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        cli,
        [
            "import",
            str(store),
            str(EXAMPLES / "finds_illustrative.csv"),
            "--kind",
            "finds",
            "--author",
            "ana",
            "--reason",
            "weekly",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "24 inserted, 0 updated, 0 unchanged, 0 rejected" in done.output
    again = runner.invoke(
        cli, ["import", str(store), str(EXAMPLES / "finds_illustrative.csv"), "--kind", "finds", "--json"]
    )
    assert json.loads(again.output)["kinds"]["finds"] == {
        "read": 24,
        "inserted": 0,
        "updated": 0,
        "unchanged": 24,
        "rejected": 0,
    }
    stats = json.loads(runner.invoke(cli, ["stats", str(store), "--json"]).output)
    assert stats["records"]["finds"] == 24 and stats["total"] == 24
    assert "finds" in runner.invoke(cli, ["stats", str(store)]).output
    out = tmp_path / "finds.geojson"
    exported = runner.invoke(cli, ["export", str(store), str(out), "--kind", "finds"])
    assert exported.exit_code == 0 and "finds 24" in exported.output
    assert pyogrio.read_info(out)["features"] == 24


def test_import_in_batches(store: Path) -> None:
    runner = CliRunner()
    args = ["import", str(store), str(EXAMPLES / "finds_illustrative.csv"), "--kind", "finds"]
    done = runner.invoke(cli, [*args, "--batch-rows", "5", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["kinds"]["finds"]["inserted"] == 24
    again = runner.invoke(cli, [*args, "--batch-rows", "7", "--json"])
    assert json.loads(again.output)["kinds"]["finds"]["unchanged"] == 24
    refused = runner.invoke(cli, [*args, "--batch-rows", "0"])
    assert refused.exit_code != 0 and "--batch-rows" in refused.output


def test_mapping_import_and_csv_export_folder(store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        cli,
        [
            "import",
            str(store),
            str(EXAMPLES / "ordnance_report_illustrative.csv"),
            "--mapping",
            str(EXAMPLES / "mappings" / "ordnance_report.yaml"),
        ],
    )
    assert done.exit_code == 0, done.output
    exported = runner.invoke(cli, ["export", str(store), str(tmp_path / "out"), "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    table = pd.read_csv(tmp_path / "out" / "finds.csv")
    assert len(table) == 12 and set(table["category"]) == {"AP", "AT", "UXO"}
    years = pd.read_csv(EXAMPLES / "ordnance_report_illustrative.csv")["Year found"]
    assert sorted(table["found_on"]) == sorted(f"{y}-07-01" for y in years)
    assert table["wkt"].str.startswith("POINT").all()


def test_invalid_file_exits_non_zero_with_one_line_and_store_unchanged(store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("category,found_on,lon,lat\nAP,2022-01-01,46.9,39.9\nAP,2022-01-01,39.9,46.9\n")
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    done = run("import", str(store), str(bad), "--kind", "finds")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bad.csv: import refused, nothing stored")
    assert "bad.csv row 2, geometry" in lines[0] and "swap" in lines[0]
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_skip_invalid_writes_rejects_and_issues(store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("category,found_on,lon,lat\nAP,2022-01-01,46.9,39.9\nmine,2022-01-01,46.8,39.9\n")
    rejects, issues = tmp_path / "rejects.csv", tmp_path / "issues.csv"
    done = run(
        "import",
        str(store),
        str(bad),
        "--kind",
        "finds",
        "--skip-invalid",
        "--rejects",
        str(rejects),
        "--issues",
        str(issues),
    )
    assert done.returncode == 0, done.stderr
    assert "1 inserted" in done.stdout and "1 rejected" in done.stdout
    assert pd.read_csv(rejects)[["row", "field"]].values.tolist() == [[2, "category"]]
    assert pd.read_csv(issues)["severity"].tolist() == ["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "{tmp}/missing.gpkg"], "no store at"),
        (["init", "{tmp}/x.gpkg", "--aoi", "1,2,3"], "--aoi '1,2,3' is not west,south,east,north"),
        (["import", "{store}", "{tmp}/none.csv", "--kind", "finds"], "none.csv: no such file"),
        (["import", "{store}", "{examples}/finds_illustrative.csv"], "give --kind"),
        (["export", "{store}", "{tmp}/out.xyz"], "cannot tell the format"),
    ],
)
def test_errors_are_one_line_and_non_zero(store: Path, tmp_path: Path, args: list[str], message: str) -> None:
    filled = [a.format(tmp=tmp_path, store=store, examples=EXAMPLES) for a in args]
    done = run(*filled)
    assert done.returncode != 0
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_skip_invalid_with_every_row_rejected_exits_non_zero(store: Path, tmp_path: Path) -> None:
    source = tmp_path / "elsewhere.csv"
    source.write_text("category,found_on,lon,lat\nAP,2022-05-01,-74.1,4.6\nAT,2022-05-02,-75.5,6.2\n")
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    done = run(
        "import",
        str(store),
        str(source),
        "--kind",
        "finds",
        "--skip-invalid",
        "--rejects",
        str(tmp_path / "r.csv"),
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith(
        "error: elsewhere.csv: nothing stored: every one of the 2 rows"
    )
    assert "mineaction init STORE --aoi W,S,E,N" in line
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
