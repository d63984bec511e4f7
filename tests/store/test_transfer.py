"""Rows between back ends in one canonical form, and table checksums that do not depend on row order."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mineaction.errors import InputError
from mineaction.store import open_store
from mineaction.store.catalog import describe_tables
from mineaction.store.transfer import Checksum, Plan, plan_columns, read_chunks, table_checksum

_PLAN = Plan("t", ("a", "b", "c", "d"), ("int", "float", "bool", "text"), ("a",), (None,) * 4)


def _checksum(rows: list[tuple[object, ...]], chunk: int) -> Checksum:
    checksum = Checksum()
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        checksum.add(_PLAN, [list(c) for c in zip(*part, strict=True)])
    return checksum


def test_checksums_ignore_order_and_chunks_but_see_every_value() -> None:
    rows = [(i, i / 3, i % 2 == 0, f"row {i}") for i in range(50)] + [(99, float("nan"), None, None)]
    reference = _checksum(rows, 7)
    assert reference.rows == 51
    assert _checksum(rows[::-1], 50) == reference  # order and chunking do not matter
    assert _checksum(rows + [rows[0]], 7) != reference  # a repeated row counts
    changed = [*rows[:-1], (99, float("nan"), False, None)]
    assert _checksum(changed, 7) != reference
    assert _checksum([(1, 0.1 + 0.2, True, "x")], 1) != _checksum([(1, 0.3, True, "x")], 1)  # exact floats
    # booleans stored as integers (SQLite) and as booleans (PostgreSQL) are the same values
    assert _checksum([(1, 1.0, 1, "x")], 1) == _checksum([(1, 1.0, True, "x")], 1)


def test_dates_written_by_another_program_are_read_canonically_or_refused() -> None:
    with open_store("memory://") as store:
        store.write(  # type: ignore[attr-defined]
            "finds",
            gpd.GeoDataFrame(
                {"category": ["AP", "AT"], "found_on": ["2023-04-30"] * 2},
                geometry=[Point(46.5, 39.5)] * 2,
                crs=4326,
            ),
            author="a",
            reason="r",
        )
        store.execute(  # type: ignore[attr-defined]
            "UPDATE finds SET found_on = '2023-05-01 00:00:00', "
            "recorded_at = '2023-05-01 10:00:00.123456+02:00' WHERE id = 'EO-000001'"
        )
        table = describe_tables(store, ["finds"])[0]  # type: ignore[arg-type]
        plan = plan_columns(table, table)
        rows = next(read_chunks(store, plan))  # type: ignore[arg-type]
        found, recorded = rows[plan.columns.index("found_on")], rows[plan.columns.index("recorded_at")]
        assert found[0] == "2023-05-01" and recorded[0] == "2023-05-01T08:00:00.123456Z"
        assert table_checksum(store, plan).rows == 2  # type: ignore[arg-type]
        store.execute("UPDATE finds SET found_on = 'soon' WHERE id = 'EO-000002'")  # type: ignore[attr-defined]
        with pytest.raises(InputError, match="table finds column found_on: 'soon' is not a date"):
            table_checksum(store, plan)  # type: ignore[arg-type]
