"""Persistence behind one contract: GeoPackage (embedded default), PostgreSQL/PostGIS (server), memory (tests)."""

from mineaction.store.base import Store, WriteResult

__all__ = ["Store", "WriteResult"]
