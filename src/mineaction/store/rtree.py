"""Bulk-load a SQLite R*Tree spatial index by writing its node tables directly (sort-tile-recursive packing).

Inserting a million boxes one by one into an R*Tree costs tens of seconds; packing them with STR (sort by x
into vertical slices, by y within a slice, fill nodes in that order, repeat one level up) and writing the
``<name>_node``, ``<name>_parent`` and ``<name>_rowid`` tables takes about a second and gives a better tree.
The node layout is SQLite's (``ext/rtree/rtree.c``): a node is a blob of the tree's node size; it starts
with the
tree depth (root only) and the cell count as big-endian 16-bit integers, then cells of a big-endian 64-bit id
(rowid in leaves, child node number above) and 2 x 2 big-endian 32-bit floats (minx, maxx, miny, maxy),
rounded
outwards so every box contains its geometry. ``rtreecheck()`` validates the result in the tests.

Works for 2-dimensional REAL R*Trees (``USING rtree(id, minx, maxx, miny, maxy)``, the GeoPackage layout).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator

import numpy as np

__all__ = ["load_rtree", "outward_float32"]

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])


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


def _number(levels: list[tuple[np.ndarray, np.ndarray]], capacity: int) -> list[np.ndarray]:
    """Node numbers per level (root is 1) and the child ids of upper levels rewritten to those numbers."""
    counts = [math.ceil(len(ids) / capacity) for ids, _ in levels]
    numbers: list[np.ndarray] = []
    next_number = 2
    for count in counts[:-1]:
        numbers.append(np.arange(next_number, next_number + count, dtype=np.int64))
        next_number += count
    numbers.append(np.array([1], dtype=np.int64))
    for level in range(1, len(levels)):
        ids, boxes = levels[level]
        levels[level] = (numbers[level - 1][ids], boxes)
    return numbers


def _node_rows(
    levels: list[tuple[np.ndarray, np.ndarray]], numbers: list[np.ndarray], capacity: int, size: int
) -> Iterator[tuple[int, bytes]]:
    """(node number, node blob) of every node, built one at a time (never all blobs at once)."""
    depth = len(levels) - 1
    for (cell_ids, cell_boxes), node_numbers in zip(levels, numbers, strict=True):
        for k, number in enumerate(node_numbers.tolist()):
            part = slice(k * capacity, (k + 1) * capacity)
            cells = np.empty(len(cell_ids[part]), dtype=_CELL)
            cells["id"], cells["box"] = cell_ids[part], cell_boxes[part]
            head = (depth if number == 1 else 0).to_bytes(2, "big") + len(cells).to_bytes(2, "big")
            yield number, (head + cells.tobytes()).ljust(size, b"\0")


def load_rtree(conn: sqlite3.Connection, name: str, ids: np.ndarray, boxes: np.ndarray) -> None:
    """Replace the content of the (2-D) R*Tree ``name`` with ``ids`` and their ``boxes`` [minx, maxx, miny,
    maxy].

    Runs inside the caller's transaction; ``boxes`` in float64 are rounded outwards to float32 (float32
    boxes, e.g. from ``outward_float32``, are taken as they are). ``ids`` and float32 ``boxes`` are put in
    the tree's order in place, to hold one copy of them only: pass arrays you no longer need.
    """
    size = int(conn.execute(f"SELECT length(data) FROM {name}_node WHERE nodeno = 1").fetchone()[0])
    capacity = (size - 4) // _CELL.itemsize
    conn.execute(f"DELETE FROM {name}_node")
    conn.execute(f"DELETE FROM {name}_parent")
    conn.execute(f"DELETE FROM {name}_rowid")
    boxes32 = boxes if boxes.dtype == np.float32 else outward_float32(np.asarray(boxes, dtype=np.float64))
    levels = (
        _levels(np.asarray(ids, dtype=np.int64), boxes32, capacity)
        if len(ids)
        else [(np.zeros(0, np.int64), np.zeros((0, 4), np.float32))]
    )
    del boxes32
    numbers = _number(levels, capacity)
    parents: list[tuple[int, int]] = []
    for level in range(1, len(levels)):
        cell_ids, node_numbers = levels[level][0], numbers[level]
        parents.extend(
            zip(cell_ids.tolist(), np.repeat(node_numbers, capacity)[: len(cell_ids)].tolist(), strict=True)
        )
    conn.executemany(
        f"INSERT INTO {name}_node (nodeno, data) VALUES (?, ?)", _node_rows(levels, numbers, capacity, size)
    )
    leaf_ids = levels[0][0]
    levels.clear()  # the boxes are in the nodes now
    by_rowid = np.argsort(leaf_ids, kind="stable")  # appending in key order is several times faster
    leaf_nodes = np.repeat(numbers[0], capacity)[by_rowid]
    leaf_ids[:] = leaf_ids[by_rowid]
    del by_rowid
    conn.executemany(f"INSERT INTO {name}_parent (nodeno, parentnode) VALUES (?, ?)", parents)
    conn.executemany(f"INSERT INTO {name}_rowid (rowid, nodeno) VALUES (?, ?)", _pairs(leaf_ids, leaf_nodes))


def _pairs(first: np.ndarray, second: np.ndarray, step: int = 65_536) -> Iterator[tuple[int, int]]:
    """Rows of two integer arrays as Python tuples, a slice at a time (never a million ints at once)."""
    for start in range(0, len(first), step):
        yield from zip(
            first[start : start + step].tolist(), second[start : start + step].tolist(), strict=True
        )
