"""Bulk-load a SQLite R*Tree spatial index by writing its node tables directly (sort-tile-recursive packing).

Inserting a million boxes one by one into an R*Tree costs tens of seconds; packing them with STR (sort by x
into vertical slices, by y within a slice, fill nodes in that order, repeat one level up) and writing the
``<name>_node``, ``<name>_parent`` and ``<name>_rowid`` tables takes about a second and gives a better tree.
The node layout is SQLite's (``ext/rtree/rtree.c``): a node is a blob of the tree's node size; it starts
with the tree depth (root only) and the cell count as big-endian 16-bit integers, then cells of a big-endian
64-bit id (rowid in leaves, child node number above) and 2 x 2 big-endian 32-bit floats (minx, maxx, miny,
maxy), rounded outwards so every box contains its geometry. ``rtreecheck()`` validates the result in the
tests.

``load_rtree_from_file`` does the same for cells on disk, a slice at a time, for more cells than memory
should hold (a write in batches of ten million rows).

Works for 2-dimensional REAL R*Trees (``USING rtree(id, minx, maxx, miny, maxy)``, the GeoPackage layout).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator

import numpy as np

from mineaction.store.recordfile import MEMORY_RECORDS, RecordFile, python_rows, sort_records

__all__ = ["CELL_RECORD", "cell_records", "load_rtree", "load_rtree_from_file", "outward_float32"]

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])  # a cell as SQLite stores it in a node
CELL_RECORD = np.dtype([("id", "<i8"), ("box", "<f4", (4,))])  # a cell on disk, for load_rtree_from_file
_LEAF_RECORD = np.dtype([("rowid", "<i8"), ("node", "<i8")])


def outward_float32(boxes: np.ndarray) -> np.ndarray:
    """Boxes [minx, maxx, miny, maxy] as float32 rounded outwards (mins down, maxes up)."""
    out = boxes.astype(np.float32)
    low, high = out[:, [0, 2]], out[:, [1, 3]]
    low = np.where(low > boxes[:, [0, 2]], np.nextafter(low, np.float32(-np.inf)), low)
    high = np.where(high < boxes[:, [1, 3]], np.nextafter(high, np.float32(np.inf)), high)
    return np.column_stack([low[:, 0], high[:, 0], low[:, 1], high[:, 1]]).astype(np.float32)


def _str_order(boxes: np.ndarray, capacity: int) -> np.ndarray:
    """Sort-tile-recursive order of ``boxes`` for nodes of ``capacity`` cells: by x, cut into vertical
    slices of whole nodes, by y within each slice (one slice sorted at a time: few temporary arrays)."""
    n = len(boxes)
    nodes = math.ceil(n / capacity)
    per_slice = math.ceil(math.sqrt(nodes)) * capacity
    order = np.argsort(boxes[:, 0] + boxes[:, 1], kind="stable")
    cy = boxes[:, 2] + boxes[:, 3]
    for start in range(0, n, per_slice):
        part = order[start : start + per_slice]
        part[:] = part[np.argsort(cy[part], kind="stable")]
    return order


def _union(boxes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.column_stack(
        [
            np.minimum.reduceat(boxes[:, 0], starts),
            np.maximum.reduceat(boxes[:, 1], starts),
            np.minimum.reduceat(boxes[:, 2], starts),
            np.maximum.reduceat(boxes[:, 3], starts),
        ]
    )


def _levels(ids: np.ndarray, boxes: np.ndarray, capacity: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Packed levels bottom-up: each (cell ids, cell boxes) in node order, ``capacity`` cells per node."""
    levels = []
    while True:
        order = _str_order(boxes, capacity)
        ids[:] = ids[order]  # in place: a second copy of a million boxes would stay alive until the end
        boxes[:] = boxes[order]
        del order
        levels.append((ids, boxes))
        if len(ids) <= capacity:
            return levels
        starts = np.arange(0, len(ids), capacity)
        boxes = _union(boxes, starts)
        ids = np.arange(len(starts), dtype=np.int64)  # placeholder child numbers, renumbered in _number


