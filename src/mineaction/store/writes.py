"""Decide what a write does, row by row but vectorised: insert, update (new revision) or nothing.

The rules (``Store.write``): a row whose ``source`` and ``source_ref`` (the source system's own id) belong
to a live record is that record; a row whose ``id`` is live and whose content key (or ``source_ref``)
differs is an update; the same content changes nothing; an unknown ``id`` is inserted under it. A row
without ``id`` or ``source_ref`` is matched by content key against live records and the rest of the frame:
known content is skipped, new content gets the kind's next readable id; a row with an unknown
``source_ref`` is a new record.
``recorded_at`` dates the revision; when it is missing (or, for an update, the same as the stored one: a
correction made now) the write time is used and stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mineaction.domain.schema import EntitySchema
from mineaction.errors import InputError
from mineaction.store.codec import EncodedFrame
from mineaction.store.keys import KeySet

__all__ = ["IdLog", "KnownRecords", "WritePlan", "adopt_referenced_ids", "check_unique_ids", "plan_write"]

_SEPARATOR = "\u001f"


@dataclass
class KnownRecords:
    """Live records a write may touch: id -> (content key, recorded_at text, source_ref), (source,
    source_ref) -> id, and live content keys.

    A large write loads the live keys once and keeps them current across its chunks with ``remember``.
    """

    by_id: dict[str, tuple[str, str | None, str | None]]
    keys: KeySet
    by_ref: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]], keys: KeySet | None = None) -> KnownRecords:
        """From rows of (id, content key, recorded_at text, source, source_ref); ``keys`` are the live
        content keys when known (else those of ``rows``)."""
        by_id = {r[0]: (r[1], r[2], r[4]) for r in rows}
        by_ref = {(r[3] or "", r[4]): r[0] for r in rows if r[4] is not None}
        return cls(by_id, keys if keys is not None else KeySet(r[1] for r in rows), by_ref)

    def remember(self, encoded: EncodedFrame, plan: WritePlan) -> None:
        """Add the keys ``plan`` wrote (a replaced key may stay: at worst a later row repeating content that
        an update of the same write just replaced is skipped)."""
        rows = np.concatenate([plan.insert_rows, plan.update_rows]).astype(np.int64)
        self.keys.add(np.asarray(encoded.content_keys, dtype=object)[rows].tolist())


class IdLog:
    """The ids a large write reports, kept as one text per chunk (about 11 bytes an id, where a Python string
    takes about 60) until the write returns them."""

    def __init__(self) -> None:
        self._parts: list[str | list[str]] = []

    def extend(self, ids: list[str]) -> None:
        """Append ``ids`` (a chunk whose ids contain the separator is kept as a list)."""
        if not ids:
            return
        text = _SEPARATOR.join(ids)
        self._parts.append(text if text.count(_SEPARATOR) == len(ids) - 1 else list(ids))

    def to_tuple(self) -> tuple[str, ...]:
        """Every id appended, in order (each chunk's text is dropped as soon as it is split)."""
        return tuple(itertools.chain.from_iterable(self._drain()))

    def _drain(self) -> Iterator[list[str]]:
        self._parts.reverse()
        while self._parts:
            part = self._parts.pop()
            yield part.split(_SEPARATOR) if isinstance(part, str) else part


@dataclass
class WritePlan:
    """Which rows of an encoded frame to insert and update, their ids, and the revision times."""

    insert_rows: list[int]
    update_rows: list[int]
    inserted_ids: list[str]
    updated_ids: list[str]
    unchanged: int
    next_number: int | None


def check_unique_ids(kind: str, ids: pd.Series) -> None:
    """Raise InputError naming the first id given on more than one row (empty ids are not compared)."""
    ids = ids.astype("str")
    ids = ids.where(ids.str.strip().str.len() > 0)
    given = ids[ids.notna()]
    dup = given[given.duplicated(keep=False)]
    if not dup.empty:
        rows = dup.index[dup == dup.iloc[0]].tolist()
        raise InputError(
            f"{kind}: id {dup.iloc[0]!r} appears in rows {rows[:5]}; give each record one row "
            "(or leave id empty to have one assigned)"
        )


def _highest_number(prefix: str, ids: pd.Series) -> int:
    numbers = ids.astype("str").str.extract(rf"^{prefix}-(\d+)$", expand=False).dropna()
    return int(numbers.astype("int64").max()) if not numbers.empty else 0


def _fill(values: list[Any], rows: np.ndarray, value: Any) -> list[Any]:
    """``values`` with the missing ones among ``rows`` set to ``value``."""
    array = np.asarray(values, dtype=object) if values else np.empty(0, dtype=object)
    array[rows & pd.isna(array)] = value
    return list(array.tolist())


def _fresh_ids(prefix: str, first: int, count: int) -> np.ndarray:
    numbers = pd.Series(np.arange(first, first + count), dtype="int64").astype("str").str.zfill(6)
    return np.asarray((prefix + "-" + numbers).to_numpy(dtype=object), dtype=object)


def _stored_values(ids: np.ndarray, has_id: np.ndarray, known: KnownRecords) -> list[np.ndarray]:
    """Stored content key, recorded_at text and source_ref of each row's id (None where the id is not
    live)."""
    with_id = np.flatnonzero(has_id)
    missing: tuple[None, None, None] = (None, None, None)
    found = [known.by_id.get(i, missing) for i in ids[with_id]]
    stored = [np.full(len(ids), None, dtype=object) for _ in range(3)]
    for j, column in enumerate(stored):
        if found:
            column[with_id] = [f[j] for f in found]
    return stored


def adopt_referenced_ids(
    kind: str, ids: np.ndarray, sources: list[Any], refs: list[Any], known: KnownRecords
) -> None:
    """Give each row whose (source, source_ref) belongs to a live record that record's id, in ``ids``;
    raise InputError where a row's own id names another record."""
    for row in np.flatnonzero(pd.notna(np.asarray(refs, dtype=object))).tolist():
        owner = known.by_ref.get((sources[row] or "", refs[row]))
        if owner is None:
            continue
        if ids[row] is not None and ids[row] != owner:
            raise InputError(
                f"{kind} row {row + 1}: source_ref {refs[row]!r} (source {sources[row]!r}) belongs to "
                f"{owner}, but the row's id is {ids[row]}; give that record's id, or another reference"
            )
        ids[row] = owner


def _classify(ids: pd.Series, keys: pd.Series, refs: pd.Series, known: KnownRecords) -> dict[str, np.ndarray]:
    """Boolean masks over the rows: ``update``, ``insert_with_id``, ``new`` (no id: unseen content, or a
    reference not yet stored), and ``stored_recorded`` (the stored recorded_at of live ids)."""
    has_id, has_ref = ids.notna().to_numpy(), refs.notna().to_numpy()
    stored_key, stored_recorded, stored_ref = _stored_values(ids.to_numpy(), has_id, known)
    live = has_id & pd.notna(stored_key)
    in_store = known.keys.contains(keys.tolist())
    if has_id.any():  # content given under an id elsewhere in the frame
        in_store |= keys.isin(set(keys[has_id])).to_numpy()
    duplicate = in_store | keys.where(~has_id).duplicated().to_numpy()
    new_reference = has_ref & (stored_ref != refs.to_numpy())
    return {
        "update": live & ((stored_key != keys.to_numpy()) | new_reference),
        "insert_with_id": has_id & ~live,
        "new": ~has_id & (~duplicate | has_ref),  # a row under its own reference is never matched by content
        "stored_recorded": stored_recorded,
    }


def plan_write(
    schema: EntitySchema,
    encoded: EncodedFrame,
    known: KnownRecords,
    next_number: int,
    *,
    now: str,
    source_doc: str | None,
) -> WritePlan:
    """Plan the write of ``encoded`` against the ``known`` live records.

    Fills, in ``encoded``, the ids of new records, missing ``recorded_at`` (``now``) and missing
    ``source_doc`` (the write's ``source_doc``).
    """
    id_values = np.asarray(encoded.columns["id"], dtype=object)
    refs = encoded.columns["source_ref"]
    adopt_referenced_ids(schema.kind, id_values, encoded.columns["source"], refs, known)
    encoded.columns["id"] = id_values.tolist()
    ids = pd.Series(id_values, dtype=object)
    check_unique_ids(schema.kind, ids)
    keys = pd.Series(encoded.content_keys, dtype=object)
    rows = _classify(ids, keys, pd.Series(refs, dtype=object), known)
    update, insert_with_id, new = rows["update"], rows["insert_with_id"], rows["new"]

    first = max(next_number, _highest_number(schema.prefix, ids[insert_with_id]) + 1)
    fresh = _fresh_ids(schema.prefix, first, int(new.sum()))
    id_values[new] = fresh
    encoded.columns["id"] = id_values.tolist()

    recorded = np.asarray(encoded.columns["recorded_at"], dtype=object)
    if update.any():  # the same recorded_at as stored: a correction made now
        recorded[update & (recorded == rows["stored_recorded"])] = now
    changing = update | insert_with_id | new
    encoded.columns["recorded_at"] = _fill(recorded.tolist(), changing, now)
    if source_doc is not None:
        encoded.columns["source_doc"] = _fill(encoded.columns["source_doc"], changing, source_doc)

    inserting = insert_with_id | new
    next_after = first + len(fresh)
    return WritePlan(
        insert_rows=np.flatnonzero(inserting).tolist(),
        update_rows=np.flatnonzero(update).tolist(),
        inserted_ids=id_values[inserting].tolist(),
        updated_ids=id_values[update].tolist(),
        unchanged=int(len(ids) - inserting.sum() - update.sum()),
        next_number=next_after if next_after != next_number else None,
    )
