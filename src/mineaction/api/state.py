"""What one server process holds: its settings, the store pool, the CRSs it offers and the collections it
publishes, and its cache of made vector tiles (keyed by the store's last change, so it never holds a tile
older than the record). Nothing else here changes while the process runs; sessions, jobs and limits live in
the store.

Collections are an explicit allowlist: the domain's kinds of record (``mineaction.domain.schema.ENTITIES``),
never raw tables (no history, settings, documents, accounts or tokens). Personal fields are never part of a
feature; who may read which collection is the access rules' decision (``mineaction.access``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mineaction.api.crs import CrsSet
from mineaction.domain.schema import ENTITIES, EntitySchema
from mineaction.errors import NotFoundError
from mineaction.settings import Settings
from mineaction.store.pool import StorePool
from mineaction.store.tiles import TileCache

__all__ = ["COLLECTION_TITLES", "ServerState"]

COLLECTION_TITLES = MappingProxyType(
    {
        "hazardous_areas": (
            "Hazardous areas",
            "Suspected and confirmed hazardous areas (SHA, CHA) and their status",
        ),
        "minefield_records": (
            "Minefield records",
            "Minefield records as handed over (CCW Amended Protocol II)",
        ),
        "activities": ("Activities", "Non-technical and technical survey, clearance, BAC, EOD and QA tasks"),
        "finds": (
            "Explosive ordnance finds",
            "Mines and other explosive ordnance found, with model and date",
        ),
        "accidents": ("Accidents", "Mine and ERW accidents: date, place, device, setting"),
        "victims": (
            "Victims",
            "Victims of accidents (no names or contacts: personal data is never published)",
        ),
        "risk_education": (
            "Risk education",
            "Explosive ordnance risk education sessions and who they reached",
        ),
        "survivor_needs": ("Survivors' needs", "Needs of survivors assessed (no personal details)"),
        "survivor_services": (
            "Services to survivors",
            "Services delivered to survivors (no personal details)",
        ),
        "funding": ("Funding", "Money given for mine action by donor, year and purpose (US$)"),
        "assets": ("Settlements and assets", "Settlements, roads and other assets blocked by contamination"),
        "operators": ("Operators", "Mine action operators and their capacity"),
        "admin_areas": ("Administrative areas", "Districts and settlements with their codes and names"),
        "context_layers": (
            "Context layers",
            "Reference geometry: former front line, roads, rivers, land cover",
        ),
    }
)


@dataclass(eq=False)
class ServerState:
    """One process's server: settings, store pool and CRSs."""

    settings: Settings
    pool: StorePool
    crs: CrsSet
    simulated: bool = False
    tiles: TileCache = field(default_factory=TileCache)

    @classmethod
    def start(cls, settings: Settings, pool: StorePool) -> ServerState:
        with pool.store() as store:
            simulated = bool(store.get_setting("simulated", False))
        return cls(settings, pool, CrsSet.from_setting(settings.metric_crs), simulated)

    @property
    def collections(self) -> tuple[str, ...]:
        return tuple(ENTITIES)

    def schema(self, collection: str) -> EntitySchema:
        """The schema of a published collection; NotFoundError listing them otherwise."""
        if collection not in ENTITIES:
            raise NotFoundError(f"no collection {collection!r}; the collections are {', '.join(ENTITIES)}")
        return ENTITIES[collection]

    def title(self, collection: str) -> tuple[str, str]:
        return COLLECTION_TITLES.get(collection, (collection, ""))

    def close(self) -> None:
        self.pool.close()

    def describe(self) -> dict[str, Any]:
        return {"store": self.pool.url, "collections": list(self.collections)}