def _number(levels: list[tuple[np.ndarray, np.ndarray]], capacity: int, first: int = 2) -> list[np.ndarray]:
    """Node numbers per level (from ``first`` on; the root is 1) and the child ids of upper levels rewritten
    to those numbers (level 0's cell ids are left as they are)."""
    counts = [math.ceil(len(ids) / capacity) for ids, _ in levels]
    numbers: list[np.ndarray] = []
    next_number = first
    for count in counts[:-1]:
        numbers.append(np.arange(next_number, next_number + count, dtype=np.int64))
        next_number += count
    numbers.append(np.array([1], dtype=np.int64))
    for level in range(1, len(levels)):
        ids, boxes = levels[level]
        levels[level] = (numbers[level - 1][ids], boxes)
    return numbers


def _node_rows(
    levels: list[tuple[np.ndarray, np.ndarray]],
    numbers: list[np.ndarray],
    capacity: int,
    size: int,
    depth: int,
) -> Iterator[tuple[int, bytes]]:
    """(node number, node blob) of every node, built one at a time (never all blobs at once); the root
    (number 1) carries the tree's ``depth``."""
    for (cell_ids, cell_boxes), node_numbers in zip(levels, numbers, strict=True):
        for k, number in enumerate(node_numbers.tolist()):
            part = slice(k * capacity, (k + 1) * capacity)
            cells = np.empty(len(cell_ids[part]), dtype=_CELL)
            cells["id"], cells["box"] = cell_ids[part], cell_boxes[part]
            head = (depth if number == 1 else 0).to_bytes(2, "big") + len(cells).to_bytes(2, "big")
            yield number, (head + cells.tobytes()).ljust(size, b"\0")


def _parent_rows(
    levels: list[tuple[np.ndarray, np.ndarray]], numbers: list[np.ndarray], capacity: int, first_level: int
) -> Iterator[tuple[int, int]]:
    """(child node, parent node) of the cells of the levels from ``first_level`` on (cells that are nodes), a
    slice at a time."""
    for level in range(first_level, len(levels)):
        cell_ids, node_numbers = levels[level][0], numbers[level]
        yield from python_rows(cell_ids, np.repeat(node_numbers, capacity)[: len(cell_ids)])


def _emptied(conn: sqlite3.Connection, name: str) -> tuple[int, int]:
    """Empty the R*Tree ``name``; its node size in bytes and cells per node."""
    size = int(conn.execute(f"SELECT length(data) FROM {name}_node WHERE nodeno = 1").fetchone()[0])
    conn.execute(f"DELETE FROM {name}_node")
    conn.execute(f"DELETE FROM {name}_parent")
    conn.execute(f"DELETE FROM {name}_rowid")
    return size, (size - 4) // _CELL.itemsize


def load_rtree(conn: sqlite3.Connection, name: str, ids: np.ndarray, boxes: np.ndarray) -> None:
    """Replace the content of the (2-D) R*Tree ``name`` with ``ids`` and their ``boxes`` [minx, maxx, miny,
    maxy].

    Runs inside the caller's transaction; ``boxes`` in float64 are rounded outwards to float32 (float32
    boxes, e.g. from ``outward_float32``, are taken as they are). ``ids`` and float32 ``boxes`` are put in
    the tree's order in place, to hold one copy of them only: pass arrays you no longer need.
    """
    size, capacity = _emptied(conn, name)
    boxes32 = boxes if boxes.dtype == np.float32 else outward_float32(np.asarray(boxes, dtype=np.float64))
    levels = (
        _levels(np.asarray(ids, dtype=np.int64), boxes32, capacity)
        if len(ids)
        else [(np.zeros(0, np.int64), np.zeros((0, 4), np.float32))]
    )
    del boxes32
    numbers = _number(levels, capacity)
    conn.executemany(
        f"INSERT INTO {name}_node (nodeno, data) VALUES (?, ?)",
        _node_rows(levels, numbers, capacity, size, depth=len(levels) - 1),
    )
    conn.executemany(
        f"INSERT INTO {name}_parent (nodeno, parentnode) VALUES (?, ?)",
        _parent_rows(levels, numbers, capacity, first_level=1),
    )
    leaf_ids = levels[0][0]
    levels.clear()  # the boxes are in the nodes now
    by_rowid = np.argsort(leaf_ids, kind="stable")  # appending in key order is several times faster
    leaf_nodes = np.repeat(numbers[0], capacity)[by_rowid]
    leaf_ids[:] = leaf_ids[by_rowid]
    del by_rowid
    conn.executemany(
        f"INSERT INTO {name}_rowid (rowid, nodeno) VALUES (?, ?)", python_rows(leaf_ids, leaf_nodes)
    )


