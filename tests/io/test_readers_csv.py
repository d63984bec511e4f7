"""CSV files as they arrive: other delimiters, a 10 MB cell, curved, garbage and EWKT geometries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mineaction.errors import ValidationError
from mineaction.io import import_file
from mineaction.io.readers import PROBLEM_COLUMN, read_csv
from mineaction.store import init_store, open_store

AZERBAIJAN = (44.5, 38.3, 50.9, 41.95)
WHO = {"author": "tester", "reason": "csv test"}


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    init_store(path, aoi=AZERBAIJAN).close()
    return path


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolons_tabs_and_bars_are_read_from_the_header(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "finds.csv"
    rows = [["category", "found_on", "lon", "lat"], ["AP", "2022-05-01", "46.9", "39.9"]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    frame = read_csv(path)
    assert frame["category"].tolist() == ["AP"] and frame.geometry.x.tolist() == [46.9]


def test_a_10_mb_cell_is_read_and_refused_with_its_value_cut(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "funding.csv"
    huge = "9" * (10 * 2**20)
    path.write_text(
        f"donor,donor_kind,year,amount_usd\nA,private,2022,{huge}\nB,private,2022,5\n", encoding="utf-8"
    )
    with open_store(store_path) as store, pytest.raises(ValidationError) as refused:
        import_file(store, path, kind="funding", **WHO)
    message = str(refused.value)
    assert "funding.csv row 1, amount_usd = '99999" in message and "(10485760 characters)" in message
    assert len(message) < 2_000


def test_curved_garbage_and_foreign_ewkt_geometries_are_row_errors(tmp_path: Path, store_path: Path) -> None:
    square = "POLYGON ((46.9 39.9, 46.91 39.9, 46.91 39.91, 46.9 39.91, 46.9 39.9))"
    wkts = [
        square,
        "CURVEPOLYGON (CIRCULARSTRING (46.9 39.9, 46.95 39.95, 47 39.9, 46.95 39.85, 46.9 39.9))",
        "POLYGON ((46.9 39.9, banana",
        "SRID=32638;POINT (580000 4420000)",
        "SRID=4326;" + square.replace("46.9 ", "46.8 "),
    ]
    path = tmp_path / "areas.csv"
    frame = pd.DataFrame({"hazard_kind": "SHA", "status": "open", "wkt": wkts})
    frame.to_csv(path, index=False)
    read = read_csv(path)
    assert [p[1] if p else None for p in read[PROBLEM_COLUMN]] == [
        None,
        "a curved or surface geometry, which mineaction does not store",
        "not readable WKT",
        "an EWKT in SRID 32638",
        None,
    ]
    with open_store(store_path) as store:
        with pytest.raises(
            ValidationError, match=r"areas.csv row 2, geometry: a curved .*linearise it first"
        ):
            import_file(store, path, kind="hazardous_areas", **WHO)
        result = import_file(store, path, kind="hazardous_areas", skip_invalid=True, **WHO)
        assert result.counts["hazardous_areas"].inserted == 2 and result.total("rejected") == 3
    assert pd.read_csv(result.rejects_path)["row"].tolist() == [2, 3, 4]
