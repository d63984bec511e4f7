"""The store contract: what every back end (GeoPackage, PostGIS, memory) must do, and nothing about how.

A store keeps, for every kind of record in ``mineaction.domain.schema.ENTITIES``:

- the **current state**, one row per live record (a GeoPackage layer / PostGIS table named after the kind, so
  QGIS and GDAL open it directly);
- the **history**, append-only: one revision per insert, update and delete, with who (``author``), when
  (``changed_at``, the information's ``recorded_at`` or the write time), why (``reason``) and the source
  document.
  Nothing is ever overwritten there, so ``read(kind, as_of=D)`` can rebuild what was known on date D.

Every write is a transaction: it lands whole or not at all. Writes made inside ``with store.transaction():``
land together. Writing the same content twice adds nothing (content keys).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

__all__ = ["Store", "WriteResult"]


@dataclass(frozen=True)
class WriteResult:
    """What one write did: ids inserted, ids updated (a new revision), and rows that changed nothing."""

    kind: str
    inserted: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return len(self.inserted) + len(self.updated)


class Store(ABC):
    """One store of mine action information; open one with ``mineaction.store.open_store(url)``."""

    url: str

    # --- reading -------------------------------------------------------------------------------------------

    @abstractmethod
    def read(
        self, kind: str, *, as_of: date | datetime | None = None, include_personal: bool = False
    ) -> pd.DataFrame:
        """Records of ``kind`` as a frame with the schema's columns (a GeoDataFrame in EPSG:4326 for kinds
        with a geometry); ``as_of`` gives the state known at the end of that day (or at that instant);
        personal fields (victims' names, contacts) are empty unless ``include_personal``."""

    @abstractmethod
    def get(
        self,
        kind: str,
        record_id: str,
        *,
        as_of: date | datetime | None = None,
        include_personal: bool = False,
    ) -> dict[str, Any]:
        """One record as a dict (geometry as a shapely object, missing values None); raises NotFoundError if
        absent (or not yet known / already deleted ``as_of``)."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of live records of every kind, all kinds listed (0 when empty)."""

    def last_change(self, kind: str) -> int | None:
        """A number that grows with every change to the records of ``kind`` (an insert, update or delete),
        for caches of what is made from them; None when it cannot be told now (then cache nothing).

        Read it before what it keys: a change landing in between then leaves a newer entry under an older
        number, never an older entry under a newer one.
        """
        return None

    @abstractmethod
    def history(
        self, kind: str, record_id: str | None = None, *, include_personal: bool = False
    ) -> pd.DataFrame:
        """Every revision of ``kind`` (or of one record), oldest first, with columns ``revision``, ``op``
        (insert, update, delete), ``changed_at``, ``author``, ``reason``, ``revision_source_doc``, then the
        record's fields as they were after that revision (personal fields empty unless asked)."""

    # --- writing -------------------------------------------------------------------------------------------

    @abstractmethod
    def write(
        self, kind: str, frame: pd.DataFrame, *, author: str, reason: str, source_doc: str | None = None
    ) -> WriteResult:
        """Insert or update records from a frame with the schema's columns.

        The frame is validated first with the store's settings (``mineaction.store.guard``; a frame sealed
        by validation with the same settings is not checked twice): any error raises ``ValidationError``
        and nothing is written. A row whose ``source`` and ``source_ref`` belong to a live record is that
        record. Rows with an ``id`` that exists and whose content differs become a new revision (update);
        the same content changes nothing. Rows with an unknown ``id`` are inserted under it. Rows with no
        ``id`` are matched by content key (a hash of their fields and geometry): already stored content is
        skipped, new content gets the next readable id. A row's ``recorded_at`` (else the write time) dates
        the revision.
        """

    @abstractmethod
    def delete(
        self, kind: str, ids: Sequence[str], *, author: str, reason: str, source_doc: str | None = None
    ) -> int:
        """Delete live records (their history stays); returns how many were deleted; unknown ids raise
        NotFoundError and delete nothing."""

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Group writes: everything inside lands together or, on an exception, not at all."""

    def batched_writes(self) -> contextlib.AbstractContextManager[None]:
        """One write made of many ``write`` calls (an import in batches), in one transaction: it lands whole
        or not at all, and identical rows are told apart across the calls as they are within one call."""
        return self.transaction()

    # --- settings and documents ----------------------------------------------------------------------------

    @abstractmethod
    def get_setting(self, key: str, default: Any = None) -> Any:
        """A JSON value stored with the data (e.g. ``"aoi"``: [west, south, east, north] in degrees)."""

    @abstractmethod
    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON value with the data."""

    @abstractmethod
    def save_document(
        self, collection: str, key: str, payload: dict[str, Any], *, author: str, reason: str
    ) -> None:
        """Save a JSON document (a plan, a model card) under ``collection``/``key``; saving again keeps the
        previous versions."""

    @abstractmethod
    def load_document(self, collection: str, key: str) -> dict[str, Any]:
        """The latest version of a document; raises NotFoundError if absent."""

    @abstractmethod
    def list_documents(self, collection: str) -> list[str]:
        """Keys of the documents in ``collection``, oldest first."""

    @abstractmethod
    def save_file(
        self, collection: str, key: str, data: bytes, *, media_type: str, author: str, reason: str
    ) -> Any:
        """Keep bytes under ``collection``/``key`` (written once: the same bytes again change nothing, other
        bytes under a used key are refused); returns the stored file."""

    @abstractmethod
    def load_file(self, collection: str, key: str) -> Any:
        """The file kept under ``collection``/``key`` (``data``, ``media_type``, ``size``, ``sha256``);
        raises NotFoundError if absent."""

    @abstractmethod
    def list_files(self, collection: str) -> list[str]:
        """Keys of the files in ``collection``, oldest first."""

    @abstractmethod
    def close(self) -> None:
        """Release connections and files."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def kinds(self) -> Iterator[str]:
        from mineaction.domain.schema import ENTITIES

        return iter(ENTITIES)
