"""The store's own wall around other organisations' records: what an acting principal may change.

Front ends check the access rules before they write (``mineaction.access.require``). Behind that, a store
write made inside ``acting(Origin(confine=...))`` is refused here when it would touch a record the acting
principal's organisation does not own, so a front end that forgets a check still cannot change another
organisation's records:

- ``confine=None``: any record (the national authority's verifiers and administrators, the command line);
- ``confine="OPA"``: only records whose ``owner_org`` is ``OPA``; new rows without an owner become ``OPA``'s;
- ``confine=""``: no record at all (principals that may only read or submit reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from mineaction.domain.schema import OWNER_FIELD, EntitySchema
from mineaction.errors import PermissionDenied
from mineaction.store.audit import Origin, current_origin
from mineaction.store.inlists import in_lists

if TYPE_CHECKING:
    from mineaction.store.sql import SQLStore

__all__ = ["confine_delete", "confine_write"]

_OWNER = OWNER_FIELD.name


def _refuse(origin: Origin, what: str) -> PermissionDenied:
    who = f"{origin.actor or 'this user'} ({origin.organisation or 'no organisation'})"
    return PermissionDenied(f"{who} may not change {what}")


def _stored_owners(store: SQLStore, kind: str, ids: Sequence[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for marks, chunk in in_lists(ids):
        found.update(store.query(f"SELECT id, {_OWNER} FROM {kind} WHERE id IN ({marks})", chunk))
    return found


def _check_stored(store: SQLStore, kind: str, ids: Sequence[str], origin: Origin) -> None:
    others = {i: o for i, o in _stored_owners(store, kind, ids).items() if o != origin.confine}
    if others:
        first = next(iter(others))
        owner = others[first] or "the national authority"
        raise _refuse(origin, f"{kind} {first}: it belongs to {owner}; submit a report instead")


def confine_write(store: SQLStore, schema: EntitySchema, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with empty owners filled in, or PermissionDenied when the acting origin may not write it."""
    origin = current_origin()
    if origin.confine is None:
        return frame
    if not origin.confine:
        raise _refuse(origin, f"{schema.kind} records directly; submit a report for approval")
    owners = frame[_OWNER] if _OWNER in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    owners = owners.where(owners.notna() & (owners.astype(str).str.strip() != ""), origin.confine)
    wrong = owners != origin.confine
    if wrong.any():
        row = int(wrong.to_numpy().nonzero()[0][0])
        raise _refuse(origin, f"{schema.kind} row {row + 1}: owner_org {owners.iloc[row]!r} is not theirs")
    if "id" in frame.columns:
        ids = [str(i) for i in frame["id"].dropna() if str(i).strip()]
        _check_stored(store, schema.kind, ids, origin)
    return frame.assign(**{_OWNER: owners})


def confine_delete(store: SQLStore, kind: str, ids: Sequence[str]) -> None:
    """PermissionDenied unless the acting origin may delete every record of ``ids``."""
    origin = current_origin()
    if origin.confine is None:
        return
    if not origin.confine:
        raise _refuse(origin, f"{kind} records directly; submit a report for approval")
    _check_stored(store, kind, ids, origin)
