"""The packed R*Tree bulk load: valid for SQLite, answers box queries exactly, keeps working after edits."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from mineaction.store.recordfile import RecordFile
from mineaction.store.rtree import (
    CELL_RECORD,
    cell_records,
    load_rtree,
    load_rtree_from_file,
    outward_float32,
)


def _tree(
    n: int, seed: int = 1, *, on_disk: bool = False, stacked: int = 0
) -> tuple[sqlite3.Connection, np.ndarray]:
    """A tree of ``n`` random boxes near Azerbaijan (and ``stacked`` more, all equal), packed in memory or
    from a file with a small memory budget (so the sort on disk and the slice-by-slice packing run)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    rng = np.random.default_rng(seed)
    x, y, w = rng.uniform(46, 47.5, n), rng.uniform(39, 40.5, n), rng.uniform(0, 0.01, n)
    boxes = np.vstack(
        [np.column_stack([x, x + w, y, y + w]), np.tile([46.7, 46.7, 39.7, 39.7], (stacked, 1))]
    )
    ids = np.arange(1, len(boxes) + 1)
    conn.execute("BEGIN")
    if on_disk:
        with RecordFile(CELL_RECORD) as cells:
            for start in range(0, len(ids), 10_000):
                part = slice(start, start + 10_000)
                cells.append(cell_records(ids[part], outward_float32(boxes[part])))
            load_rtree_from_file(conn, "r", cells, memory_records=1_000)
    else:
        load_rtree(conn, "r", ids, boxes)
    conn.execute("COMMIT")
    return conn, boxes


@pytest.mark.parametrize(
    ("n", "on_disk", "stacked"),
    [(0, False, 0), (1, False, 0), (51, False, 0), (52, False, 0), (2_700, False, 0), (140_000, False, 0)]
    + [(0, True, 0), (900, True, 0), (60_000, True, 0), (30_000, True, 20_000)],
)
def test_packed_tree_is_valid_and_exact(n: int, on_disk: bool, stacked: int) -> None:
    conn, boxes = _tree(n, on_disk=on_disk, stacked=stacked)
    assert conn.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM r").fetchone()[0] == len(boxes)
    for q in ((46.5, 46.6, 39.5, 39.6), (46.0, 47.5, 39.0, 40.5), (10.0, 11.0, 10.0, 11.0)):
        got = sorted(
            r[0]
            for r in conn.execute(
                "SELECT id FROM r WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?", q
            )
        )
        hit = (boxes[:, 1] >= q[0]) & (boxes[:, 0] <= q[1]) & (boxes[:, 3] >= q[2]) & (boxes[:, 2] <= q[3])
        assert got == (np.flatnonzero(hit) + 1).tolist()


def test_edits_after_a_bulk_load_keep_the_tree_valid() -> None:
    conn, _ = _tree(20_000)
    conn.execute("BEGIN")
    conn.executemany("DELETE FROM r WHERE id = ?", [(i,) for i in range(1, 20_000, 3)])
    conn.executemany(
        "INSERT INTO r VALUES (?, 46.1, 46.2, 39.1, 39.2)", [(i,) for i in range(30_000, 31_000)]
    )
    conn.execute("COMMIT")
    assert conn.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM r").fetchone()[0] == 20_000 - 6_667 + 1_000


def test_float32_boxes_contain_the_float64_ones() -> None:
    boxes = np.array([[46.123456789, 46.123456789, 39.987654321, 39.987654321], [0.1, 0.3, -0.7, -0.2]])
    rounded = outward_float32(boxes).astype(np.float64)
    assert (rounded[:, [0, 2]] <= boxes[:, [0, 2]]).all() and (rounded[:, [1, 3]] >= boxes[:, [1, 3]]).all()
    assert np.allclose(rounded, boxes, atol=1e-5)
