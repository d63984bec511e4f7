"""Records on disk and their sort in bounded memory: every record kept, in key order, whatever the clusters
are."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.store.recordfile import RecordFile, python_rows, sort_records

RECORD = np.dtype([("key", "<f8"), ("n", "<i8")])


def _records(keys: np.ndarray) -> np.ndarray:
    records = np.empty(len(keys), dtype=RECORD)
    records["key"], records["n"] = keys, np.arange(len(keys))
    return records


def _key(records: np.ndarray) -> np.ndarray:
    return records["key"]


def test_records_read_back_as_written_in_any_slices() -> None:
    records = _records(np.linspace(0, 1, 1_000))
    with RecordFile(RECORD) as file:
        for start in range(0, 1_000, 300):
            file.append(records[start : start + 300])
        assert len(file) == 1_000
        assert (file.read(0, 2_000) == records).all()  # a read past the end stops at it
        assert (np.concatenate([part for _, part in file.chunks(size=77)]) == records).all()
        file.write(10, records[:5])
        assert (file.read(10, 5) == records[:5]).all() and len(file) == 1_000


def _mixed_keys(seed: int) -> np.ndarray:
    """Spread keys, a dense cluster of distinct keys, a block of equal keys and one far outlier."""
    rng = np.random.default_rng(seed)
    return rng.permutation(
        np.concatenate(
            [
                rng.uniform(-180, 180, 20_000),
                45 + rng.uniform(0, 1e-9, 15_000),
                np.full(12_000, 3.25),
                [1e300],
            ]
        )
    )


@pytest.mark.parametrize("limit", [100, 5_000, 1_000_000])
def test_sort_keeps_every_record_in_key_order(limit: int) -> None:
    records = _records(_mixed_keys(3))
    with RecordFile(RECORD) as file:
        file.append(records)
        with sort_records(file, _key, memory_records=limit, chunk=4_096) as ordered:
            out = ordered.read(0, len(ordered))
    assert len(out) == len(records)
    assert (np.diff(out["key"]) >= 0).all()
    assert (np.sort(out["n"]) == np.arange(len(records))).all()  # each record once, none made up


def test_sorting_nothing_gives_nothing() -> None:
    with RecordFile(RECORD) as file, sort_records(file, _key) as ordered:
        assert len(ordered) == 0


def test_python_rows_gives_every_row_once_as_python_values() -> None:
    keys, counts = np.arange(10, dtype=np.int64) * 7, np.arange(10, dtype=np.int64)
    rows = list(python_rows(keys, counts, step=3))  # slices of 3, 3, 3 and 1
    assert rows == [(7 * i, i) for i in range(10)]
    assert all(type(v) is int for row in rows for v in row)
    assert list(python_rows(keys[:0], counts[:0])) == []
