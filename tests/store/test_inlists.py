"""IN lists of a few fixed lengths: every value asked for, in order, padded with a repeat of the last."""

from __future__ import annotations

import sqlite3

import pytest

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
