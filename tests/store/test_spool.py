"""The on-disk memory of writes in batches: counts and first rows across a spill to disk, and repeats numbered
across calls as within one."""

from __future__ import annotations

import numpy as np

from mineaction.store.keys import RepeatNumbers, SpooledRepeatNumbers
from mineaction.store.spool import Spool, int_keys


def test_counts_and_first_rows_survive_a_spill_to_disk() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 400, size=3_000)  # many repeats
    with Spool(memory_keys=50) as spool:  # spills every few calls
        counts: dict[int, int] = {}
        firsts: dict[int, int] = {}
        for start in range(0, len(keys), 100):
            part = keys[start : start + 100]
            rows = np.arange(start, start + len(part)) + 1
            seen, first = spool.lookup(part)
            assert seen.tolist() == [counts.get(k, 0) for k in part.tolist()]
            assert first.tolist() == [firsts.get(k, -1) for k in part.tolist()]
            spool.add(part, rows)
            for k, row in zip(part.tolist(), rows.tolist(), strict=True):
                counts[k] = counts.get(k, 0) + 1
                firsts.setdefault(k, row)
        assert spool._db is not None  # the spill happened


def test_spooled_repeats_number_like_one_write() -> None:
    distinct = [
        bytes(row).hex() for row in np.random.default_rng(5).integers(0, 256, size=(300, 16), dtype=np.uint8)
    ]
    keys = [distinct[i] for i in np.random.default_rng(6).integers(0, 300, size=2_000).tolist()]
    whole = RepeatNumbers().number(keys)
    with SpooledRepeatNumbers() as spooled:
        batched = [
            key for start in range(0, len(keys), 170) for key in spooled.number(keys[start : start + 170])
        ]
    assert batched == whole
    assert len(set(batched)) == len(keys)  # every repeat got a key of its own


def test_int_keys_are_stable_and_tell_texts_apart() -> None:
    first = int_keys(["EO-000001", "EO-000002", "EO-000001"])
    assert first[0] == first[2] != first[1]
    assert int_keys(["EO-000001"])[0] == first[0]


def test_lookups_of_any_size_compile_few_statements() -> None:
    """Each distinct SQL text is a statement the connection keeps (100 KB or more for a long IN list):
    lookups of 300 different sizes must not make 300 texts."""
    with Spool(memory_keys=10) as spool:
        spool.add(np.arange(1_000, dtype=np.int64))  # spilled: later lookups query the disk
        assert spool._db is not None
        lengths: set[int] = set()  # the trace shows values in place of the placeholders: count them
        spool._db.set_trace_callback(lambda sql: lengths.add(sql.count(",")))
        for size in range(1, 301):
            seen, _ = spool.lookup(np.arange(size, dtype=np.int64) * 3)
            assert seen.tolist() == [1 if k < 1_000 else 0 for k in (np.arange(size) * 3).tolist()]
        assert 0 < len(lengths) <= 8
