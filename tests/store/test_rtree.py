"""The packed R*Tree bulk load: valid for SQLite, answers box queries exactly, keeps working after edits."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from mineaction.store.rtree import load_rtree, outward_float32


def _tree(n: int, seed: int = 1) -> tuple[sqlite3.Connection, np.ndarray]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    rng = np.random.default_rng(seed)
    x, y, w = rng.uniform(46, 47.5, n), rng.uniform(39, 40.5, n), rng.uniform(0, 0.01, n)
    boxes = np.column_stack([x, x + w, y, y + w])
    conn.execute("BEGIN")
    load_rtree(conn, "r", np.arange(1, n + 1), boxes)
    conn.execute("COMMIT")
    return conn, boxes


@pytest.mark.parametrize("n", [0, 1, 51, 52, 2_700, 140_000])
def test_packed_tree_is_valid_and_exact(n: int) -> None:
    conn, boxes = _tree(n)
    assert conn.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM r").fetchone()[0] == n
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
