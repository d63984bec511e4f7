"""What a job reads from a store, read once: records by kind (now or as of a date), settings, flags.

A :class:`StoreSnapshot` wraps an open store for the length of a job. It reads each kind of record the first
time a job asks for it and keeps it, so a report that shows ten analyses reads the store once. The settings it
carries are the caller's with the store's own area of interest (``init --aoi``) laid over them. Jobs accept a
store or a snapshot (:func:`as_snapshot`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from mineaction.domain.schema import ENTITIES
from mineaction.settings import Settings
from mineaction.store import Store

__all__ = ["StoreSnapshot", "as_snapshot", "is_simulated", "settings_for_store"]

_SIMULATED_PREFIX = "SIMULATED"


def settings_for_store(store: Store, settings: Settings | None = None) -> Settings:
    """``settings`` (defaults if None) with the store's own area of interest, when it keeps one."""
    settings = settings or Settings()
    aoi = store.get_setting("aoi")
    if aoi:
        settings = settings.replace(aoi=tuple(float(v) for v in aoi))
    return settings


def is_simulated(frames: Mapping[str, pd.DataFrame | None], *, flag: Any = None) -> bool:
    """True when the store says its data are simulated (``flag``) or any source starts with "SIMULATED"."""
    if flag is not None and bool(flag):
        return True
    for frame in frames.values():
        if frame is None or frame.empty or "source" not in frame.columns:
            continue
        sources = frame["source"].dropna().astype(str).str.strip().str.upper()
        if sources.str.startswith(_SIMULATED_PREFIX).any():
            return True
    return False


class StoreSnapshot:
    """The records of one store as a job sees them, read lazily and kept.

    Parameters
    ----------
    store : Store
        An open store; it must stay open while the snapshot is used.
    settings : Settings, optional
        The caller's settings (defaults otherwise); the store's area of interest is laid over them.
    as_of : date or datetime, optional
        Read every kind as it was known at the end of that day (the store's history), not as it is now.
    """

    def __init__(
        self, store: Store, *, settings: Settings | None = None, as_of: date | datetime | None = None
    ) -> None:
        self.store = store
        self.settings = settings_for_store(store, settings)
        self.as_of = as_of
        self._frames: dict[str, pd.DataFrame] = {}
        self._simulated: bool | None = None

    @property
    def url(self) -> str:
        return str(self.store.url)

    @property
    def folder(self) -> Path | None:
        """The folder of a file store (where files it refers to by relative path live), else None."""
        url = self.url
        if url.startswith("gpkg://"):
            return Path(url.removeprefix("gpkg://")).parent
        if "://" not in url and url.lower().endswith(".gpkg"):
            return Path(url).parent
        return None

    def frame(self, kind: str) -> pd.DataFrame:
        """Records of ``kind`` (GeoDataFrame in EPSG:4326 for kinds with a geometry), no personal fields."""
        if kind not in self._frames:
            self._frames[kind] = self.store.read(kind, as_of=self.as_of)
        return self._frames[kind]

    def frames(self, kinds: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
        """Records of each of ``kinds`` (every kind by default), by kind."""
        return {kind: self.frame(kind) for kind in (ENTITIES if kinds is None else kinds)}

    def counts(self) -> dict[str, int]:
        """Live records of every kind (as of the snapshot's date when it has one)."""
        if self.as_of is None:
            return self.store.counts()
        return {kind: len(self.frame(kind)) for kind in ENTITIES}

    @property
    def simulated(self) -> bool:
        """Whether the data are simulated (the store's ``simulated`` setting or SIMULATED sources)."""
        if self._simulated is None:
            flag = self.store.get_setting("simulated")
            self._simulated = bool(flag) or is_simulated(self.frames())
        return self._simulated

    def hazard_history(self) -> pd.DataFrame:
        """Every revision of the hazardous areas up to the snapshot's date (to date what was known when)."""
        history = self.store.history("hazardous_areas")
        if self.as_of is None or history.empty:
            return history
        cutoff = pd.Timestamp(self.as_of)
        cutoff = cutoff.tz_localize("UTC") if cutoff.tzinfo is None else cutoff.tz_convert("UTC")
        if isinstance(self.as_of, date) and not isinstance(self.as_of, datetime):
            cutoff = cutoff + pd.Timedelta(days=1)
            return history.loc[history["changed_at"] < cutoff].reset_index(drop=True)
        return history.loc[history["changed_at"] <= cutoff].reset_index(drop=True)

    def casualty_aggregates(self) -> pd.DataFrame | None:
        """Yearly casualty counts of the years before victim records (document ``aggregates/casualties``)."""
        try:
            return pd.DataFrame(self.store.load_document("aggregates", "casualties")["rows"])
        except LookupError:
            return None


def as_snapshot(source: Store | StoreSnapshot, settings: Settings | None = None) -> StoreSnapshot:
    """``source`` itself when it is a snapshot, else a new snapshot of the store with ``settings``."""
    if isinstance(source, StoreSnapshot):
        return source
    return StoreSnapshot(source, settings=settings)
