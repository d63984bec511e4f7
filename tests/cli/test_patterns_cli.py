"""``mineaction patterns``: JSON equal to the job's result, tables with units, one line for a bad area;
``mineaction quality`` carries the release check unless told not to."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from twin_store import twin_store  # noqa: E402

from mineaction.cli.main import cli  # noqa: E402
from mineaction.errors import InputError  # noqa: E402
from mineaction.store import open_store  # noqa: E402
from mineaction.workflows import analyse_patterns  # noqa: E402


@pytest.fixture(scope="module")
def store(tiny_twin: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    return twin_store(tiny_twin, tmp_path_factory.mktemp("patterns-cli") / "twin.gpkg")


def test_json_is_the_result_of_the_job(store: tuple[str, dict[str, str]]) -> None:
    path, picked = store
    out = CliRunner().invoke(
        cli, ["patterns", path, "--area", picked["working"], "--json"], catch_exceptions=False
    )
    assert out.exit_code == 0, out.output
    with open_store(path) as opened:
        expected = analyse_patterns(opened, area=picked["working"]).to_dict()
    assert json.loads(out.output) == json.loads(json.dumps(expected))


def test_tables_say_their_units(store: tuple[str, dict[str, str]]) -> None:
    path, picked = store
    listing = CliRunner().invoke(cli, ["patterns", path], catch_exceptions=False)
    assert listing.exit_code == 0 and "SIMULATED" in listing.output and "offset (m)" in listing.output
    detail = CliRunner().invoke(cli, ["patterns", path, "--area", picked["working"]], catch_exceptions=False)
    assert detail.exit_code == 0
    assert "spacing (m)" in detail.output and "Release check" in detail.output and "x (m)" in detail.output


def test_an_unknown_area_is_one_line_and_a_non_zero_exit(store: tuple[str, dict[str, str]]) -> None:
    path, _ = store
    out = CliRunner().invoke(cli, ["patterns", path, "--area", "HA-999999"])
    assert out.exit_code != 0 and isinstance(out.exception, InputError)
    assert "HA-999999" in str(out.exception) and "\n" not in str(out.exception)


def test_quality_carries_the_release_check_unless_told_not_to(store: tuple[str, dict[str, str]]) -> None:
    path, picked = store
    checked = CliRunner().invoke(cli, ["quality", path, "--json"], catch_exceptions=False)
    skipped = CliRunner().invoke(
        cli, ["quality", path, "--json", "--no-release-check"], catch_exceptions=False
    )
    assert checked.exit_code == 0 and skipped.exit_code == 0
    flagged = {
        i["id"] for i in json.loads(checked.output)["issues"] if i["check"] == "released with mines implied"
    }
    assert picked["record"] in flagged
    assert all(i["check"] != "released with mines implied" for i in json.loads(skipped.output)["issues"])
