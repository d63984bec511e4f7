"""IN lists of a few fixed lengths: every value asked for, in order, padded with a repeat of the last."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mineaction.store import init_store
from mineaction.store.inlists import IN_LIST_SIZE, in_lists


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 500, 899, 900, 901, 2_345])
def test_lists_hold_every_value_once_in_order_and_pad_with_the_last(n: int) -> None:
    values = [f"id-{i}" for i in range(n)]
    lists = list(in_lists(values))
    assert len(lists) == -(-n // IN_LIST_SIZE)
    given = []
    for marks, params in lists:
        assert marks.count("?") == len(params)
        assert len(params) in {8, 16, 32, 64, 128, 256, 512, IN_LIST_SIZE}
        real = list(dict.fromkeys(params))  # the padding only repeats the last value
        assert params[len(real) :] == [real[-1]] * (len(params) - len(real))
        given += real
    assert given == values


def test_a_padded_list_selects_the_same_rows() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(0, 3_000, 3)])
    wanted = list(range(1_000, 2_003))
    found = [
        k
        for marks, part in in_lists(wanted)
        for (k,) in db.execute(f"SELECT k FROM t WHERE k IN ({marks})", part)
    ]
    assert sorted(found) == [k for k in wanted if k % 3 == 0]


def test_a_write_in_batches_of_any_size_keeps_few_statement_texts(tmp_path: Path) -> None:
    """Each batch of a write in batches looks its keys up with IN lists; batches of 60 different sizes must
    not leave 60 texts per query in the connection's statement cache."""
    lengths: dict[str, set[int]] = {}

    def seen(sql: str) -> None:  # the trace shows values in place of the placeholders: count them
        for shape, values in re.findall(r"(\w+ IN )\(([^()]*)\)", sql):
            lengths.setdefault(shape, set()).add(values.count(",") + 1)

    with init_store(tmp_path / "store.gpkg") as store:
        store._conn.set_trace_callback(seen)  # type: ignore[attr-defined]
        with store.batched_writes():
            for size in range(1, 61):
                finds = gpd.GeoDataFrame(
                    {"category": ["AP"] * size, "found_on": ["2023-04-05"] * size},
                    geometry=[Point(46.5 + i / 1000, 39.6 + size / 1000) for i in range(size)],
                    crs=4326,
                )
                store.write("finds", finds, author="test", reason="batches of every size")
        assert len(store.read("finds")) == sum(range(1, 61))
    assert lengths  # the lookups were seen
    assert all(len(sizes) <= 4 for sizes in lengths.values()), lengths  # 8, 16, 32, 64 at most
