"""Reading people's personal data: only with the explicit permission, always audited.

``read_personal`` and ``get_personal`` are the one way front ends read the personal fields of the people
kinds (names, dates of birth, contacts, medical details; ``rules.people_kinds()``): they check ``require(
principal, "read_personal", kind)`` (a ``grant`` rule: the user must hold the permission explicitly, and a
token must carry it) and read inside ``acting_as(principal)``, so the store logs a ``read_personal`` entry
naming the principal and the records. Everyone else gets the records without those fields, or aggregates.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from mineaction.access.audit import acting_as
from mineaction.access.principal import Principal, require
from mineaction.store import Store
from mineaction.store.audit import current_origin

__all__ = ["get_personal", "read_personal"]


def _acting(principal: Principal) -> contextlib.AbstractContextManager[Any]:
    """The caller's ``acting_as`` block if it is for ``principal``, else one for it."""
    if current_origin().actor == principal.name:
        return contextlib.nullcontext()
    return acting_as(principal)


def read_personal(
    store: Store,
    principal: Principal,
    kind: str,
    *,
    ids: Sequence[str] | None = None,
    as_of: date | datetime | None = None,
) -> pd.DataFrame:
    """Records of ``kind`` (those of ``ids`` if given) with their personal fields.

    Raises
    ------
    NotAuthenticated, PermissionDenied
        The principal may not read personal data of ``kind``.
    """
    require(principal, "read_personal", kind)
    require(principal, "read", kind)
    with _acting(principal):
        frame = store.read(kind, as_of=as_of, include_personal=True)
    if ids is not None:
        frame = frame[frame["id"].isin(list(ids))].reset_index(drop=True)
    return frame


def get_personal(
    store: Store, principal: Principal, kind: str, record_id: str, *, as_of: date | datetime | None = None
) -> dict[str, Any]:
    """One record of ``kind`` with its personal fields (see ``read_personal``)."""
    require(principal, "read_personal", kind)
    require(principal, "read", kind)
    with _acting(principal):
        return store.get(kind, record_id, as_of=as_of, include_personal=True)
