"""Decide what a write does, row by row but vectorised: insert, update (new revision) or nothing.

The rules (``Store.write``): a row whose ``id`` is live and whose content key differs is an update; the same
content changes nothing; an unknown ``id`` is inserted under it. A row without ``id`` is matched by content key
against live records and the rest of the frame: known content is skipped, new content gets the kind's next
readable id. ``recorded_at`` dates the revision; when it is missing (or, for an update, the same as the stored
one: a correction made now) the write time is used and stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mineaction.domain.schema import EntitySchema, format_id
from mineaction.errors import InputError
from mineaction.store.codec import EncodedFrame

__all__ = ["WritePlan", "plan_write"]


@dataclass
class WritePlan:
    """Which rows of an encoded frame to insert and update, their ids, and the revision times."""

    insert_rows: list[int]
    update_rows: list[int]
    inserted_ids: list[str]
    updated_ids: list[str]
    unchanged: int
    next_number: int | None


def _check_unique(kind: str, ids: pd.Series) -> None:
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


def _fill(values: list[Any], rows: np.ndarray, value: Any) -> None:
    for i in np.flatnonzero(rows):
        if values[i] is None:
            values[i] = value


def plan_write(
    schema: EntitySchema,
    encoded: EncodedFrame,
    stored: dict[str, tuple[str, str | None]],
    next_number: int,
    *,
    now: str,
    source_doc: str | None,
) -> WritePlan:
    """Plan the write of ``encoded`` against ``stored`` (live id -> (content key, recorded_at text)).

    Fills, in ``encoded``, the ids of new records, missing ``recorded_at`` (``now``) and missing
    ``source_doc`` (the write's ``source_doc``).
    """
    ids = pd.Series(encoded.columns["id"], dtype=object)
    _check_unique(schema.kind, ids)
    keys = pd.Series(encoded.content_keys, dtype=object)
    has_id = ids.notna().to_numpy()
    stored_key = ids.map({i: k for i, (k, _) in stored.items()})
    known = has_id & stored_key.notna().to_numpy()
    update = known & (stored_key != keys).to_numpy()
    insert_with_id = has_id & ~known
    seen = set(keys[has_id]) | {k for k, _ in stored.values()}
    no_id = ~has_id
    duplicate = keys.isin(seen).to_numpy() | keys.where(no_id).duplicated().to_numpy()
    new = no_id & ~duplicate

    first = max(next_number, _highest_number(schema.prefix, ids[insert_with_id]) + 1)
    fresh = [format_id(schema.prefix, n) for n in range(first, first + int(new.sum()))]
    id_values = encoded.columns["id"]
    for i, value in zip(np.flatnonzero(new), fresh, strict=True):
        id_values[i] = value
    next_after = first + len(fresh)

    recorded = encoded.columns["recorded_at"]
    stored_recorded = ids.map({i: r for i, (_, r) in stored.items()})
    stale = update & (pd.Series(recorded, dtype=object) == stored_recorded).to_numpy()
    for i in np.flatnonzero(stale):
        recorded[i] = now
    _fill(recorded, update | insert_with_id | new, now)
    if source_doc is not None:
        _fill(encoded.columns["source_doc"], update | insert_with_id | new, source_doc)

    inserting = insert_with_id | new
    return WritePlan(
        insert_rows=np.flatnonzero(inserting).tolist(),
        update_rows=np.flatnonzero(update).tolist(),
        inserted_ids=[id_values[i] for i in np.flatnonzero(inserting)],
        updated_ids=[id_values[i] for i in np.flatnonzero(update)],
        unchanged=int(len(ids) - inserting.sum() - update.sum()),
        next_number=next_after if next_after != next_number else None,
    )