def cell_records(ids: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``ids`` and their float32 ``boxes`` [minx, maxx, miny, maxy] as ``load_rtree_from_file`` takes them."""
    records = np.empty(len(ids), dtype=CELL_RECORD)
    records["id"], records["box"] = ids, boxes
    return records


def load_rtree_from_file(
    conn: sqlite3.Connection, name: str, cells: RecordFile, *, memory_records: int = MEMORY_RECORDS
) -> None:
    """``load_rtree`` for cells on disk (records of ``CELL_RECORD``, boxes as float32 rounded outwards), in
    memory bounded whatever their number.

    The same packing, done a part at a time: the cells are sorted by the centre's x on disk
    (``sort_records``), then each vertical slice is read, sorted by y and written as leaf nodes; only the
    leaves' boxes (one for up to 51 cells) stay in memory to pack the levels above. ``cells`` serves as
    scratch space: close it after. Up to ``memory_records`` cells are packed in memory by ``load_rtree``.
    """
    if len(cells) <= memory_records:
        records = cells.read(0, len(cells))
        load_rtree(conn, name, records["id"].copy(), records["box"].copy())
        return
    size, capacity = _emptied(conn, name)
    per_slice = math.ceil(math.sqrt(math.ceil(len(cells) / capacity))) * capacity
    leaf_numbers: list[np.ndarray] = []
    leaf_boxes: list[np.ndarray] = []
    next_leaf = 2  # the root is 1
    with (
        sort_records(cells, _x_centre, memory_records=memory_records) as by_x,
        RecordFile(_LEAF_RECORD) as leaf_of,
    ):
        for _, part in by_x.chunks(size=per_slice):
            part = part[np.argsort(_y_centre(part), kind="stable")]
            starts = np.arange(0, len(part), capacity)
            numbers = np.arange(next_leaf, next_leaf + len(starts), dtype=np.int64)
            next_leaf += len(starts)
            level = [(part["id"], part["box"])]
            conn.executemany(
                f"INSERT INTO {name}_node (nodeno, data) VALUES (?, ?)",
                _node_rows(level, [numbers], capacity, size, depth=0),
            )
            leaf_numbers.append(numbers)
            leaf_boxes.append(_union(part["box"], starts))
            leaf_of.append(_leaf_records(part["id"], np.repeat(numbers, capacity)[: len(part)]))
        by_x.close()  # its disk space is no longer needed for the rowid sort
        _load_upper(conn, name, np.concatenate(leaf_numbers), np.concatenate(leaf_boxes), capacity, size)
        with sort_records(
            leaf_of, _rowid, memory_records=memory_records
        ) as by_rowid:  # appending in key order is faster
            for _, part in by_rowid.chunks():
                conn.executemany(
                    f"INSERT INTO {name}_rowid (rowid, nodeno) VALUES (?, ?)",
                    python_rows(part["rowid"], part["node"]),
                )


def _load_upper(
    conn: sqlite3.Connection, name: str, leaves: np.ndarray, boxes: np.ndarray, capacity: int, size: int
) -> None:
    """Pack and write the nodes above the leaves (numbered ``leaves``, with their ``boxes``)."""
    levels = _levels(leaves, boxes, capacity)
    numbers = _number(levels, capacity, first=int(leaves.max()) + 1)
    conn.executemany(
        f"INSERT INTO {name}_node (nodeno, data) VALUES (?, ?)",
        _node_rows(levels, numbers, capacity, size, depth=len(levels)),
    )
    conn.executemany(
        f"INSERT INTO {name}_parent (nodeno, parentnode) VALUES (?, ?)",
        _parent_rows(levels, numbers, capacity, first_level=0),
    )


def _x_centre(records: np.ndarray) -> np.ndarray:
    return records["box"][:, 0].astype(np.float64) + records["box"][:, 1]


def _y_centre(records: np.ndarray) -> np.ndarray:
    return records["box"][:, 2].astype(np.float64) + records["box"][:, 3]


def _rowid(records: np.ndarray) -> np.ndarray:
    return records["rowid"]


def _leaf_records(rowids: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    records = np.empty(len(rowids), dtype=_LEAF_RECORD)
    records["rowid"], records["node"] = rowids, nodes
    return records
